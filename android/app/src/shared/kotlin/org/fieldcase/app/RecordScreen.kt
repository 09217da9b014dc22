// A record opened from the ledger (an incident, an inspection, an interview, a mediation, an
// employer): what it says, its seal and whether it verifies, its clock, open conflicts, and who
// changed it when. Cases open on their own page.
package org.fieldcase.app

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import org.fieldcase.FieldException
import org.fieldcase.FieldRecord
import org.fieldcase.FieldStore
import org.fieldcase.StoredRecord
import org.fieldcase.core.HistoryEntry
import org.fieldcase.historyActionName
import org.fieldcase.kindName
import org.fieldcase.record
import org.fieldcase.statusName
import org.fieldcase.yuan

private val stamp = DateTimeFormatter.ofPattern("MM-dd HH:mm").withZone(ZoneId.of("Asia/Shanghai"))

class RecordModel(private val store: FieldStore, val id: String) {
    var stored by mutableStateOf<StoredRecord?>(null)
        private set
    var history by mutableStateOf<List<HistoryEntry>>(emptyList())
        private set
    var problem by mutableStateOf<String?>(null)
        private set

    /** Follows the record: edits here and what arrives by sync. */
    suspend fun follow() {
        try {
            store.record(id).collect {
                stored = it
                history = store.history(id)
            }
        } catch (e: FieldException) {
            problem = Labels.failure(e)
        }
    }

    /** What the record says, as label and value lines. */
    fun lines(): List<Pair<String, String>> = when (val r = stored?.record) {
        is FieldRecord.Incident -> with(r.value) {
            listOfNotNull(
                "聚集人数" to (headcount?.let { "$it 人" } ?: "—"),
                "用人单位" to (employerName ?: "—"),
                "欠薪金额" to (amountClaimedFen?.let { yuan(it) + " 元" } ?: "—"),
                "地点" to (address ?: "—"),
                "诉求" to (demands ?: "—"),
            )
        }
        is FieldRecord.Inspection -> with(r.value) {
            listOf(
                "检查对象" to (siteName ?: "—"),
                "地点" to (address ?: "—"),
                "执法人员" to inspectors.joinToString("、") { it.name },
                "检查发现" to (findings ?: "—"),
                "责令改正" to (correctionOrder?.let { "${it.required}（限 ${it.deadline ?: "—"}）" } ?: "—"),
            )
        }
        is FieldRecord.Interview -> with(r.value) {
            listOf("被询问人" to (interviewee.name ?: "—"), "地点" to (place ?: "—")) +
                questions.flatMap { listOf("问" to it.question, "答" to it.answer) }
        }
        is FieldRecord.Mediation -> with(r.value) {
            listOf(
                "劳动者" to workers.joinToString("、") { it.name },
                "用人单位" to (employer.name ?: "—"),
                "协议金额" to (agreement?.agreedAmountFen?.let { yuan(it) + " 元" } ?: "—"),
                "支付日期" to (agreement?.paymentDate ?: "—"),
            )
        }
        is FieldRecord.Employer -> with(r.value) {
            listOf("名称" to (name ?: "—"), "统一社会信用代码" to (uscc ?: "—"))
        }
        else -> emptyList()
    }
}

@Composable
fun RecordScreen(model: RecordModel) {
    LaunchedEffect(model) { model.follow() }
    val s = model.stored
    Column(
        Modifier.fillMaxSize().background(MaterialTheme.colorScheme.background)
            .verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        model.problem?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        if (s == null) {
            Text("正在读取…")
            return@Column
        }
        Text(kindName(s.kind), style = MaterialTheme.typography.titleLarge, modifier = Modifier.testTag("record-kind"))
        Text(statusName(s.ledgerStatus), color = MaterialTheme.colorScheme.primary)
        s.clockText?.let { Text(it, color = if ((s.daysLeft ?: 0) < 0) Color(0xFFB3261E) else MaterialTheme.colorScheme.onSurface) }
        s.seal?.let { SealPanel(it) }
        if (s.conflicts.isNotEmpty()) {
            Text("有 ${s.conflicts.size} 处冲突待处理", color = Color(0xFFB3261E))
        }
        for ((label, value) in model.lines()) {
            Row(Modifier.fillMaxWidth()) {
                Text(label, color = MaterialTheme.colorScheme.onSurfaceVariant, modifier = Modifier.weight(0.3f))
                Text(value, modifier = Modifier.weight(0.7f))
            }
        }
        HorizontalDivider()
        Text("修改记录", style = MaterialTheme.typography.titleMedium)
        for (h in model.history.reversed()) {
            Text(
                "${stamp.format(h.at)}　${h.user}${if (h.verified) "" else "（未核实设备）"}　${historyActionName(h.action)}",
                style = MaterialTheme.typography.bodySmall,
            )
        }
    }
}
