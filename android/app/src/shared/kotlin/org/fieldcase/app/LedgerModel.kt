// The ledger (台账) screen's state: the filter chosen, the search typed, the rows read so far,
// page by page from the store (never all at once), and what went wrong in words.
package org.fieldcase.app

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import org.fieldcase.FieldException
import org.fieldcase.FieldStore
import org.fieldcase.core.Kind
import org.fieldcase.core.LedgerQuery
import org.fieldcase.core.LedgerRow

/** The filters a field worker switches between with one tap. */
enum class LedgerFilter(val label: String) {
    ALL("全部"),
    CASES("案件"),
    INCIDENTS("事件"),
    OVERDUE("已逾期"),
    DUE_SOON("7日内到期"),
    MINE("我负责的"),
}

class LedgerModel(
    private val store: FieldStore,
    private val me: String,
    private val scope: CoroutineScope,
    private val pageSize: Int = PAGE,
) {
    var filter by mutableStateOf(LedgerFilter.ALL)
        private set
    var search by mutableStateOf("")
        private set
    var rows by mutableStateOf<List<LedgerRow>>(emptyList())
        private set
    var loading by mutableStateOf(false)
        private set
    var endReached by mutableStateOf(false)
        private set
    var problem by mutableStateOf<String?>(null)
        private set

    private var reading: Job? = null

    fun choose(f: LedgerFilter) {
        filter = f
        refresh()
    }

    fun type(text: String) {
        search = text
        refresh()
    }

    /** Reads the first page again (after a filter, a search, or a change in the store). */
    fun refresh() {
        reading?.cancel()
        reading = scope.launch {
            loading = true
            problem = null
            try {
                val words = search.trim()
                if (words.codePointCount(0, words.length) >= 2) {
                    // Search gives the best matches at once, newest first, without pages.
                    rows = store.search(words, SEARCH_LIMIT)
                    endReached = true
                } else {
                    val page = store.list(query(after = null))
                    rows = page
                    endReached = page.size < pageSize
                }
            } catch (e: FieldException) {
                problem = Labels.failure(e)
            } finally {
                loading = false
            }
        }
    }

    /** The next page, after the last row shown (keyset: page 200 costs what page 1 does). */
    fun loadMore() {
        if (loading || endReached || search.trim().isNotEmpty()) return
        val last = rows.lastOrNull() ?: return
        reading = scope.launch {
            loading = true
            try {
                val page = store.list(query(after = last.cursor))
                rows = rows + page
                endReached = page.size < pageSize
            } catch (e: FieldException) {
                problem = Labels.failure(e)
            } finally {
                loading = false
            }
        }
    }

    private fun query(after: String?): LedgerQuery = when (filter) {
        LedgerFilter.ALL -> LedgerQuery(limit = pageSize, after = after)
        LedgerFilter.CASES -> LedgerQuery(kind = Kind.CASE, limit = pageSize, after = after)
        LedgerFilter.INCIDENTS -> LedgerQuery(kind = Kind.INCIDENT, limit = pageSize, after = after)
        LedgerFilter.OVERDUE -> LedgerQuery(overdue = true, limit = pageSize, after = after)
        LedgerFilter.DUE_SOON -> LedgerQuery(dueWithinDays = 7, limit = pageSize, after = after)
        LedgerFilter.MINE -> LedgerQuery(responsible = me, limit = pageSize, after = after)
    }

    companion object {
        const val PAGE: Int = 50
        const val SEARCH_LIMIT: Int = 100
    }
}
