// The incident quick-capture form: large fields and chips for a person under stress, one-tap
// escalation times, the core's refusals at their fields.
package org.fieldcase.app

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import org.fieldcase.core.RiskSign
import org.fieldcase.riskSignName

private val clock = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneId.of("Asia/Shanghai"))

private fun RiskSign.label(): String = riskSignName(this)

@OptIn(ExperimentalLayoutApi::class)
@Composable
fun IncidentScreen(model: IncidentModel, tools: PhoneTools? = null, onSaved: (String) -> Unit = {}) {
    LaunchedEffect(model) { model.drafts.keep(model) }
    Column(
        Modifier.fillMaxSize().background(MaterialTheme.colorScheme.background)
            .verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        Text("现场事件速记", style = MaterialTheme.typography.titleLarge)
        Text(
            if (model.savedId == null) "填得越少越快，其余可以稍后补充" else "已保存，可继续补充",
            style = MaterialTheme.typography.bodyMedium,
            color = MaterialTheme.colorScheme.onSurfaceVariant,
        )
        FormField(model.errors, "headcount", "聚集人数", model.headcount, KeyboardType.Number) { model.headcount = it }
        FormField(model.errors, "employer_name", "用人单位", model.employer) { model.employer = it }
        FormField(model.errors, "amount_claimed_fen", "欠薪金额（元）", model.amountYuan, KeyboardType.Decimal) { model.amountYuan = it }
        FormField(model.errors, "months_owed", "欠薪月数", model.monthsOwed, KeyboardType.Number) { model.monthsOwed = it }
        FormField(model.errors, "address", "地点", model.address) { model.address = it }
        FormField(model.errors, "demands", "诉求", model.demands) { model.demands = it }
        FormField(model.errors, "representatives.0.name", "工人代表姓名", model.representative) { model.representative = it }
        FormField(model.errors, "representatives.0.phone", "工人代表电话", model.representativePhone, KeyboardType.Phone) {
            model.representativePhone = it
        }
        if (tools != null) {
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedButton(onClick = { tools.takePhoto(model::addPhoto) }, modifier = Modifier.heightIn(min = 48.dp)) { Text("拍照") }
                OutlinedButton(onClick = { tools.locate(model::locate) }, modifier = Modifier.heightIn(min = 48.dp)) { Text("定位") }
            }
        }
        model.location?.let {
            Text(
                "位置：%.5f, %.5f".format(it.lat, it.lon) + (it.accuracyM?.let { a -> "（±%.0f米）".format(a) } ?: ""),
                modifier = Modifier.testTag("location"),
            )
        }
        if (model.photoCount > 0) Text("照片 ${model.photoCount} 张", modifier = Modifier.testTag("photos"))
        Text("风险情形", style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            for (sign in RiskSign.entries) {
                FilterChip(
                    selected = model.riskSigns[sign] == true,
                    onClick = { model.toggle(sign) },
                    label = { Text(sign.label()) },
                    modifier = Modifier.heightIn(min = 48.dp).testTag("risk-${sign.name}"),
                )
            }
        }
        Text("处置进展（点一下记下时间）", style = MaterialTheme.typography.titleSmall)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            for (step in Step.entries) {
                val at = model.steps[step]
                OutlinedButton(
                    onClick = { model.mark(step) },
                    modifier = Modifier.heightIn(min = 48.dp).testTag("step-${step.name}"),
                ) {
                    Text(if (at == null) step.label else "${step.label} ${clock.format(at)}")
                }
            }
        }
        model.errors[""]?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        Button(
            onClick = { model.save(onSaved) },
            enabled = !model.saving,
            modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp).testTag("save"),
        ) {
            Text(if (model.savedId == null) "保存" else "保存修改")
        }
    }
}
