// "Exchange with a colleague", from the sync screen: this phone shows its one-time code and
// waits, or takes the colleague's code (scanned, or typed) and runs the exchange; then what came
// and went, by kind, and what was refused and why, in the core's words.
package org.fieldcase.app

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import org.fieldcase.ExchangeCode
import org.fieldcase.ExchangeReport
import org.fieldcase.FieldException
import org.fieldcase.FieldStore
import org.fieldcase.readExchangeCode

class ExchangeModel(
    private val store: FieldStore,
    private val scope: CoroutineScope,
    private val radio: LocalRadio? = null,
    /** Where to listen when no hotspot is opened (the tests: loopback). */
    private val listenAt: String = "0.0.0.0:0",
) {
    /** The code this phone shows, while it waits for its colleague. */
    var shown by mutableStateOf<ExchangeCode?>(null)
        private set

    /** The code typed or scanned from the colleague's screen. */
    var typed by mutableStateOf("")

    var running by mutableStateOf(false)
        private set
    var report by mutableStateOf<ExchangeReport?>(null)
        private set
    var failure by mutableStateOf<String?>(null)
        private set
    private var job: Job? = null

    /** Shows this phone's code (opening a hotspot where the phone can) and waits for the colleague. */
    fun show() {
        if (running) return
        begin()
        job = scope.launch {
            try {
                val hotspot = radio?.openHotspot()
                val listener = store.listenForColleague(
                    if (hotspot != null) "0.0.0.0:0" else listenAt,
                    shownAddress = hotspot?.address,
                    hotspotName = hotspot?.name,
                    hotspotPassword = hotspot?.password,
                )
                shown = listener.code()
                report = listener.accept()
            } catch (e: FieldException) {
                failure = Labels.failure(e)
            } finally {
                end()
            }
        }
    }

    /** Runs the exchange with the colleague whose code was scanned or typed. */
    fun connect(code: String = typed) {
        if (running) return
        begin()
        job = scope.launch {
            try {
                val read = readExchangeCode(code.trim())
                val name = read.networkName
                val password = read.networkPassword
                if (radio != null && name != null && password != null) radio.join(name, password)
                report = store.exchangeWith(read.text)
                typed = ""
            } catch (e: FieldException) {
                failure = Labels.failure(e)
            } finally {
                end()
            }
        }
    }

    /** Stops waiting or exchanging; what arrived stays. */
    fun cancel() {
        job?.cancel()
    }

    private fun begin() {
        running = true
        report = null
        failure = null
    }

    private fun end() {
        running = false
        shown = null
        radio?.close()
    }
}
