// Nothing typed is lost when the app is killed: a form's text is kept in the store's drafts
// (encrypted with the records, never synced) a moment after each change, brought back when the
// form opens again, and dropped once the record is saved.
package org.fieldcase.app

import androidx.compose.runtime.snapshotFlow
import kotlinx.coroutines.FlowPreview
import kotlinx.coroutines.flow.collectLatest
import kotlinx.coroutines.flow.debounce
import kotlinx.coroutines.flow.distinctUntilChanged
import org.fieldcase.FieldException
import org.fieldcase.FieldStore

/** What a form keeps as a draft: its typed text by field, and how to put it back. */
interface Drafted {
    fun typed(): Map<String, String>
    fun restore(fields: Map<String, String>)
}

class DraftKeeper(private val store: FieldStore, private val form: String) {
    /** Puts back what was typed last time, then keeps every change until the screen closes. */
    @OptIn(FlowPreview::class)
    suspend fun keep(model: Drafted) {
        try {
            store.draft(form)?.let(model::restore)
        } catch (e: FieldException) {
            // A draft that cannot be read is only a draft: the form starts empty.
        }
        snapshotFlow { model.typed() }
            .distinctUntilChanged()
            .debounce(300)
            .collectLatest { fields ->
                try {
                    if (fields.values.all { it.isBlank() }) store.discardDraft(form) else store.keepDraft(form, fields)
                } catch (e: FieldException) {
                    // Full disk and the like: the form still holds the text; the next change tries again.
                }
            }
    }

    suspend fun discard() {
        try {
            store.discardDraft(form)
        } catch (e: FieldException) {
            // Saved is what matters; an old draft is replaced by the next one.
        }
    }
}
