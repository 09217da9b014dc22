// The case page: the ledger line in full, the clock with days left, the follow-up timeline and
// adding to it in a few taps, wage-claim lines, linked records, hand-over, and the status changes
// (closing asks for the resolution).
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
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import org.fieldcase.core.CaseStatus
import org.fieldcase.core.FollowUpKind
import org.fieldcase.core.HandoverTo
import org.fieldcase.core.ResolutionKind
import org.fieldcase.core.StatusAction
import org.fieldcase.riskName
import org.fieldcase.statusName
import org.fieldcase.yuan

private val day = DateTimeFormatter.ofPattern("MM-dd HH:mm").withZone(ZoneId.of("Asia/Shanghai"))

@OptIn(ExperimentalLayoutApi::class)
@Composable
fun CaseScreen(model: CaseModel, onOpen: (String) -> Unit = {}) {
    LaunchedEffect(model) { model.follow() }
    val s = model.stored
    val c = model.case
    val e = model.errors
    Column(
        Modifier.fillMaxSize().background(MaterialTheme.colorScheme.background)
            .verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        if (s == null || c == null) {
            Text("正在读取…")
            return@Column
        }
        Text(c.subject ?: "欠薪案件", style = MaterialTheme.typography.titleLarge)
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Text(statusName(s.ledgerStatus), color = MaterialTheme.colorScheme.primary)
            Text(riskName(c.riskLevel), color = Color(0xFFB3261E))
            if (s.conflicts.isNotEmpty()) Text("有冲突 ${s.conflicts.size} 处", color = Color(0xFFB3261E))
        }
        s.clockText?.let {
            Text(
                it,
                color = if ((s.daysLeft ?: 0) < 0) Color(0xFFB3261E) else MaterialTheme.colorScheme.onSurface,
                modifier = Modifier.testTag("clock"),
            )
        }
        s.deadlineWarning?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
        Line("用人单位", c.employerName)
        Line("涉及人数", c.workersInvolved?.let { "$it 人" })
        Line("欠薪金额", c.amountOwedFen?.let { yuan(it) + " 元" })
        Line("包案领导", c.responsibleLeader)
        Line("责任人", c.responsiblePerson)
        Line("化解措施", c.resolutionPlan)
        e[""]?.let { Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.testTag("problem")) }
        e["status"]?.let { Text(it, color = MaterialTheme.colorScheme.error) }

        HorizontalDivider()
        Text("跟进记录", style = MaterialTheme.typography.titleMedium)
        for (f in c.followUps.sortedByDescending { it.at }) {
            Text("${f.at?.let { day.format(it) } ?: ""}　${f.kind.label()}　${f.by}：${f.outcome}", style = MaterialTheme.typography.bodyMedium)
        }
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            for (k in FollowUpKind.entries) {
                FilterChip(
                    selected = model.followUpKind == k,
                    onClick = { model.followUpKind = k },
                    label = { Text(k.label()) },
                    modifier = Modifier.heightIn(min = 48.dp).testTag("follow-${k.name}"),
                )
            }
        }
        FormField(e, "follow_up", "结果（谈了什么、对方怎么说）", model.followUpOutcome, singleLine = false) {
            model.followUpOutcome = it
        }
        OutlinedButton(
            onClick = { model.addFollowUp() },
            enabled = !model.busy,
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).testTag("add-follow-up"),
        ) { Text("添加跟进") }

        HorizontalDivider()
        Text("工资诉求（${c.wageClaims.size} 人）", style = MaterialTheme.typography.titleMedium)
        for (w in c.wageClaims) {
            Text("${w.workerName}　${w.amountOwedFen?.let { yuan(it) + " 元" } ?: ""}", style = MaterialTheme.typography.bodyMedium)
        }
        val n = c.wageClaims.size
        FormField(e, "wage_claims.$n.worker_name", "劳动者姓名", model.claimName) { model.claimName = it }
        FormField(e, "wage_claims.$n.resident_id", "身份证号码", model.claimResidentId, KeyboardType.Ascii) { model.claimResidentId = it }
        FormField(e, "wage_claims.$n.amount_owed_fen", "被欠金额（元）", model.claimYuan, KeyboardType.Decimal) { model.claimYuan = it }
        OutlinedButton(
            onClick = { model.addClaim() },
            enabled = !model.busy,
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).testTag("add-claim"),
        ) { Text("添加一人") }

        if (s.linkedFrom.isNotEmpty()) {
            HorizontalDivider()
            Text("关联记录", style = MaterialTheme.typography.titleMedium)
            for (link in s.linkedFrom) {
                val target = link.substringAfter(':')
                OutlinedButton(onClick = { onOpen(target) }, modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp)) {
                    Text(target)
                }
            }
        }

        HorizontalDivider()
        Text("移送", style = MaterialTheme.typography.titleMedium)
        for (h in c.handovers) Text("${h.on ?: ""}　${h.to.label()}　${h.receivingBody}")
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            for (t in HandoverTo.entries) {
                FilterChip(
                    selected = model.handoverTo == t,
                    onClick = { model.handoverTo = t },
                    label = { Text(t.label()) },
                    modifier = Modifier.heightIn(min = 48.dp),
                )
            }
        }
        e["handover"]?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        if (model.handoverTo != null) {
            FormField(e, "handovers.${c.handovers.size}.receiving_body", "接收单位", model.receivingBody) { model.receivingBody = it }
            OutlinedButton(onClick = { model.handOver() }, modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp)) { Text("记录移送") }
        }

        HorizontalDivider()
        if (c.status == CaseStatus.CLOSED) {
            c.signOff?.let { Text("已销账：${it.by}　${it.at?.let { t -> day.format(t) } ?: ""}", modifier = Modifier.testTag("signed-off")) }
        }
        // The status changes are the core's (what the case may become now, and who may): the
        // screen draws them and decides nothing.
        if (model.closing) {
            Closing(model)
        } else {
            for (choice in s.statusChoices) {
                val tag = when (choice.action) {
                    StatusAction.CLOSE -> "close"
                    StatusAction.REOPEN -> "reopen"
                    StatusAction.CHANGE -> "status-${choice.to.name.lowercase()}"
                }
                val label = if (choice.action == StatusAction.CLOSE) choice.label + "…" else choice.label
                val look = Modifier.fillMaxWidth().heightIn(min = 56.dp).testTag(tag)
                if (choice.action == StatusAction.REOPEN) {
                    OutlinedButton(onClick = { model.choose(choice) }, enabled = choice.allowed, modifier = look) { Text(label) }
                } else {
                    Button(onClick = { model.choose(choice) }, enabled = choice.allowed, modifier = look) { Text(label) }
                }
                choice.whyNot?.let { Text(it, style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.error) }
            }
        }
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun Closing(model: CaseModel) {
    val e = model.errors
    Text("办结销账：隐患不消除不销账", style = MaterialTheme.typography.titleMedium)
    Text("化解方式", style = MaterialTheme.typography.titleSmall)
    FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
        for (k in ResolutionKind.entries) {
            FilterChip(
                selected = model.resolutionKind == k,
                onClick = { model.resolutionKind = k },
                label = { Text(k.label()) },
                modifier = Modifier.heightIn(min = 48.dp).testTag("resolution-${k.name}"),
            )
        }
    }
    e["resolution.kind"]?.let { Text(it, color = MaterialTheme.colorScheme.error) }
    e["resolution"]?.let { Text(it, color = MaterialTheme.colorScheme.error) }
    FormField(e, "resolution.on", "化解日期", model.resolvedOn) { model.resolvedOn = it }
    FormField(e, "resolution.amount_paid_fen", "实际支付金额（元）", model.paidYuan, KeyboardType.Decimal) { model.paidYuan = it }
    FormField(e, "resolution.reference", "依据（协议、裁决书或判决书编号）", model.reference) { model.reference = it }
    e["sign_off"]?.let { Text(it, color = MaterialTheme.colorScheme.error) }
    Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
        OutlinedButton(onClick = { model.closing = false }, modifier = Modifier.weight(1f).heightIn(min = 56.dp)) { Text("取消") }
        Button(
            onClick = { model.close() },
            enabled = !model.busy,
            modifier = Modifier.weight(1f).heightIn(min = 56.dp).testTag("confirm-close"),
        ) { Text("确认办结") }
    }
}

@Composable
private fun Line(label: String, value: String?) {
    Row(Modifier.fillMaxWidth()) {
        Text(label, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant, modifier = Modifier.weight(0.3f))
        Text(value ?: "—", style = MaterialTheme.typography.bodyLarge, modifier = Modifier.weight(0.7f))
    }
}
