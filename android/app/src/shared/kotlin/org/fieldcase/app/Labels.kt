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

    /**
     * A refusal as the person on site reads it: the rule's words in Chinese where the screens
     * know them, else the core's own message. (The core is to carry these words itself.)
     */
    fun problem(rule: String, message: String): String = when (rule) {
        "mobile" -> "手机号应为11位数字，以13至19开头"
        "resident_id_check_char", "resident_id" -> "身份证号码有误（校验位不符）"
        "required" -> "必填"
        "money_not_negative" -> "金额不能为负数"
        "not_in_future" -> "时间不能晚于现在"
        "escalation_order" -> "上报时间的先后顺序不对"
        else -> message
    }
}
