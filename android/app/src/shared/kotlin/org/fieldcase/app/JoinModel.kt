// Joining the township hub: the office enrols the phone and gives a one-time join link as a QR
// code (scanned on the phone, or typed); joining makes this phone's encrypted store with the
// township, user and role the office enrolled, and the first sync follows.
package org.fieldcase.app

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import org.fieldcase.FieldException
import org.fieldcase.FieldStore
import org.fieldcase.HubTransport
import org.fieldcase.KeyProvider
import org.fieldcase.JoinLinkInfo
import org.fieldcase.joinNewStore
import org.fieldcase.parseJoinLink

class JoinModel(
    private val dir: java.io.File,
    private val keys: KeyProvider,
    private val transport: HubTransport,
    private val scope: CoroutineScope,
) {
    var link by mutableStateOf("")
        private set

    /** What the link says (the hub and the code), once it reads. */
    var info by mutableStateOf<JoinLinkInfo?>(null)
        private set
    var problem by mutableStateOf<String?>(null)
        private set
    var joining by mutableStateOf(false)
        private set
    var joined by mutableStateOf<FieldStore?>(null)
        private set

    /** Typed or scanned: read at once, so a wrong link is said before anything is sent. */
    fun enter(text: String) {
        link = text
        problem = null
        info = if (text.isBlank()) {
            null
        } else {
            try {
                parseJoinLink(text.trim())
            } catch (e: FieldException) {
                null
            }
        }
    }

    fun join(onJoined: (FieldStore) -> Unit = {}) {
        if (info == null) {
            problem = if (link.isBlank()) "请扫描或输入加入链接" else "链接不对：应以 fieldcase://join 开头，由街镇办公室提供"
            return
        }
        joining = true
        scope.launch {
            try {
                val store = joinNewStore(dir, keys, link.trim(), transport)
                joined = store
                onJoined(store)
            } catch (e: FieldException) {
                problem = when (e) {
                    is FieldException.Unauthorised -> "加入码无效或已用过，请向街镇办公室重新领取"
                    else -> Labels.failure(e)
                }
            } finally {
                joining = false
            }
        }
    }
}
