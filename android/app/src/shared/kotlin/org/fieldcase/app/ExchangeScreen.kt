// Exchange with a colleague, with no network: show my code (a QR code the other phone scans) and
// wait, or scan or type theirs and exchange; progress, then what came and went by kind and what
// was refused and why.
package org.fieldcase.app

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import org.fieldcase.qrCode

/** `onScan` opens the camera on a phone and hands back the code it read; null on the desktop. */
@Composable
fun ExchangeScreen(model: ExchangeModel, onScan: ((onCode: (String) -> Unit) -> Unit)? = null) {
    Column(
        Modifier.fillMaxSize().background(MaterialTheme.colorScheme.background).padding(16.dp)
            .verticalScroll(rememberScrollState()),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Text("与同事交换记录", style = MaterialTheme.typography.titleLarge)
        Text("没有网络时，两部手机当面交换：一方显示交换码，另一方扫描。只交换本街镇的记录，双方都要是中心端登记过的设备。")
        val shown = model.shown
        if (shown != null) {
            Text("请同事扫描这个交换码（只能用一次）：", style = MaterialTheme.typography.titleMedium)
            QrPicture(shown.text, Modifier.size(240.dp).align(Alignment.CenterHorizontally).testTag("my-code"))
            shown.networkName?.let { Text("热点：$it", modifier = Modifier.testTag("hotspot")) }
            Text("等待同事连接…", modifier = Modifier.testTag("waiting"))
        } else if (!model.running) {
            Button(
                onClick = { model.show() },
                modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp).testTag("show-code"),
            ) { Text("显示我的交换码") }
            if (onScan != null) {
                OutlinedButton(
                    onClick = { onScan { model.connect(it) } },
                    modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp),
                ) { Text("扫描同事的交换码") }
            }
            OutlinedTextField(
                value = model.typed,
                onValueChange = { model.typed = it },
                label = { Text("或输入同事屏幕上的交换码") },
                modifier = Modifier.fillMaxWidth().testTag("code"),
            )
            Button(
                onClick = { model.connect() },
                enabled = model.typed.isNotBlank(),
                modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp).testTag("exchange"),
            ) { Text("开始交换") }
        }
        if (model.running) {
            if (shown == null) Text("正在交换…")
            LinearProgressIndicator(Modifier.fillMaxWidth())
            OutlinedButton(
                onClick = { model.cancel() },
                modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).testTag("cancel"),
            ) { Text("取消") }
        }
        model.report?.let { r ->
            Text(r.said, modifier = Modifier.testTag("report"))
            if (r.refused.isNotEmpty()) {
                Text("未接收的记录：", color = MaterialTheme.colorScheme.error)
                r.refused.forEach { Text("· ${it.id.take(8)}…：${it.reason}", color = MaterialTheme.colorScheme.error) }
            }
        }
        model.failure?.let { Text("交换未完成：$it", color = MaterialTheme.colorScheme.error, modifier = Modifier.testTag("failure")) }
    }
}

/** A QR code as the core draws it (`qrCode`): dark modules on white, with its quiet zone. */
@Composable
fun QrPicture(text: String, modifier: Modifier = Modifier) {
    val code = remember(text) { qrCode(text) }
    Canvas(modifier.background(Color.White)) {
        val quiet = 4
        val cells = code.side + 2 * quiet
        val cell = size.minDimension / cells
        for (y in 0 until code.side) {
            for (x in 0 until code.side) {
                if (code.dark[y * code.side + x]) {
                    drawRect(Color.Black, Offset((x + quiet) * cell, (y + quiet) * cell), Size(cell, cell))
                }
            }
        }
    }
}
