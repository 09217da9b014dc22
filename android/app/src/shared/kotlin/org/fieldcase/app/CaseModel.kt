// A case page (个案): who owes whom how much, the clock with its days left, the follow-up
// timeline, wage-claim lines, linked records, and the status changes the rules allow. Closing
// asks for the resolution the core requires (隐患不消除不销账) and the core writes the sign-off.
// Everything shown is the core's record and its answer; nothing here decides a rule.
package org.fieldcase.app

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateMapOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import org.fieldcase.FieldException
import org.fieldcase.FieldRecord
import org.fieldcase.FieldStore
import org.fieldcase.StoredRecord
import org.fieldcase.core.Case
import org.fieldcase.core.CaseStatus
import org.fieldcase.core.FollowUp
import org.fieldcase.core.FollowUpKind
import org.fieldcase.core.Handover
import org.fieldcase.core.HandoverTo
import org.fieldcase.core.Resolution
import org.fieldcase.core.ResolutionKind
import org.fieldcase.core.StatusAction
import org.fieldcase.core.StatusChoice
import org.fieldcase.core.WageClaim
import org.fieldcase.followUpName
import org.fieldcase.handoverName
import org.fieldcase.record
import org.fieldcase.resolutionName

fun FollowUpKind.label(): String = followUpName(this)

fun ResolutionKind.label(): String = resolutionName(this)

fun HandoverTo.label(): String = handoverName(this)

class CaseModel(
    private val store: FieldStore,
    val id: String,
    private val scope: CoroutineScope,
    private val now: () -> Instant = Instant::now,
) {
    var stored by mutableStateOf<StoredRecord?>(null)
        private set
    val case: Case? get() = (stored?.record as? FieldRecord.Case)?.value

    // A follow-up in a few taps.
    var followUpKind by mutableStateOf(FollowUpKind.VISIT)
    var followUpOutcome by mutableStateOf("")

    // A wage-claim line.
    var claimName by mutableStateOf("")
    var claimResidentId by mutableStateOf("")
    var claimYuan by mutableStateOf("")

    // Closing.
    var closing by mutableStateOf(false)
    var resolutionKind by mutableStateOf<ResolutionKind?>(null)
    var resolvedOn by mutableStateOf(LocalDate.now(ZoneId.of("Asia/Shanghai")).toString())
    var paidYuan by mutableStateOf("")
    var reference by mutableStateOf("")

    // Hand-over.
    var handoverTo by mutableStateOf<HandoverTo?>(null)
    var receivingBody by mutableStateOf("")

    val errors = mutableStateMapOf<String, String>()
    var busy by mutableStateOf(false)
        private set

    /** Keeps the page current: edits here, and what arrives by sync. */
    suspend fun follow() {
        store.record(id).collect { stored = it }
    }

    fun addFollowUp() {
        val c = case ?: return
        if (followUpOutcome.isBlank()) {
            errors["follow_up"] = "请写下结果"
            return
        }
        val entry = FollowUp(at = now(), kind = followUpKind, by = store.identity().user, outcome = followUpOutcome.trim())
        write(c.copy(followUps = c.followUps + entry)) { followUpOutcome = "" }
    }

    fun addClaim() {
        val c = case ?: return
        errors.clear()
        val typed = Typed(errors)
        val n = c.wageClaims.size
        val fen = typed.yuan("wage_claims.$n.amount_owed_fen", claimYuan)
        if (errors.isNotEmpty()) return
        val claim = WageClaim(
            workerName = claimName.trim(),
            residentId = typed.text(claimResidentId),
            phone = null,
            workFrom = null,
            workTo = null,
            amountOwedFen = fen,
            evidence = null,
        )
        write(c.copy(wageClaims = c.wageClaims + claim)) {
            claimName = ""
            claimResidentId = ""
            claimYuan = ""
        }
    }

    /** Gives the case one of the statuses the core offers (closing asks for the resolution). */
    fun choose(choice: StatusChoice) {
        if (!choice.allowed) return
        if (choice.action == StatusAction.CLOSE) {
            closing = true
            return
        }
        errors.clear()
        act { store.setStatus(id, choice.to) }
    }

    fun handOver() {
        val c = case ?: return
        val to = handoverTo
        if (to == null) {
            errors["handover"] = "请选择移送给谁"
            return
        }
        val h = Handover(
            to = to,
            department = null,
            on = LocalDate.now(ZoneId.of("Asia/Shanghai")).toString(),
            receivingBody = receivingBody.trim(),
            reference = null,
            outcome = null,
        )
        write(c.copy(handovers = c.handovers + h)) {
            handoverTo = null
            receivingBody = ""
        }
    }

    /** Closes with the resolution; the core checks it and writes the sign-off as this user. */
    fun close() {
        errors.clear()
        val typed = Typed(errors)
        val on = typed.date("resolution.on", resolvedOn)
        val paid = typed.yuan("resolution.amount_paid_fen", paidYuan)
        if (errors.isNotEmpty()) return
        val resolution = Resolution(
            kind = resolutionKind,
            on = on,
            amountPaidFen = paid,
            reference = typed.text(reference),
            note = null,
        )
        act {
            store.closeCase(id, resolution)
            closing = false
        }
    }

    private fun write(updated: Case, after: () -> Unit = {}) {
        errors.clear()
        act {
            store.updateRecord(id, FieldRecord.Case(updated))
            after()
        }
    }

    private fun act(step: suspend () -> Unit) {
        scope.launch {
            busy = true
            try {
                step()
                stored = store.get(id)
            } catch (e: FieldException) {
                errors.putAll(Labels.atFields(e))
            } finally {
                busy = false
            }
        }
    }
}
