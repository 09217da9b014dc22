// The app's one activity. On the first start it shows the join screen (the office's QR code is
// scanned with the camera) and makes the encrypted store from the enrolment, keyed by the
// Android Keystore; afterwards it opens that store. It hosts the shared screens (FieldApp), maps
// the back button onto their navigation, and schedules background sync.
package org.fieldcase.app

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.BackHandler
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.compose.setContent
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import com.journeyapps.barcodescanner.ScanContract
import com.journeyapps.barcodescanner.ScanOptions
import java.io.File
import org.fieldcase.FieldException
import org.fieldcase.FieldStore
import org.fieldcase.OkHttpTransport
import org.fieldcase.openStore

class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val dir = File(filesDir, "store")
        val keys = KeystoreKeys(this)
        val transport = OkHttpTransport()
        setContent {
            MaterialTheme {
                var store by remember { mutableStateOf<FieldStore?>(null) }
                var problem by remember { mutableStateOf<String?>(null) }
                var needsJoin by remember { mutableStateOf(!File(dir, "fieldcase.db").exists()) }
                val scope = rememberCoroutineScope()
                LaunchedEffect(needsJoin) {
                    if (!needsJoin && store == null) {
                        try {
                            store = openStore(dir, keys)
                            SyncWorker.schedule(this@MainActivity)
                        } catch (e: FieldException) {
                            problem = Labels.failure(e)
                        }
                    }
                }
                val opened = store
                when {
                    needsJoin -> {
                        val join = remember { JoinModel(dir, keys, transport, scope) }
                        val scan = rememberLauncherForActivityResult(ScanContract()) { result ->
                            result.contents?.let(join::enter)
                        }
                        JoinScreen(
                            join,
                            onScan = { scan.launch(ScanOptions().setDesiredBarcodeFormats(ScanOptions.QR_CODE).setPrompt("对准街镇办公室的二维码")) },
                            onJoined = {
                                store = it
                                needsJoin = false
                                SyncWorker.schedule(this@MainActivity)
                            },
                        )
                    }
                    opened != null -> {
                        val nav = remember { Navigation() }
                        BackHandler(enabled = nav.canGoBack) { nav.back() }
                        // The first sync after joining brings the township's records.
                        LaunchedEffect(opened) { if (opened.syncStatus().lastSyncedAt == null) nav.go(Place.FirstSync) }
                        FieldApp(opened, transport, nav, rememberPhoneTools())
                    }
                    problem != null -> Text("无法打开本机数据：$problem")
                    else -> Text("正在打开…")
                }
            }
        }
    }
}
