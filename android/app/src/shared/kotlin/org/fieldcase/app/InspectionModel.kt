// A site inspection (现场检查) on the inspector's phone: the eight-item checklist of the 2020
// regulations, two inspectors with credential numbers, findings and the correction order, the
// signatures drawn on screen, and sealing. What makes the record complete enough to seal is the
// core's check; this model only carries what was typed and shows the core's answer at each field.
package org.fieldcase.app

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateListOf
import androidx.compose.runtime.mutableStateMapOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import java.time.Instant
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import org.fieldcase.FieldException
import org.fieldcase.FieldRecord
import org.fieldcase.FieldStore
import org.fieldcase.checkResultName
import org.fieldcase.core.CheckResult
import org.fieldcase.core.ChecklistItem
import org.fieldcase.core.CorrectionOrder
import org.fieldcase.core.Inspection
import org.fieldcase.core.InspectionSignatures
import org.fieldcase.core.Kind
import org.fieldcase.core.SealStatus
import org.fieldcase.core.Signature
import org.fieldcase.core.WageChecklist
import org.fieldcase.fieldName
import org.fieldcase.newInspection

/** The eight checks, in the regulations' order, with the record field each one fills. */
enum class Check(val field: String) {
    REAL_NAME("real_name_and_contracts"),
    WAGE_ACCOUNT("wage_account"),
    LABOUR_COST("labour_cost_separate"),
    CONTRACTOR_PAYS("contractor_pays_wages"),
    DEPOSIT("wage_guarantee_deposit"),
    NOTICE_BOARD("rights_notice_board"),
    PAYROLL_KEPT("payroll_kept_three_years"),
    PAID_PERSONALLY("paid_in_money_personally"),
    ;

    /** The item's name, from the core's table (the same on iOS and the office's pages). */
    val label: String
        get() = fieldName("checklist.${this.field}") ?: this.field
}

fun CheckResult.label(): String = checkResultName(this)

class InspectionModel(
    private val store: FieldStore,
    private val township: String,
    private val scope: CoroutineScope,
    private val now: () -> Instant = Instant::now,
) {
    var siteName by mutableStateOf("")
    var address by mutableStateOf("")
    var headcountOnSite by mutableStateOf("")
    var headcountRegistered by mutableStateOf("")
    val inspectorNames = mutableStateListOf("", "")
    val credentials = mutableStateListOf("", "")
    val results = mutableStateMapOf<Check, CheckResult>()
    val notes = mutableStateMapOf<Check, String>()
    var findings by mutableStateOf("")
    var correctionRequired by mutableStateOf("")
    var correctionDeadline by mutableStateOf("")
    var representative by mutableStateOf("")
    var representativeRefused by mutableStateOf(false)
    var refusalNote by mutableStateOf("")

    /** The signatures: who has signed, and the pad that is open. */
    val signing = Signing(store, now)

    private val recordForm = RecordForm(store, scope) { inspection()?.let { FieldRecord.Inspection(it) } }
    val errors get() = recordForm.errors
    val busy get() = recordForm.busy
    val savedId get() = recordForm.savedId
    var seal by mutableStateOf<SealStatus?>(null)
        private set
    private val startedAt = now()
    private var endedAt: Instant? = null

    init {
        inspectorNames[0] = store.identity().user
    }

    fun answer(check: Check, result: CheckResult) {
        results[check] = result
    }

    /** Keeps the drawn signature with the record (saving the draft first, as an image needs one). */
    fun confirmSignature() {
        val signer = signing.open ?: return
        val name = when (signer) {
            is Signer.InspectorAt -> inspectorNames[signer.index]
            else -> representative
        }
        signing.problem(name)?.let {
            errors["signature"] = it
            return
        }
        act {
            signing.keep(write(), name)
            write()
        }
    }

    fun save() = act { write() }

    /** Signs and freezes the record: the core checks it whole and says what is missing. */
    /** Evidence photos per check: kept with the record (saved first, as an image needs one). */
    val photos = mutableStateMapOf<Check, List<String>>()

    fun addPhoto(check: Check, jpeg: ByteArray) = act {
        val id = write()
        val ref = store.attach(id, jpeg, "photo.jpg", "image/jpeg", "photo")
        if (signing.attached.none { it.sha256 == ref.sha256 }) signing.attached.add(ref)
        photos[check] = (photos[check] ?: emptyList()) + ref.sha256
        write()
    }

    fun sealRecord() = act {
        if (endedAt == null) endedAt = now()
        val id = write()
        seal = store.seal(id)
    }

    private fun act(step: suspend () -> Unit) = recordForm.act(step)

    private suspend fun write(): String = recordForm.write()

    /** The record as typed, or null when something typed does not read (shown at its field). */
    private fun inspection(): Inspection? {
        val typed = Typed(errors)
        val onSite = typed.count("headcount_on_site", headcountOnSite)
        val registered = typed.count("headcount_registered", headcountRegistered)
        val deadline = typed.date("correction_order.deadline", correctionDeadline)
        if (errors.isNotEmpty()) return null
        val draft = newInspection(township)
        fun item(c: Check) = ChecklistItem(
            result = results[c] ?: CheckResult.UNCHECKED,
            note = typed.text(notes[c] ?: ""),
            photos = photos[c] ?: emptyList(),
        )
        val rep = signing.given[Signer.Representative]
        return draft.copy(
            siteName = typed.text(siteName),
            address = typed.text(address),
            inspectors = inspectors(inspectorNames, credentials),
            startedAt = startedAt,
            endedAt = endedAt,
            headcountOnSite = onSite,
            headcountRegistered = registered,
            checklist = WageChecklist(
                realNameAndContracts = item(Check.REAL_NAME),
                wageAccount = item(Check.WAGE_ACCOUNT),
                labourCostSeparate = item(Check.LABOUR_COST),
                contractorPaysWages = item(Check.CONTRACTOR_PAYS),
                wageGuaranteeDeposit = item(Check.DEPOSIT),
                rightsNoticeBoard = item(Check.NOTICE_BOARD),
                payrollKeptThreeYears = item(Check.PAYROLL_KEPT),
                paidInMoneyPersonally = item(Check.PAID_PERSONALLY),
            ),
            findings = typed.text(findings),
            attachments = signing.attached.toList(),
            correctionOrder = if (correctionRequired.isBlank() && deadline == null) {
                null
            } else {
                CorrectionOrder(required = correctionRequired.trim(), deadline = deadline)
            },
            signatures = InspectionSignatures(
                employerRepresentative = rep,
                representativeRefused = representativeRefused,
                refusalNote = typed.text(refusalNote),
                inspectors = signing.inspectors(),
            ),
        )
    }
}
