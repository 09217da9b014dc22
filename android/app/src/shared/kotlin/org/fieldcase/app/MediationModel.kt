// Mediation (调解) by the mediator: the application as received, the parties (each worker with
// ID and amount, the employer), sessions, the agreement's terms, the four signatures that make it
// effective (every worker, the employer, the mediator, the organisation's seal), sealing, and
// afterwards the arbitration review and whether it was paid. The core decides when it is
// effective, which clock runs and what is missing.
package org.fieldcase.app

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateListOf
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
import org.fieldcase.core.Agreement
import org.fieldcase.core.AgreementSignatures
import org.fieldcase.core.Application
import org.fieldcase.core.ApplicationForm
import org.fieldcase.core.ArbitrationReview
import org.fieldcase.core.Channel
import org.fieldcase.core.EmployerParty
import org.fieldcase.core.Kind
import org.fieldcase.core.Mediation
import org.fieldcase.core.MediationStatus
import org.fieldcase.core.Performance
import org.fieldcase.core.PerformanceResult
import org.fieldcase.core.Session
import org.fieldcase.core.WorkerParty
import org.fieldcase.newMediation
import org.fieldcase.performanceName

/** A worker party as typed. */
class PartyRow {
    var name by mutableStateOf("")
    var residentId by mutableStateOf("")
    var phone by mutableStateOf("")
    var claimYuan by mutableStateOf("")
}

fun PerformanceResult.label(): String = performanceName(this)

