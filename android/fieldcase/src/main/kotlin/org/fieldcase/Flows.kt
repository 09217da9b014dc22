// The store as Kotlin screens use it: flows that refresh when records change, and a sync
// that a cancelled coroutine stops.
package org.fieldcase

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.channelFlow
import kotlinx.coroutines.flow.conflate
import kotlinx.coroutines.flow.map
import org.fieldcase.core.LedgerQuery
import org.fieldcase.core.LedgerRow
import org.fieldcase.core.SyncPhase
import org.fieldcase.core.SyncReport

/** The ids of records as they change (an empty list: many changed, e.g. after a sync). */
fun FieldStore.changes(): Flow<List<String>> = callbackFlow {
    val handle = addListener(object : RecordListener {
        override fun recordsChanged(ids: List<String>) {
            trySend(ids)
        }
    })
    awaitClose { handle.close() }
}

/**
 * A signal now and after every change for which [matters] holds. The listener is in place
 * before the first signal, so a change made while the first read runs is not missed.
 */
private fun FieldStore.refreshes(matters: (List<String>) -> Boolean): Flow<Unit> = callbackFlow {
    val handle = addListener(object : RecordListener {
        override fun recordsChanged(ids: List<String>) {
            if (matters(ids)) trySend(Unit)
        }
    })
    trySend(Unit)
    awaitClose { handle.close() }
}.conflate()

/** The ledger for [query], now and after every change (a burst of changes reads it once). */
fun FieldStore.ledger(query: LedgerQuery? = null): Flow<List<LedgerRow>> =
    refreshes { true }.map { list(query) }

/** One record, now and after every change to it. */
fun FieldStore.record(id: String): Flow<StoredRecord> =
    refreshes { it.isEmpty() || id in it }.map { get(id) }

/** Where a sync stands, for a progress bar: records first, then attachments. */
data class SyncStep(val phase: SyncPhase, val done: Long, val total: Long)

/**
 * One sync session with the hub. Cancelling the calling coroutine stops the session at once
 * (what arrived before is kept); [onProgress] is called on the library's threads.
 */
suspend fun FieldStore.syncWith(transport: HubTransport, onProgress: ((SyncStep) -> Unit)? = null): SyncReport {
    val token = CancelToken()
    val progress = onProgress?.let { report ->
        object : SyncProgress {
            override fun progress(phase: SyncPhase, done: Long, total: Long) = report(SyncStep(phase, done, total))
        }
    }
    try {
        return sync(transport, progress, token)
    } catch (e: CancellationException) {
        token.cancel()
        throw e
    }
}

/**
 * One sync session as a flow of its steps, like the ledger's flow: collecting it runs the
 * session and cancelling the collector stops it (what arrived is kept); it completes when the
 * session does and throws what the session threw.
 */
fun FieldStore.syncSteps(transport: HubTransport): Flow<SyncStep> = channelFlow {
    syncWith(transport) { step -> trySend(step) }
}
