// Conflicts: a field two phones changed differently while apart (both values kept, side by
// side with who set each and when: a person chooses), or a rule the merged record breaks (in
// the core's words). Choosing is an edit that syncs like any other.
package org.fieldcase.app

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import org.fieldcase.ConflictChoice
import org.fieldcase.FieldConflict
import org.fieldcase.FieldException
import org.fieldcase.FieldStore
import org.fieldcase.yuan

class ConflictsModel(private val store: FieldStore, private val scope: CoroutineScope) {
    var items by mutableStateOf<List<FieldConflict>>(emptyList())
        private set
    var loading by mutableStateOf(false)
        private set
    var problem by mutableStateOf<String?>(null)
        private set

    fun load() {
        loading = true
        scope.launch {
            try {
                items = store.conflicts()
                problem = null
            } catch (e: FieldException) {
                problem = Labels.failure(e)
            } finally {
                loading = false
            }
        }
    }

    /** Keeps `choice`, one of the conflict's choices. */
    fun choose(conflict: FieldConflict, choice: ConflictChoice) {
        loading = true
        scope.launch {
            try {
                store.resolve(conflict, choice)
                items = store.conflicts()
                problem = null
            } catch (e: FieldException) {
                problem = Labels.failure(e)
            } finally {
                loading = false
            }
        }
    }
}
