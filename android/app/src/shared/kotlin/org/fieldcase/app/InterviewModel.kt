// An interview transcript (询问笔录): who is asked (with the resident ID the core checks), the
// inspectors, questions and answers as they are spoken, the interviewee's and inspectors'
// signatures drawn on screen, and sealing. A wrong ID number is shown at its field by the core
// and nothing is saved.
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
import org.fieldcase.core.Interview
import org.fieldcase.core.InterviewSignatures
import org.fieldcase.core.Interviewee
import org.fieldcase.core.Kind
import org.fieldcase.core.QuestionAnswer
import org.fieldcase.core.SealStatus
import org.fieldcase.newInterview

/** A question and its answer, as typed. */
class Exchange(question: String = "", answer: String = "") {
    var question by mutableStateOf(question)
    var answer by mutableStateOf(answer)
}

class InterviewModel(
    private val store: FieldStore,
    private val township: String,
    private val scope: CoroutineScope,
    private val caseId: String? = null,
    private val now: () -> Instant = Instant::now,
) : Drafted {
    /** What is typed here survives the app being killed, until the transcript is signed. */
    val drafts = DraftKeeper(store, "interview:${caseId ?: "new"}")

    var name by mutableStateOf("")
    var residentId by mutableStateOf("")
    var role by mutableStateOf("劳动者")
    var phone by mutableStateOf("")
    var place by mutableStateOf("")
    val inspectorNames = mutableStateListOf(store.identity().user, "")
    val credentials = mutableStateListOf("", "")
    val exchanges = mutableStateListOf(Exchange())
    val signing = Signing(store, now)

    private val recordForm = RecordForm(store, scope) { FieldRecord.Interview(interview()) }
    val errors get() = recordForm.errors
    val busy get() = recordForm.busy
    val savedId get() = recordForm.savedId
    var seal by mutableStateOf<SealStatus?>(null)
        private set
    private val startedAt = now()
    private var endedAt: Instant? = null

    override fun typed(): Map<String, String> = buildMap {
        put("record", savedId ?: "")
        put("name", name)
        put("resident_id", residentId)
        put("role", role)
        put("phone", phone)
        put("place", place)
        inspectorNames.forEachIndexed { i, v -> put("inspector.$i", v) }
        credentials.forEachIndexed { i, v -> put("credential.$i", v) }
        exchanges.forEachIndexed { i, x ->
            put("q.$i", x.question)
            put("a.$i", x.answer)
        }
    }

    override fun restore(fields: Map<String, String>) {
        // Once signed by someone, the transcript was saved as a draft record: its signatures
        // come back from there.
        fields["record"]?.ifBlank { null }?.let { id ->
            recordForm.savedId = id
            scope.launch {
                try {
                    val saved = (store.get(id).record as FieldRecord.Interview).value
                    signing.attached.addAll(saved.attachments)
                    saved.signatures.interviewee?.let { signing.given[Signer.Interviewee] = it }
                    saved.signatures.inspectors.forEach { sig ->
                        val i = inspectorNames.indexOf(sig.name)
                        if (i >= 0) signing.given[Signer.InspectorAt(i)] = sig
                    }
                } catch (e: FieldException) {
                    errors[""] = Labels.failure(e)
                }
            }
        }
        name = fields["name"] ?: ""
        residentId = fields["resident_id"] ?: ""
        role = fields["role"] ?: role
        phone = fields["phone"] ?: ""
        place = fields["place"] ?: ""
        for (i in inspectorNames.indices) fields["inspector.$i"]?.let { inspectorNames[i] = it }
        for (i in credentials.indices) fields["credential.$i"]?.let { credentials[i] = it }
        val n = fields.keys.count { it.startsWith("q.") }
        if (n > 0) {
            exchanges.clear()
            for (i in 0 until n) exchanges.add(Exchange(fields["q.$i"] ?: "", fields["a.$i"] ?: ""))
        }
    }

    fun ask() {
        exchanges.add(Exchange())
    }

    fun save() = act { write() }

    fun confirmSignature() {
        val signer = signing.open ?: return
        val who = when (signer) {
            is Signer.InspectorAt -> inspectorNames[signer.index]
            else -> name
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

    fun sealRecord() = act {
        if (endedAt == null) endedAt = now()
        seal = store.seal(write())
        drafts.discard()
    }

    private fun act(step: suspend () -> Unit) = recordForm.act(step)

    private suspend fun write(): String = recordForm.write()

    private fun interview(): Interview {
        val typed = Typed(errors)
        val draft = newInterview(township)
        return draft.copy(
            caseId = caseId,
            interviewee = Interviewee(
                name = typed.text(name),
                residentId = typed.text(residentId),
                role = typed.text(role),
                phone = typed.text(phone),
            ),
            inspectors = inspectors(inspectorNames, credentials),
            startedAt = startedAt,
            endedAt = endedAt,
            place = typed.text(place),
            attachments = signing.attached.toList(),
            questions = exchanges
                .filter { it.question.isNotBlank() || it.answer.isNotBlank() }
                .map { QuestionAnswer(question = it.question.trim(), answer = it.answer.trim()) },
            signatures = InterviewSignatures(
                interviewee = signing.given[Signer.Interviewee],
                inspectors = signing.inspectors(),
            ),
        )
    }
}
