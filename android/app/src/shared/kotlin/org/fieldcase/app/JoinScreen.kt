// Joining: scan the office's QR code (on the phone) or type the link, see which hub it names,
// join.
package org.fieldcase.app

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp

/** `onScan` opens the camera on a phone; where there is none (the desktop tests) it is null. */
@Composable
fun JoinScreen(model: JoinModel, onScan: (() -> Unit)? = null, onJoined: (org.fieldcase.FieldStore) -> Unit = {}) {
    Column(
        Modifier.fillMaxSize().background(MaterialTheme.colorScheme.background).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Text("加入街镇中心端", style = MaterialTheme.typography.titleLarge)
        Text("请扫描街镇办公室提供的二维码；没有相机时，输入二维码下方的加入链接。")
        if (onScan != null) {
            Button(onClick = onScan, modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp)) { Text("扫描二维码") }
        }
        OutlinedTextField(
            value = model.link,
            onValueChange = model::enter,
            label = { Text("加入链接") },
            isError = model.problem != null,
            supportingText = model.problem?.let { { Text(it) } },
            modifier = Modifier.fillMaxWidth().testTag("link"),
        )
        model.info?.let {
            Text("中心端：${it.hub}", modifier = Modifier.testTag("hub"))
            Text("加入码：${it.code}")
            Text(if (it.pin != null) "证书指纹已随链接提供，连接会核对" else "此链接没有证书指纹，仅限本机测试")
        }
        Button(
            onClick = { model.join(onJoined) },
            enabled = !model.joining,
            modifier = Modifier.fillMaxWidth().heightIn(min = 56.dp).testTag("join"),
        ) { Text(if (model.joining) "正在加入…" else "加入并同步") }
    }
}
