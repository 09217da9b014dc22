// The words the screens show: the names of kinds, statuses and risk levels come from the core's
// table (the same on iOS and the office's pages); what went wrong is named here per error type.
package org.fieldcase.app

import org.fieldcase.FieldException
import org.fieldcase.core.Kind
import org.fieldcase.kindName
import org.fieldcase.riskName
import org.fieldcase.statusName

object Labels {
    /** A kind's name, from its code in a ledger row ("case", "incident", ...). */
    fun kind(code: String): String = Kind.entries.firstOrNull { it.name.equals(code, ignoreCase = true) }?.let(::kindName) ?: code

    fun status(code: String): String = statusName(code)

    fun risk(code: String?): String? = code?.let(::riskName)

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
