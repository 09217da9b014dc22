// The home screen: the township's ledger, filters a tap away, search from two characters,
// rows with the core's status and deadline, badges for overdue clocks, conflicts and seals.
package org.fieldcase.app

import androidx.compose.foundation.background
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.LazyListState
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.lazy.rememberLazyListState
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.derivedStateOf
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp
import org.fieldcase.core.LedgerRow
import org.fieldcase.kindName
import org.fieldcase.riskName
import org.fieldcase.statusName

@OptIn(ExperimentalLayoutApi::class)
@Composable
fun LedgerScreen(
    model: LedgerModel,
    township: String,
    list: LazyListState = rememberLazyListState(),
    onOpen: (LedgerRow) -> Unit = {},
) {
    LaunchedEffect(model) { model.refresh() }
    Column(Modifier.fillMaxSize().background(MaterialTheme.colorScheme.background)) {
        Text(
            "$township · 台账",
            style = MaterialTheme.typography.titleLarge,
            modifier = Modifier.padding(start = 16.dp, top = 16.dp, end = 16.dp),
        )
        OutlinedTextField(
            value = model.search,
            onValueChange = model::type,
            singleLine = true,
            placeholder = { Text("搜索：姓名、单位、身份证号或电话") },
            modifier = Modifier.fillMaxWidth().padding(horizontal = 16.dp, vertical = 8.dp).testTag("search"),
        )
        // The filters wrap onto a second line rather than run off the screen. A search looks
        // through every record, so no filter shows as chosen while one is typed.
        FlowRow(
            Modifier.padding(horizontal = 12.dp),
            horizontalArrangement = Arrangement.spacedBy(8.dp),
        ) {
            for (f in LedgerFilter.entries) {
                FilterChip(
                    selected = model.filter == f && model.search.isBlank(),
                    onClick = { model.choose(f) },
                    label = { Text(f.label) },
                    modifier = Modifier.heightIn(min = 48.dp).testTag("filter-${f.name}"),
                )
            }
        }
        model.problem?.let {
            Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(16.dp))
        }
        val nearEnd by remember {
            derivedStateOf {
                val last = list.layoutInfo.visibleItemsInfo.lastOrNull()?.index ?: 0
                last >= list.layoutInfo.totalItemsCount - 10
            }
        }
        LaunchedEffect(nearEnd, model.rows.size) { if (nearEnd) model.loadMore() }
        if (model.rows.isEmpty() && !model.loading) {
            Text(
                if (model.search.isBlank()) "没有记录" else "没有找到“${model.search.trim()}”",
                style = MaterialTheme.typography.bodyLarge,
                modifier = Modifier.padding(24.dp),
            )
        }
        LazyColumn(state = list, modifier = Modifier.fillMaxSize().testTag("ledger")) {
            items(model.rows, key = { it.id }) { row ->
                LedgerLine(row, onOpen)
                HorizontalDivider()
            }
        }
    }
}

@Composable
private fun LedgerLine(row: LedgerRow, onOpen: (LedgerRow) -> Unit) {
    Column(
        Modifier.fillMaxWidth().heightIn(min = 64.dp).clickable { onOpen(row) }
            .padding(horizontal = 16.dp, vertical = 10.dp),
    ) {
        Text(
            row.title,
            style = MaterialTheme.typography.titleMedium,
            maxLines = 2,
            overflow = TextOverflow.Ellipsis,
        )
        Row(
            Modifier.padding(top = 4.dp),
            verticalAlignment = Alignment.CenterVertically,
            horizontalArrangement = Arrangement.spacedBy(8.dp),
        ) {
            Text(
                listOfNotNull(kindName(row.kind), statusName(row.status), row.risk?.let(::riskName)).joinToString(" · "),
                style = MaterialTheme.typography.bodyMedium,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
            )
            row.dueOn?.let { Text("截止 $it", style = MaterialTheme.typography.bodyMedium) }
        }
        Row(Modifier.padding(top = 4.dp), horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            if (row.overdue) Badge("已逾期", Color(0xFFB3261E))
            if (row.conflicts > 0) Badge(if (row.ruleConflict) "规则冲突" else "冲突 ${row.conflicts}", Color(0xFF8A5300))
            if (row.sealed) Badge("已签章", Color(0xFF1B5E20))
            row.deadlineWarning?.let { Badge("日历未覆盖", Color(0xFF5F6368)) }
        }
    }
}

@Composable
private fun Badge(text: String, color: Color) {
    Surface(color = color, shape = RoundedCornerShape(4.dp)) {
        Text(
            text,
            color = Color.White,
            fontSize = 13.sp,
            fontWeight = FontWeight.Medium,
            modifier = Modifier.padding(horizontal = 6.dp, vertical = 2.dp),
        )
    }
}
