// The words the screens show for the core's codes (kinds, statuses, risk levels). Only names:
// what a status means and when a record is overdue is the core's to say.
package org.fieldcase.app

object Labels {
    fun kind(code: String): String = when (code) {
        "case" -> "欠薪案件"
        "incident" -> "突发事件"
        "inspection" -> "现场检查"
        "interview" -> "询问笔录"
        "mediation" -> "调解"
        "employer" -> "用人单位"
        "project" -> "工程项目"
        "calendar" -> "工作日历"
        else -> code
    }

    fun status(code: String): String = when (code) {
        "open" -> "待处理"
        "in_progress" -> "处理中"
        "closed" -> "已办结"
        "reported" -> "已上报"
        "responding" -> "处置中"
        "handed_over" -> "已移交"
        "applied" -> "已申请"
        "in_session" -> "调解中"
        "agreed" -> "已达成协议"
        "no_agreement" -> "未达成协议"
        "withdrawn" -> "已撤回"
        "draft" -> "草稿"
        "sealed" -> "已签章"
        "unreadable" -> "无法读取"
        else -> code
    }

    fun risk(code: String?): String? = when (code) {
        "high" -> "高风险"
        "medium" -> "中风险"
        "low" -> "低风险"
        else -> null
    }
}
