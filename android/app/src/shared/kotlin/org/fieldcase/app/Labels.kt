// What went wrong, as the screens show it: the core's own sentences (the same on iOS and the
// office's pages), as a whole or at the field each problem names. The names of kinds, statuses
// and every other value come from the core too (`kindName`, `statusName`, `riskName`, ...).
package org.fieldcase.app

import org.fieldcase.FieldException

object Labels {
    /** What went wrong, as a field worker reads it: the core's sentence. */
    fun failure(e: FieldException): String = e.inChinese()

    /** Each problem at the field it names ("" for the record as a whole). */
    fun atFields(e: FieldException): Map<String, String> = when (e) {
        is FieldException.InvalidFields -> e.problems.groupBy { it.field }.mapValues { (_, ps) -> ps.joinToString("；") { it.inChinese } }
        is FieldException.Refused -> e.problems.groupBy { it.field }.mapValues { (_, ps) -> ps.joinToString("；") { it.inChinese } }
        else -> mapOf("" to failure(e))
    }
}
