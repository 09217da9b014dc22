// The sync screen: the hub, the last sync, what waits to go, a session's progress with cancel,
// and its result or failure in plain words.
package org.fieldcase.app

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import org.fieldcase.core.SyncPhase

private val when_ = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.of("Asia/Shanghai"))

@Composable
fun SyncScreen(model: SyncModel, onExchange: (() -> Unit)? = null, onConflicts: () -> Unit = {}) {
    LaunchedEffect(model) {
        model.refresh()
        model.follow()
    }
    Column(
        Modifier.fillMaxSize().background(MaterialTheme.colorScheme.background).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Text("同步", style = MaterialTheme.typography.titleLarge)
        val s = model.status
        Text("中心端：${s?.hub ?: "尚未加入"}", style = MaterialTheme.typography.bodyMedium)
        Text(
            "上次同步：" + (s?.lastSyncedAt?.let { when_.format(it) } ?: "从未同步"),
            modifier = Modifier.testTag("last-sync"),
        )
        Text(
            if ((s?.waiting ?: 0L) == 0L) "本机修改都已上传" else "待上传：${s?.waiting} 条记录",
            modifier = Modifier.testTag("waiting"),
        )
        if ((s?.conflicts ?: 0L) > 0L) {
            OutlinedButton(
                onClick = onConflicts,
                modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).testTag("open-conflicts"),
            ) { Text("有 ${s?.conflicts} 处修改冲突，去处理") }
        }
        if (model.offline) {
            Text("当前离线：记录都保存在本机，有网络时再同步", color = MaterialTheme.colorScheme.error)
        }
        if (model.running) {
            val what = if (model.phase == SyncPhase.ATTACHMENTS) "附件" else "记录"
            Text(if (model.total > 0) "正在同步$what：${model.done} / ${model.total}" else "正在连接中心端…")
            if (model.total > 0) {
                LinearProgressIndicator(
                    progress = { model.done.toFloat() / model.total.toFloat() },
                    modifier = Modifier.fillMaxWidth(),
                )
            } else {
                LinearProgressIndicator(Modifier.fillMaxWidth())
            }
        }
        model.report?.let { Text("同步完成：" + model.summary(it), modifier = Modifier.testTag("report")) }
        model.failure?.let { Text("同步未完成：$it", color = MaterialTheme.colorScheme.error, modifier = Modifier.testTag("failure")) }
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            Button(
                onClick = { model.syncNow() },
                enabled = !model.running,
                modifier = Modifier.weight(1f).heightIn(min = 56.dp).testTag("sync-now"),
            ) { Text("立即同步") }
            OutlinedButton(
                onClick = { model.cancel() },
                enabled = model.running,
                modifier = Modifier.weight(1f).heightIn(min = 56.dp).testTag("cancel"),
            ) { Text("取消") }
        }
        if (onExchange != null) {
            OutlinedButton(
                onClick = onExchange,
                modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).testTag("to-exchange"),
            ) { Text("没有网络？与同事手机当面交换") }
        }
    }
}
