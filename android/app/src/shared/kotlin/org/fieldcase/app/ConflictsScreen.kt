// The conflicts screen: each field with its values side by side, who set each and when; a tap
// keeps one. Rule conflicts are explained in the core's words.
package org.fieldcase.app

import androidx.compose.foundation.background
import androidx.compose.foundation.border
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import org.fieldcase.FieldConflict

private val at = DateTimeFormatter.ofPattern("MM-dd HH:mm").withZone(ZoneId.of("Asia/Shanghai"))

@Composable
fun ConflictsScreen(model: ConflictsModel) {
    LaunchedEffect(model) { model.load() }
    Column(Modifier.fillMaxSize().background(MaterialTheme.colorScheme.background).padding(16.dp)) {
        Text("修改冲突", style = MaterialTheme.typography.titleLarge)
        Text(
            if (model.items.isEmpty() && !model.loading) "没有待处理的冲突" else "两台设备在离线时改了同一项：请选择保留哪一个",
            style = MaterialTheme.typography.bodyMedium,
            modifier = Modifier.padding(vertical = 8.dp),
        )
        model.problem?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        LazyColumn(verticalArrangement = Arrangement.spacedBy(12.dp), modifier = Modifier.testTag("conflicts")) {
            items(model.items, key = { it.id + "/" + it.path + "/" + (it.rule ?: "") }) { c -> ConflictCard(model, c) }
        }
    }
}

@Composable
private fun ConflictCard(model: ConflictsModel, c: FieldConflict) {
    Column(
        Modifier.fillMaxWidth().border(1.dp, MaterialTheme.colorScheme.outlineVariant).padding(12.dp),
        verticalArrangement = Arrangement.spacedBy(8.dp),
    ) {
        Text(c.title ?: c.id, style = MaterialTheme.typography.titleSmall)
        Text("冲突项：${c.fieldName ?: c.path}", style = MaterialTheme.typography.bodyMedium)
        if (c.rule != null) {
            Text(c.inChinese ?: c.message ?: c.rule!!, color = MaterialTheme.colorScheme.error)
            Text("合并后的记录不符合这条规则，请打开记录修改", style = MaterialTheme.typography.bodySmall)
            return@Column
        }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            for ((i, choice) in c.choices.withIndex()) {
                val who = choice.setBy
                Column(
                    Modifier.weight(1f).background(MaterialTheme.colorScheme.surfaceVariant).padding(8.dp),
                    verticalArrangement = Arrangement.spacedBy(4.dp),
                ) {
                    Text(choice.shown, style = MaterialTheme.typography.titleMedium)
                    Text(who?.let { "${it.user}　${at.format(it.at)}" } ?: "来自未知设备", style = MaterialTheme.typography.bodySmall)
                    Button(
                        onClick = { model.choose(c, choice) },
                        enabled = !model.loading,
                        modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).testTag("keep-${c.path}-$i"),
                    ) { Text("保留这个") }
                }
            }
        }
    }
}
