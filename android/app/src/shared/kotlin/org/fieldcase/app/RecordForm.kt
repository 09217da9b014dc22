// What the forms that end in a signed record share (inspection, interview, mediation): the core's
// messages by field, a step under way, and saving the record as typed (created once, then
// updated). A typing slip is shown before anything is sent; a refusal is said at its fields and
// above the form, and nothing typed is lost.
package org.fieldcase.app

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateMapOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import org.fieldcase.FieldException
import org.fieldcase.FieldRecord
import org.fieldcase.FieldStore

class RecordForm(
    private val store: FieldStore,
    private val scope: CoroutineScope,
    /** The record as typed, or null when something typed does not read (said in `errors`). */
    private val read: () -> FieldRecord?,
) {
    val errors = mutableStateMapOf<String, String>()
    var busy by mutableStateOf(false)
        private set
    var savedId by mutableStateOf<String?>(null)
        internal set

    fun act(step: suspend () -> Unit) {
        errors.clear()
        if (read() == null) return
        scope.launch {
            busy = true
            try {
                step()
            } catch (e: FieldException) {
                errors.putAll(Labels.atFields(e))
                if (e is FieldException.Refused || e is FieldException.InvalidFields) {
                    errors[""] = "还不能保存或签署：" + Labels.failure(e)
                }
            } finally {
                busy = false
            }
        }
    }

    /** Saves what is on screen; the record's id. */
    suspend fun write(): String {
        val record = checkNotNull(read()) { "read before this step began" }
        val id = savedId
        return if (id == null) {
            store.createRecord(record).id.also { savedId = it }
        } else {
            store.updateRecord(id, record)
            id
        }
    }
}
