// The site inspection form: who inspects, the eight checks with a note where something is wrong,
// findings and the correction order, signatures drawn on screen, and sealing. Once sealed, the
// seal is shown at the top and the core refuses any edit (its reason is shown, nothing typed is
// lost).
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
import org.fieldcase.core.CheckResult

@OptIn(ExperimentalLayoutApi::class)
@Composable
fun InspectionScreen(model: InspectionModel, tools: PhoneTools? = null) {
    val e = model.errors
    Column(
        Modifier.fillMaxSize().background(MaterialTheme.colorScheme.background)
            .verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        Text("现场检查笔录", style = MaterialTheme.typography.titleLarge)
        model.seal?.let { SealPanel(it) }
        e[""]?.let { Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.testTag("problem")) }
        FormField(e, "site_name", "检查对象（项目或单位）", model.siteName) { model.siteName = it }
        FormField(e, "address", "地点", model.address) { model.address = it }
        InspectorFields(e, model.inspectorNames, model.credentials)
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Column(Modifier.weight(1f)) {
                FormField(e, "headcount_on_site", "在场人数", model.headcountOnSite, KeyboardType.Number) { model.headcountOnSite = it }
            }
            Column(Modifier.weight(1f)) {
                FormField(e, "headcount_registered", "实名登记人数", model.headcountRegistered, KeyboardType.Number) {
                    model.headcountRegistered = it
                }
            }
        }
        Text("检查事项", style = MaterialTheme.typography.titleSmall)
        for ((n, check) in Check.entries.withIndex()) {
            HorizontalDivider()
            Text("${n + 1}. ${check.label}", style = MaterialTheme.typography.bodyLarge)
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                for (r in listOf(CheckResult.COMPLIANT, CheckResult.NON_COMPLIANT, CheckResult.NOT_APPLICABLE)) {
                    FilterChip(
                        selected = model.results[check] == r,
                        onClick = { model.answer(check, r) },
                        label = { Text(r.label()) },
                        modifier = Modifier.heightIn(min = 48.dp).testTag("${check.field}-${r.name}"),
                    )
                }
            }
            e["checklist.${check.field}.result"]?.let { Text(it, color = MaterialTheme.colorScheme.error) }
            if (model.results[check] == CheckResult.NON_COMPLIANT || e.containsKey("checklist.${check.field}.note")) {
                FormField(e, "checklist.${check.field}.note", "发现的问题", model.notes[check] ?: "") { model.notes[check] = it }
                if (tools != null) {
                    OutlinedButton(
                        onClick = { tools.takePhoto { model.addPhoto(check, it) } },
                        enabled = !model.busy && model.seal == null,
                        modifier = Modifier.heightIn(min = 48.dp).testTag("photo-${check.field}"),
                    ) { Text("拍照取证（${model.photos[check]?.size ?: 0} 张）") }
                }
            }
        }
        HorizontalDivider()
        FormField(e, "findings", "检查发现", model.findings, singleLine = false) { model.findings = it }
        e["correction_order"]?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        FormField(e, "correction_order.required", "责令改正事项", model.correctionRequired, singleLine = false) {
            model.correctionRequired = it
        }
        FormField(e, "correction_order.deadline", "改正期限（如 2026-12-10）", model.correctionDeadline) {
            model.correctionDeadline = it
        }
        Text("签名", style = MaterialTheme.typography.titleSmall)
        for (i in model.inspectorNames.indices) {
            SignRow(
                model.signing, Signer.InspectorAt(i), "执法人员${i + 1}：${model.inspectorNames[i]}",
                e["inspectors.$i.signature"], e["signature"], !model.busy && model.seal == null, model::confirmSignature,
            )
        }
        FormField(e, "signatures.employer_representative.name", "用人单位代表姓名", model.representative) {
            model.representative = it
        }
        SignRow(
            model.signing, Signer.Representative, "用人单位代表：${model.representative}",
            e["signatures.employer_representative"], e["signature"], !model.busy && model.seal == null, model::confirmSignature,
        )
        Row(verticalAlignment = Alignment.CenterVertically) {
            Checkbox(
                checked = model.representativeRefused,
                onCheckedChange = { model.representativeRefused = it },
                modifier = Modifier.testTag("refused"),
            )
            Text("代表拒绝签名")
        }
        if (model.representativeRefused) {
            FormField(e, "signatures.refusal_note", "拒签情况说明", model.refusalNote) { model.refusalNote = it }
        }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            OutlinedButton(
                onClick = { model.save() },
                enabled = !model.busy,
                modifier = Modifier.weight(1f).heightIn(min = 56.dp).testTag("save"),
            ) { Text("保存") }
            Button(
                onClick = { model.sealRecord() },
                enabled = !model.busy && model.seal == null,
                modifier = Modifier.weight(1f).heightIn(min = 56.dp).testTag("seal-record"),
            ) { Text("签署封存") }
        }
    }
}
