// The app's one activity: opens the encrypted store in the app's files (made on first start
// from the enrolment; until the join screen exists, with the device's township, user and role
// from the launching intent) and shows the ledger, with incident capture a tap away.
package org.fieldcase.app

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.BackHandler
import androidx.activity.compose.setContent
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.ExtendedFloatingActionButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import java.io.File
import org.fieldcase.FieldException
import org.fieldcase.FieldStore
import org.fieldcase.core.Role
import org.fieldcase.createStore
import org.fieldcase.openStore

class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val dir = File(filesDir, "store")
        val keys = KeystoreKeys(this)
        val township = intent.getStringExtra("township") ?: "华新镇"
        val user = intent.getStringExtra("user") ?: "张丽"
        val role = intent.getStringExtra("role")?.let { r -> Role.entries.firstOrNull { it.name.equals(r, true) } }
            ?: Role.INSPECTOR
        setContent {
            MaterialTheme {
                var store by remember { mutableStateOf<FieldStore?>(null) }
                var problem by remember { mutableStateOf<String?>(null) }
                var capturing by remember { mutableStateOf(false) }
                LaunchedEffect(Unit) {
                    try {
                        store = if (File(dir, "fieldcase.db").exists()) {
                            openStore(dir.path, keys)
                        } else {
                            createStore(dir.path, keys, township, user, role)
                        }
                    } catch (e: FieldException) {
                        problem = e.message
                    }
                }
                val opened = store
                when {
                    opened != null && capturing -> {
                        val scope = rememberCoroutineScope()
                        val incident = remember(opened) { IncidentModel(opened, opened.identity().township, scope) }
                        BackHandler { capturing = false }
                        IncidentScreen(incident)
                    }
                    opened != null -> {
                        val scope = rememberCoroutineScope()
                        val model = remember(opened) { LedgerModel(opened, opened.identity().user, scope) }
                        Box(Modifier.fillMaxSize()) {
                            LedgerScreen(model, opened.identity().township)
                            ExtendedFloatingActionButton(
                                onClick = { capturing = true },
                                modifier = Modifier.align(Alignment.BottomEnd).padding(16.dp),
                            ) { Text("记录事件") }
                        }
                    }
                    problem != null -> Text("无法打开本机数据：$problem")
                    else -> Text("正在打开…")
                }
            }
        }
    }
}
