// The words the screens show for the core's codes (kinds, statuses, risk levels). Only names:
// what a status means and when a record is overdue is the core's to say.
package org.fieldcase.app

import org.fieldcase.FieldException

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
     * What went wrong, as a field worker reads it. Rule problems carry the core's own Chinese
     * sentence (the same on iOS and the office pages); the other kinds are the library's error
     * types, named here once.
     */
    fun failure(e: FieldException): String = when (e) {
        is FieldException.InvalidFields -> e.problems.joinToString("；") { it.inChinese }
        is FieldException.Refused -> e.problems.joinToString("；") { it.inChinese }
        is FieldException.Sealed -> "这条记录已签署封存，不能再修改；如需更正，请另作补充记录"
        is FieldException.NotFound -> "找不到这条记录"
        is FieldException.WrongKey -> "本机数据无法用当前密钥打开"
        is FieldException.DiskFull -> "手机存储空间已满：已保存的内容没有丢失，请清理空间后重试"
        is FieldException.Cancelled -> "已取消：已收到的内容都已保存"
        is FieldException.Network -> "连不上街镇中心端，请有网络时再试"
        is FieldException.Unauthorised -> "本设备未加入街镇中心端，或已被停用"
        is FieldException.Storage -> "本机数据读写出错"
        is FieldException.Internal -> "程序出错，内容未保存"
    }

    /** Each problem at the field it names ("" for the record as a whole). */
    fun atFields(e: FieldException): Map<String, String> = when (e) {
        is FieldException.InvalidFields -> e.problems.groupBy { it.field }.mapValues { (_, ps) -> ps.joinToString("；") { it.inChinese } }
        is FieldException.Refused -> e.problems.groupBy { it.field }.mapValues { (_, ps) -> ps.joinToString("；") { it.inChinese } }
        else -> mapOf("" to failure(e))
    }
}
