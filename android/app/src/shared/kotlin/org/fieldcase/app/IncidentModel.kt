// Quick capture of an incident (a gathering of unpaid workers) by the grid assistant first on
// the scene: almost nothing is needed to save, escalation times are one tap each, and when the
// core refuses a value its message stands at that field while everything typed stays.
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
import org.fieldcase.core.AttachmentRef
import org.fieldcase.core.Escalation
import org.fieldcase.core.IncidentStatus
import org.fieldcase.core.Kind
import org.fieldcase.core.Location
import org.fieldcase.core.LocationSource
import org.fieldcase.core.Representative
import org.fieldcase.core.RiskSign
import org.fieldcase.newIncident

/** The escalation steps, in the order they happen on site. */
enum class Step(val label: String) {
    GRID_ARRIVED("已到场"),
    INSPECTOR_NOTIFIED("已通知监察员"),
    INSPECTOR_ARRIVED("监察员已到场"),
    LEADING_GROUP("已上报领导小组"),
}

class IncidentModel(
    private val store: FieldStore,
    private val township: String,
    private val scope: CoroutineScope,
    private val now: () -> Instant = Instant::now,
) : Drafted {
    /** What is typed here survives the app being killed, until the incident is saved. */
    val drafts = DraftKeeper(store, "incident")

    var headcount by mutableStateOf("")
    var employer by mutableStateOf("")
    var amountYuan by mutableStateOf("")
    var monthsOwed by mutableStateOf("")
    var address by mutableStateOf("")
    var demands by mutableStateOf("")
    var representative by mutableStateOf("")
    var representativePhone by mutableStateOf("")
    val riskSigns = mutableStateMapOf<RiskSign, Boolean>()

    /** Where the phone was when it located itself; photos taken, kept with the record once saved. */
    var location by mutableStateOf<Location?>(null)
        private set
    val attached = mutableStateListOf<AttachmentRef>()
    private val pendingPhotos = mutableListOf<ByteArray>()
    var photoCount by mutableStateOf(0)
        private set
    val steps = mutableStateMapOf<Step, Instant>()

    /** Messages by field path (the core's `field`), shown at the field. */
    val errors = mutableStateMapOf<String, String>()
    var saving by mutableStateOf(false)
        private set
    var savedId by mutableStateOf<String?>(null)
        private set
    private val reportedAt = now()

    override fun typed(): Map<String, String> = mapOf(
        "headcount" to headcount,
        "employer" to employer,
        "amount" to amountYuan,
        "months" to monthsOwed,
        "address" to address,
        "demands" to demands,
        "representative" to representative,
        "representative_phone" to representativePhone,
        // One draft format on both phones (tests/fixtures/incident-draft.json): the core's codes.
        "risk" to RiskSign.entries.filter { riskSigns[it] == true }.joinToString(",") { it.name.lowercase() },
        "steps" to Step.entries.filter { it in steps }.joinToString(",") { "${it.name.lowercase()}=${steps[it]!!.toEpochMilli()}" },
        "record" to (savedId ?: ""),
    )

    override fun restore(fields: Map<String, String>) {
        savedId = fields["record"]?.ifBlank { null }
        headcount = fields["headcount"] ?: ""
        employer = fields["employer"] ?: ""
        amountYuan = fields["amount"] ?: ""
        monthsOwed = fields["months"] ?: ""
        address = fields["address"] ?: ""
        demands = fields["demands"] ?: ""
        representative = fields["representative"] ?: ""
        representativePhone = fields["representative_phone"] ?: ""
        for (name in (fields["risk"] ?: "").split(',').filter { it.isNotBlank() }) {
            RiskSign.entries.find { it.name.equals(name, ignoreCase = true) }?.let { riskSigns[it] = true }
        }
        for (entry in (fields["steps"] ?: "").split(',').filter { it.contains('=') }) {
            val (name, millis) = entry.split('=', limit = 2)
            val step = Step.entries.find { it.name.equals(name, ignoreCase = true) } ?: continue
            millis.toLongOrNull()?.let { steps[step] = Instant.ofEpochMilli(it) }
        }
    }

    /** A photo from the camera (JPEG): kept with the incident when it is saved. */
    fun addPhoto(jpeg: ByteArray) {
        pendingPhotos.add(jpeg)
        photoCount++
        if (savedId != null) save()
    }

    /** The phone's position, from its location service. */
    fun locate(lat: Double, lon: Double, accuracyM: Double?) {
        location = Location(lat = lat, lon = lon, accuracyM = accuracyM, source = LocationSource.GPS)
    }

    fun toggle(sign: RiskSign) {
        riskSigns[sign] = !(riskSigns[sign] ?: false)
    }

    /** One tap: the step happened now. */
    fun mark(step: Step) {
        if (step !in steps) steps[step] = now()
    }

    fun save(onSaved: (String) -> Unit = {}) {
        errors.clear()
        val typed = Typed(errors)
        val people = typed.count("headcount", headcount)
        val months = typed.count("months_owed", monthsOwed)
        val fen = typed.yuan("amount_claimed_fen", amountYuan)
        if (errors.isNotEmpty()) return
        val draft = newIncident(township)
        val incident = draft.copy(
            status = IncidentStatus.REPORTED,
            reportedAt = reportedAt,
            headcount = people,
            employerName = employer.trim().ifEmpty { null },
            amountClaimedFen = fen,
            monthsOwed = months,
            address = address.trim().ifEmpty { null },
            demands = demands.trim().ifEmpty { null },
            representatives = if (representative.isBlank() && representativePhone.isBlank()) {
                emptyList()
            } else {
                listOf(Representative(name = representative.trim(), phone = representativePhone.trim().ifEmpty { null }))
            },
            riskSigns = RiskSign.entries.filter { riskSigns[it] == true },
            location = location,
            attachments = attached.toList(),
            escalation = Escalation(
                gridAssistantArrivedAt = steps[Step.GRID_ARRIVED],
                inspectorNotifiedAt = steps[Step.INSPECTOR_NOTIFIED],
                inspectorArrivedAt = steps[Step.INSPECTOR_ARRIVED],
                escalatedToLeadingGroupAt = steps[Step.LEADING_GROUP],
            ),
        )
        scope.launch {
            saving = true
            try {
                val id = savedId
                if (id == null) {
                    savedId = store.createRecord(FieldRecord.Incident(incident)).id
                } else {
                    store.updateRecord(id, FieldRecord.Incident(incident))
                }
                // Photos go with the record once it exists (the store adds each to its list).
                while (pendingPhotos.isNotEmpty()) {
                    val ref = store.attach(savedId!!, pendingPhotos.first(), "photo.jpg", "image/jpeg", "photo")
                    pendingPhotos.removeAt(0)
                    if (attached.none { it.sha256 == ref.sha256 }) attached.add(ref)
                }
                drafts.discard()
                onSaved(savedId!!)
            } catch (e: FieldException) {
                errors.putAll(Labels.atFields(e))
            } finally {
                saving = false
            }
        }
    }
}
