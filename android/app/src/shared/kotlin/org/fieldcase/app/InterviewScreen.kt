// The interview transcript form: the interviewee (ID number checked by the core at its field),
// the inspectors, question and answer as they are spoken, signatures, sealing.
package org.fieldcase.app

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp

@Composable
fun InterviewScreen(model: InterviewModel) {
    LaunchedEffect(model) { model.drafts.keep(model) }
    val e = model.errors
    val open = !model.busy && model.seal == null
    Column(
        Modifier.fillMaxSize().background(MaterialTheme.colorScheme.background)
            .verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        Text("询问笔录", style = MaterialTheme.typography.titleLarge)
        model.seal?.let { SealPanel(it) }
        e[""]?.let { Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.testTag("problem")) }
        Text("被询问人", style = MaterialTheme.typography.titleSmall)
        FormField(e, "interviewee.name", "姓名", model.name) { model.name = it }
        FormField(e, "interviewee.resident_id", "身份证号码", model.residentId, KeyboardType.Ascii) { model.residentId = it }
        FormField(e, "interviewee.role", "身份（劳动者、单位代表、班组长、证人）", model.role) { model.role = it }
        FormField(e, "interviewee.phone", "手机号码", model.phone, KeyboardType.Phone) { model.phone = it }
        FormField(e, "place", "询问地点", model.place) { model.place = it }
        InspectorFields(e, model.inspectorNames, model.credentials)
        Text("问答", style = MaterialTheme.typography.titleSmall)
        for ((i, x) in model.exchanges.withIndex()) {
            HorizontalDivider()
            FormField(e, "questions.$i.question", "问", x.question, singleLine = false) { x.question = it }
            FormField(e, "questions.$i.answer", "答", x.answer, singleLine = false) { x.answer = it }
        }
        OutlinedButton(
            onClick = { model.ask() },
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).testTag("ask"),
        ) { Text("再问一个问题") }
        Text("签名", style = MaterialTheme.typography.titleSmall)
        SignRow(
            model.signing, Signer.Interviewee, "被询问人：${model.name}",
            e["signatures.interviewee"] ?: e["interviewee.signature"], e["signature"], open, model::confirmSignature,
        )
        for (i in model.inspectorNames.indices) {
            SignRow(
                model.signing, Signer.InspectorAt(i), "执法人员${i + 1}：${model.inspectorNames[i]}",
                e["inspectors.$i.signature"], e["signature"], open, model::confirmSignature,
            )
        }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            OutlinedButton(
                onClick = { model.save() },
                enabled = !model.busy,
                modifier = Modifier.weight(1f).heightIn(min = 56.dp).testTag("save"),
            ) { Text("保存") }
            Button(
                onClick = { model.sealRecord() },
                enabled = open,
                modifier = Modifier.weight(1f).heightIn(min = 56.dp).testTag("seal-record"),
            ) { Text("签署封存") }
        }
    }
}
