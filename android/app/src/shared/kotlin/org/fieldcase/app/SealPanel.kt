// What a sealed record shows: that it is signed and frozen, its fingerprint, who signed and
// when, and whether the seal verifies here (all from the core's seal status).
package org.fieldcase.app

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import org.fieldcase.core.SealStatus
import org.fieldcase.sealVerdict

private val stamp = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.of("Asia/Shanghai"))

@Composable
fun SealPanel(status: SealStatus) {
    val ok = status.verified
    Column(
        Modifier.fillMaxWidth()
            .background(if (ok) Color(0xFFE3F2E6) else Color(0xFFFDE7E7))
            .padding(12.dp)
            .testTag("seal"),
    ) {
        Text("已签署封存", style = MaterialTheme.typography.titleMedium)
        Text("签署人：${status.seal.user}　时间：${stamp.format(status.seal.sealedAt)}")
        Text("内容指纹：${status.seal.hash.take(16)}…", style = MaterialTheme.typography.bodySmall)
        Text(
            sealVerdict(status),
            color = if (ok) Color(0xFF1B5E20) else MaterialTheme.colorScheme.error,
        )
        Text("签署后不能修改；如需更正，请另作补充记录", style = MaterialTheme.typography.bodySmall)
    }
}
