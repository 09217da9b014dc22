// The app's one activity: opens the encrypted store in the app's files (made on first start
// from the enrolment; until the join screen exists, with the device's township and user from
// the launching intent) and shows the ledger.
package org.fieldcase.app

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
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
        setContent {
            MaterialTheme {
                var store by remember { mutableStateOf<FieldStore?>(null) }
                var problem by remember { mutableStateOf<String?>(null) }
                LaunchedEffect(Unit) {
                    try {
                        store = if (File(dir, "fieldcase.db").exists()) {
                            openStore(dir.path, keys)
                        } else {
                            createStore(dir.path, keys, township, user, Role.INSPECTOR)
                        }
                    } catch (e: FieldException) {
                        problem = e.message
                    }
                }
                val opened = store
                when {
                    opened != null -> {
                        val scope = rememberCoroutineScope()
                        val model = remember(opened) { LedgerModel(opened, opened.identity().user, scope) }
                        LedgerScreen(model, opened.identity().township)
                    }
                    problem != null -> Text("无法打开本机数据：$problem")
                    else -> Text("正在打开…")
                }
            }
        }
    }
}
