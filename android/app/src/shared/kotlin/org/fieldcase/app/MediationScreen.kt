// The mediation form: application, parties, sessions, the agreement's terms, the four
// signatures, signing; once signed, the arbitration review and whether it was paid.
package org.fieldcase.app

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import org.fieldcase.core.ApplicationForm
import org.fieldcase.core.Channel
import org.fieldcase.core.PerformanceResult
import org.fieldcase.statusName
import org.fieldcase.yuan

@OptIn(ExperimentalLayoutApi::class)
@Composable
fun MediationScreen(model: MediationModel) {
    val e = model.errors
    val open = !model.busy && !model.sealed
    Column(
        Modifier.fillMaxSize().background(MaterialTheme.colorScheme.background)
            .verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        Text("劳动争议调解", style = MaterialTheme.typography.titleLarge)
        model.stored?.let { s ->
            Text(statusName(s.ledgerStatus), color = MaterialTheme.colorScheme.primary, modifier = Modifier.testTag("status"))
            s.clockText?.let { Text(it, modifier = Modifier.testTag("clock")) }
            s.seal?.let { SealPanel(it) }
        }
        e[""]?.let { Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.testTag("problem")) }

        Text("申请", style = MaterialTheme.typography.titleMedium)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Choice(model.channel == Channel.OFFLINE, "线下") { model.channel = Channel.OFFLINE }
            Choice(model.channel == Channel.ONLINE, "线上") { model.channel = Channel.ONLINE }
            Choice(model.form == ApplicationForm.ORAL, "口头申请") { model.form = ApplicationForm.ORAL }
            Choice(model.form == ApplicationForm.WRITTEN, "书面申请") { model.form = ApplicationForm.WRITTEN }
        }
        FormField(e, "application.applicant", "申请人", model.applicant) { model.applicant = it }
        FormField(e, "application.dispute", "争议事项", model.dispute, singleLine = false) { model.dispute = it }
        FormField(e, "application.reasons", "理由", model.reasons, singleLine = false) { model.reasons = it }

        HorizontalDivider()
        Text("劳动者（${model.workers.size} 人）", style = MaterialTheme.typography.titleMedium)
        for ((i, w) in model.workers.withIndex()) {
            FormField(e, "workers.$i.name", "劳动者${i + 1}姓名", w.name) { w.name = it }
            FormField(e, "workers.$i.resident_id", "身份证号码", w.residentId, KeyboardType.Ascii) { w.residentId = it }
            FormField(e, "workers.$i.phone", "手机号码", w.phone, KeyboardType.Phone) { w.phone = it }
            FormField(e, "workers.$i.amount_claimed_fen", "主张金额（元）", w.claimYuan, KeyboardType.Decimal) { w.claimYuan = it }
        }
        OutlinedButton(
            onClick = { model.addWorker() },
            enabled = open,
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).testTag("add-worker"),
        ) { Text("再添加一名劳动者") }
        Text("用人单位", style = MaterialTheme.typography.titleMedium)
        FormField(e, "employer.name", "单位名称", model.employerName) { model.employerName = it }
        FormField(e, "employer.uscc", "统一社会信用代码", model.employerUscc, KeyboardType.Ascii) { model.employerUscc = it }
        FormField(e, "employer.representative", "到场代表", model.employerRepresentative) { model.employerRepresentative = it }

        HorizontalDivider()
        Text("调解", style = MaterialTheme.typography.titleMedium)
        FormField(e, "organisation", "调解组织", model.organisation) { model.organisation = it }
        FormField(e, "mediator", "调解员", model.mediator) { model.mediator = it }
        for ((i, session) in model.sessions.withIndex()) {
            Text("第${i + 1}次：${session.place ?: ""} ${session.notes}", style = MaterialTheme.typography.bodyMedium)
        }
        FormField(e, "session_place", "调解地点", model.sessionPlace) { model.sessionPlace = it }
        FormField(e, "session", "本次调解情况", model.sessionNotes, singleLine = false) { model.sessionNotes = it }
        OutlinedButton(
            onClick = { model.addSession() },
            enabled = open,
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).testTag("add-session"),
        ) { Text("记录一次调解") }

        HorizontalDivider()
        Text("调解协议", style = MaterialTheme.typography.titleMedium)
        FormField(e, "agreement.worker_claims", "劳动者请求", model.workerClaims, singleLine = false) { model.workerClaims = it }
        FormField(e, "agreement.employer_claims", "用人单位意见", model.employerClaims, singleLine = false) { model.employerClaims = it }
        FormField(e, "agreement.agreed_amount_fen", "协议金额（元）", model.agreedYuan, KeyboardType.Decimal) { model.agreedYuan = it }
        FormField(e, "agreement.payment_date", "支付日期（如 2026-12-10）", model.paymentDate) { model.paymentDate = it }
        FormField(e, "agreement.payment_method", "支付方式", model.paymentMethod) { model.paymentMethod = it }
        FormField(e, "agreement.claims_waived", "放弃的其他请求", model.claimsWaived) { model.claimsWaived = it }

        Text("签名（全部签名并盖章后协议生效）", style = MaterialTheme.typography.titleSmall)
        e["agreement.signatures"]?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        for ((i, w) in model.workers.withIndex()) {
            SignRow(model.signing, Signer.WorkerAt(i), "劳动者：${w.name}", e["agreement.signatures.workers.$i"], e["signature"], open, model::confirmSignature)
        }
        SignRow(
            model.signing, Signer.Employer, "用人单位：${model.employerRepresentative.ifBlank { model.employerName }}",
            e["agreement.signatures.employer"], e["signature"], open, model::confirmSignature,
        )
        SignRow(model.signing, Signer.Mediator, "调解员：${model.mediator}", e["agreement.signatures.mediator"], e["signature"], open, model::confirmSignature)
        FormField(e, "organisation_seal_by", "盖章经办人", model.organisationSealBy) { model.organisationSealBy = it }
        SignRow(
            model.signing, Signer.OrganisationSeal, "调解组织盖章：${model.organisationSealBy}",
            e["agreement.signatures.organisation_seal"], e["signature"], open, model::confirmSignature,
        )
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            OutlinedButton(
                onClick = { model.save() },
                enabled = !model.busy,
                modifier = Modifier.weight(1f).heightIn(min = 56.dp).testTag("save"),
            ) { Text("保存") }
            Button(
                onClick = { model.sealAgreement() },
                enabled = open,
                modifier = Modifier.weight(1f).heightIn(min = 56.dp).testTag("seal-record"),
            ) { Text("签署生效") }
        }

        if (model.sealed) {
            HorizontalDivider()
            Text("仲裁审查", style = MaterialTheme.typography.titleMedium)
            Row(verticalAlignment = Alignment.CenterVertically) {
                Checkbox(checked = model.reviewDeclined, onCheckedChange = { model.reviewDeclined = it })
                Text("双方不申请仲裁审查")
            }
            e["arbitration_review"]?.let { Text(it, color = MaterialTheme.colorScheme.error) }
            OutlinedButton(
                onClick = { model.recordReview() },
                enabled = !model.busy,
                modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).testTag("record-review"),
            ) { Text(if (model.reviewDeclined) "记录：不申请" else "记录：今日双方共同申请") }
            Text("履行情况", style = MaterialTheme.typography.titleMedium)
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                for (r in PerformanceResult.entries) {
                    FilterChip(
                        selected = model.performanceResult == r,
                        onClick = { model.performanceResult = r },
                        label = { Text(r.label()) },
                        modifier = Modifier.heightIn(min = 48.dp).testTag("performance-${r.name}"),
                    )
                }
            }
            FormField(e, "performance.amount_paid_fen", "实际支付金额（元）", model.performanceYuan, KeyboardType.Decimal) {
                model.performanceYuan = it
            }
            Button(
                onClick = { model.recordPerformance() },
                enabled = !model.busy,
                modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp).testTag("record-performance"),
            ) { Text("记录履行情况") }
            model.stored?.afterSeal?.performance?.forEach { p ->
                Text("${p.on ?: ""}　${p.result.label()}　${p.amountPaidFen?.let { yuan(it) + " 元" } ?: ""}")
            }
        }
    }
}

@Composable
private fun Choice(selected: Boolean, label: String, onClick: () -> Unit) {
    FilterChip(selected = selected, onClick = onClick, label = { Text(label) }, modifier = Modifier.heightIn(min = 48.dp))
}
