// The sync screen's state: where this phone stands with its township hub (last sync, what waits
// to go, open conflicts), a session's progress as it runs, cancelling it, and what it did or why
// it failed in plain words. Background sync on Android (WorkManager) runs the same session.
package org.fieldcase.app

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import org.fieldcase.CancelToken
import org.fieldcase.FieldException
import org.fieldcase.FieldStore
import org.fieldcase.HubTransport
import org.fieldcase.SyncProgress
import org.fieldcase.changes
import org.fieldcase.core.SyncPhase
import org.fieldcase.core.SyncReport
import org.fieldcase.core.SyncStatus

class SyncModel(
    private val store: FieldStore,
    private val transport: HubTransport,
    private val scope: CoroutineScope,
) {
    var status by mutableStateOf<SyncStatus?>(null)
        private set
    var running by mutableStateOf(false)
        private set

    /** The session's step: records or attachments (none before the first), how far, of how many. */
    var phase by mutableStateOf<SyncPhase?>(null)
        private set
    var done by mutableStateOf(0L)
        private set
    var total by mutableStateOf(0L)
        private set
    var report by mutableStateOf<SyncReport?>(null)
        private set
    var failure by mutableStateOf<String?>(null)
        private set

    /** The last session failed for want of a network: the phone works on, offline. */
    var offline by mutableStateOf(false)
        private set
    private var token: CancelToken? = null

    fun refresh() {
        scope.launch {
            try {
                status = store.syncStatus()
            } catch (e: FieldException) {
                failure = Labels.failure(e)
            }
        }
    }

    /** Keeps the status current while the screen shows: every change made here or arriving. */
    suspend fun follow() {
        store.changes().collect {
            try {
                status = store.syncStatus()
            } catch (e: FieldException) {
                failure = Labels.failure(e)
            }
        }
    }

    fun syncNow() {
        if (running) return
        val cancel = CancelToken().also { token = it }
        running = true
        failure = null
        report = null
        phase = null
        done = 0
        total = 0
        val progress = object : SyncProgress {
            override fun progress(phase: SyncPhase, done: Long, total: Long) {
                this@SyncModel.phase = phase
                this@SyncModel.done = done
                this@SyncModel.total = total
            }
        }
        scope.launch {
            try {
                report = store.sync(transport, progress, cancel)
                offline = false
            } catch (e: FieldException) {
                failure = Labels.failure(e)
                offline = e is FieldException.Network
            } finally {
                running = false
                token = null
                try {
                    status = store.syncStatus()
                } catch (e: FieldException) {
                    failure = failure ?: Labels.failure(e)
                }
            }
        }
    }

    fun cancel() {
        token?.cancel()
    }

    /** What the last session did, in one line. */
    fun summary(r: SyncReport): String = buildString {
        append("上传 ${r.recordsSent} 条，收到 ${r.recordsReceived} 条")
        if (r.attachmentsSent + r.attachmentsReceived > 0) {
            append("，附件上传 ${r.attachmentsSent} 个、收到 ${r.attachmentsReceived} 个")
        }
        append("，共 ${kb(r.bytesUp + r.bytesDown)}")
        if (r.refused.isNotEmpty()) append("；${r.refused.size} 条被中心端拒收")
        if (r.attachmentsFailed.isNotEmpty()) append("；${r.attachmentsFailed.size} 个附件未传完，下次继续")
    }

    private fun kb(bytes: Long): String =
        if (bytes < 1024) "$bytes 字节" else "${(bytes + 1023) / 1024} KB"
}