class MediationModel(
    private val store: FieldStore,
    private val township: String,
    private val scope: CoroutineScope,
    private val caseId: String? = null,
    private val now: () -> Instant = Instant::now,
) {
    // The application.
    var channel by mutableStateOf(Channel.OFFLINE)
    var form by mutableStateOf(ApplicationForm.ORAL)
    var applicant by mutableStateOf("")
    var dispute by mutableStateOf("")
    var reasons by mutableStateOf("")
    private val receivedAt = now()

    // The parties.
    val workers = mutableStateListOf(PartyRow())
    var employerName by mutableStateOf("")
    var employerUscc by mutableStateOf("")
    var employerRepresentative by mutableStateOf("")

    // Who mediates; the sessions held.
    var organisation by mutableStateOf("")
    var mediator by mutableStateOf(store.identity().user)
    val sessions = mutableStateListOf<Session>()
    var sessionPlace by mutableStateOf("")
    var sessionNotes by mutableStateOf("")

    // The agreement.
    var workerClaims by mutableStateOf("")
    var employerClaims by mutableStateOf("")
    var agreedYuan by mutableStateOf("")
    var paymentDate by mutableStateOf("")
    var paymentMethod by mutableStateOf("")
    var claimsWaived by mutableStateOf("")
    var organisationSealBy by mutableStateOf("")
    val signing = Signing(store, now)

    // After signing.
    var reviewDeclined by mutableStateOf(false)
    var performanceResult by mutableStateOf(PerformanceResult.PAID_ON_TIME)
    var performanceYuan by mutableStateOf("")

    private val recordForm = RecordForm(store, scope) { mediation()?.let { FieldRecord.Mediation(it) } }
    val errors get() = recordForm.errors
    val busy get() = recordForm.busy
    val savedId get() = recordForm.savedId
    var stored by mutableStateOf<StoredRecord?>(null)
        private set
    val sealed: Boolean get() = stored?.seal != null

    fun addWorker() {
        workers.add(PartyRow())
    }

    fun addSession() {
        if (sessionNotes.isBlank()) {
            errors["session"] = "请记下调解情况"
            return
        }
        sessions.add(Session(at = now(), place = sessionPlace.trim().ifEmpty { null }, notes = sessionNotes.trim()))
        sessionPlace = ""
        sessionNotes = ""
        save()
    }

    fun save() = act { write() }

    fun confirmSignature() {
        val signer = signing.open ?: return
        val who = when (signer) {
            is Signer.WorkerAt -> workers.getOrNull(signer.index)?.name ?: ""
            Signer.Employer -> employerRepresentative.ifBlank { employerName }
            Signer.Mediator -> mediator
            Signer.OrganisationSeal -> organisationSealBy
            else -> ""
        }
        signing.problem(who)?.let {
            errors["signature"] = it
            return
        }
        act {
            signing.keep(write(), who)
            write()
        }
    }

    /** Signing seals it: the core checks the four signatures and the terms. */
    fun sealAgreement() = act { store.seal(write()) }

    /** The parties applied for arbitration review together today, or chose not to. */
    fun recordReview() = act {
        val id = savedId ?: return@act
        val today = LocalDate.now(ZoneId.of("Asia/Shanghai")).toString()
        store.recordReview(
            id,
            ArbitrationReview(
                appliedOn = if (reviewDeclined) null else today,
                jointApplication = !reviewDeclined,
                declined = reviewDeclined,
                outcome = null,
                outcomeOn = null,
                note = null,
            ),
        )
    }

    fun recordPerformance() = act {
        val id = savedId ?: return@act
        val paid = Typed(errors).yuan("performance.amount_paid_fen", performanceYuan)
        if (errors.isNotEmpty()) return@act
        store.recordPerformance(
            id,
            Performance(
                on = LocalDate.now(ZoneId.of("Asia/Shanghai")).toString(),
                result = performanceResult,
                amountPaidFen = paid,
                note = null,
            ),
        )
    }

    /** Each step, then the record as the core now has it (its seal and clock). */
    private fun act(step: suspend () -> Unit) = recordForm.act {
        step()
        savedId?.let { stored = store.get(it) }
    }

    private suspend fun write(): String = recordForm.write()

    /** The record as typed; null when a number or date does not read (said at its field). */
    private fun mediation(): Mediation? {
        val typed = Typed(errors)
        val parties = workers.mapIndexedNotNull { i, w ->
            if (w.name.isBlank() && w.residentId.isBlank() && w.claimYuan.isBlank()) return@mapIndexedNotNull null
            WorkerParty(
                name = w.name.trim(),
                residentId = typed.text(w.residentId),
                phone = typed.text(w.phone),
                amountClaimedFen = typed.yuan("workers.$i.amount_claimed_fen", w.claimYuan),
            )
        }
        val agreed = typed.yuan("agreement.agreed_amount_fen", agreedYuan)
        val payDate = typed.date("agreement.payment_date", paymentDate)
        if (errors.isNotEmpty()) return null
        val draft = newMediation(township)
        val anyTerms = listOf(workerClaims, employerClaims, agreedYuan, paymentDate, paymentMethod, claimsWaived).any { it.isNotBlank() } ||
            signing.given.isNotEmpty()
        return draft.copy(
            caseId = caseId,
            application = Application(
                receivedAt = receivedAt,
                channel = channel,
                form = form,
                applicant = typed.text(applicant),
                dispute = typed.text(dispute),
                reasons = typed.text(reasons),
            ),
            workers = parties,
            employer = EmployerParty(
                name = typed.text(employerName),
                uscc = typed.text(employerUscc),
                representative = typed.text(employerRepresentative),
                agent = null,
            ),
            organisation = typed.text(organisation),
            attachments = signing.attached.toList(),
            mediator = typed.text(mediator),
            sessions = sessions.toList(),
            agreement = if (!anyTerms) {
                null
            } else {
                Agreement(
                    workerClaims = typed.text(workerClaims),
                    employerClaims = typed.text(employerClaims),
                    agreedAmountFen = agreed,
                    paymentDate = payDate,
                    paymentMethod = typed.text(paymentMethod),
                    claimsWaived = typed.text(claimsWaived),
                    signatures = AgreementSignatures(
                        workers = signing.workers(),
                        employer = signing.given[Signer.Employer],
                        mediator = signing.given[Signer.Mediator],
                        organisationSeal = signing.given[Signer.OrganisationSeal],
                    ),
                )
            },
        )
    }
}
