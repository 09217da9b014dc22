// Nothing typed is lost when the app is killed: a form's text is kept in the store's drafts
// (encrypted with the records, never synced) a moment after each change, brought back when the
// form opens again, and dropped once the record is saved.
package org.fieldcase.app

import androidx.compose.runtime.snapshotFlow
import kotlinx.coroutines.FlowPreview
import kotlinx.coroutines.flow.conflate
import kotlinx.coroutines.flow.debounce
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import org.fieldcase.FieldException
import org.fieldcase.FieldStore

/** What a form keeps as a draft: its typed text by field, and how to put it back. */
interface Drafted {
    fun typed(): Map<String, String>
    fun restore(fields: Map<String, String>)
}

class DraftKeeper(private val store: FieldStore, private val form: String) {
    // One write at a time, none cancelled half-way: a keep still under way when the record is
    // saved finishes before the discard, never after it (which would bring a saved form back).
    private val writing = Mutex()
    private var model: Drafted? = null
    private var settled: Map<String, String>? = null

    /** Puts back what was typed last time, then keeps every change until the screen closes. */
    @OptIn(FlowPreview::class)
    suspend fun keep(model: Drafted) {
        this.model = model
        try {
            store.draft(form)?.let(model::restore)
        } catch (e: FieldException) {
            // A draft that cannot be read is only a draft: the form starts empty.
        }
        snapshotFlow { model.typed() }
            .distinctUntilChanged()
            .debounce(300)
            .conflate()
            .collect { fields ->
                writing.withLock {
                    // What was on the form when it was saved is not a draft.
                    if (fields == settled) return@withLock
                    try {
                        if (fields.values.all { it.isBlank() }) store.discardDraft(form) else store.keepDraft(form, fields)
                    } catch (e: FieldException) {
                        // Full disk and the like: the form still holds the text; the next change tries again.
                    }
                }
            }
    }

    suspend fun discard() {
        writing.withLock {
            settled = model?.typed()
            try {
                store.discardDraft(form)
            } catch (e: FieldException) {
                // Saved is what matters; an old draft is replaced by the next one.
            }
        }
    }
}
