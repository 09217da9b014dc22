// Two phones and a real township hub on 127.0.0.1: an inspector joins with the office's link on
// the join screen, both phones change the same amount while apart, the sync screen says a
// conflict came, and the conflicts screen shows both values with who set them; the choice
// reaches the other phone on its next sync.
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.size
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextClearance
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.unit.dp
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.fieldcase.FieldRecord
import org.fieldcase.FieldStore
import org.fieldcase.OkHttpTransport
import org.fieldcase.app.ConflictsModel
import org.fieldcase.app.ConflictsScreen
import org.fieldcase.app.JoinModel
import org.fieldcase.app.JoinScreen
import org.fieldcase.app.SyncModel
import org.fieldcase.app.SyncScreen
import org.fieldcase.core.Kind
import org.fieldcase.exampleCase
import org.fieldcase.joinNewStore
import org.fieldcase.syncWith
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test

class SyncConflictScreenTest {
    @get:Rule
    val rule = createComposeRule()

    private val dir = Files.createTempDirectory("fieldcase-sync")

    @After
    fun cleanUp() {
        dir.toFile().deleteRecursively()
    }

    private fun amount(store: FieldStore, id: String): Long? =
        (runBlocking { store.get(id) }.record as FieldRecord.Case).value.amountOwedFen

    private fun setAmount(store: FieldStore, id: String, fen: Long) = runBlocking {
        val case = (store.get(id).record as FieldRecord.Case).value
        store.updateRecord(id, FieldRecord.Case(case.copy(amountOwedFen = fen)))
    }

    @Test
    fun `an inspector joins, two phones change one amount apart, and the conflict screen settles it`() {
        Hub(dir.resolve("hub")).use { hub ->
            val transport = OkHttpTransport()
            var page by mutableStateOf("join")
            lateinit var join: JoinModel
            lateinit var sync: SyncModel
            lateinit var conflicts: ConflictsModel
            rule.setContent {
                val scope = rememberCoroutineScope()
                join = remember { JoinModel(dir.resolve("a").toFile(), TestKeys(), transport, scope) }
                MaterialTheme {
                    Box(Modifier.size(412.dp, 760.dp).testTag("screen")) {
                        when (page) {
                            "join" -> JoinScreen(join)
                            "sync" -> {
                                sync = remember { SyncModel(join.joined!!, transport, scope) }
                                SyncScreen(sync, onConflicts = { page = "conflicts" })
                            }
                            else -> {
                                conflicts = remember { ConflictsModel(join.joined!!, scope) }
                                ConflictsScreen(conflicts)
                            }
                        }
                    }
                }
            }

            // A link that is not the office's is told apart before anything is sent.
            rule.onNodeWithTag("link").performTextInput("https://127.0.0.1/join")
            rule.onNodeWithTag("join").performClick()
            rule.onNodeWithText("链接不对：应以 fieldcase://join 开头，由街镇办公室提供").assertExists()
            rule.drawTo("join-wrong-link")
            rule.onNodeWithTag("link").performTextClearance()
            rule.onNodeWithTag("link").performTextInput(hub.enroll("张丽"))
            rule.onNodeWithTag("hub").assertExists()
            rule.drawTo("join")
            rule.onNodeWithTag("join").performClick()
            rule.waitUntil(20_000) { join.joined != null || join.problem != null }
            val a = assertNotNull(join.joined).let { join.joined!! }
            assertEquals("张丽", a.identity().user)

            // The other phone, and a case both hold.
            val b = runBlocking { joinNewStore(dir.resolve("b").toFile(), TestKeys(), hub.enroll("吴军"), transport) }
            val case = exampleCase()
            val id = runBlocking { a.createRecord(FieldRecord.Case(case.copy(township = "华新镇"))).id }
            page = "sync"
            rule.waitForIdle()
            rule.onNodeWithTag("sync-now").performClick()
            rule.waitUntil(20_000) { !sync.running && (sync.report != null || sync.failure != null) }
            assertEquals(null, sync.failure)
            assertEquals(1L, sync.report!!.recordsSent)
            runBlocking { b.syncWith(transport) }

            // Both change the amount while apart; B's reaches the hub first.
            setAmount(a, id, 20_000_000)
            setAmount(b, id, 21_000_000)
            runBlocking { b.syncWith(transport) }
            rule.waitUntil(10_000) { sync.status?.waiting == 1L }
            rule.onNodeWithText("待上传：1 条记录").assertExists()
            rule.onNodeWithTag("sync-now").performClick()
            rule.waitUntil(20_000) { !sync.running && sync.status?.conflicts == 1L }
            rule.onNodeWithTag("open-conflicts").assertExists()
            rule.onNodeWithTag("report").assertExists()
            rule.drawTo("sync")

            rule.onNodeWithTag("open-conflicts").performClick()
            rule.waitForIdle()
            rule.waitUntil(10_000) { conflicts.items.size == 1 }
            val c = conflicts.items.single()
            assertEquals("amount_owed_fen", c.path)
            assertEquals("欠薪金额", c.fieldName)
            val byUser = c.choices.associate { it.setBy!!.user to it.shown }
            assertEquals(mapOf("张丽" to "200,000.00 元", "吴军" to "210,000.00 元"), byUser)
            rule.onNodeWithText("210,000.00 元").assertExists()
            rule.drawTo("conflicts")
            val wu = c.choices.indexOfFirst { it.setBy!!.user == "吴军" }
            rule.onNodeWithTag("keep-amount_owed_fen-$wu").performClick()
            rule.waitUntil(10_000) { !conflicts.loading && conflicts.items.isEmpty() }
            rule.onNodeWithText("没有待处理的冲突").assertExists()

            // The choice is an edit like any other: it reaches the other phone.
            runBlocking { a.syncWith(transport) }
            runBlocking { b.syncWith(transport) }
            assertEquals(21_000_000L, amount(b, id))
            assertEquals(21_000_000L, amount(a, id))
            assertTrue(runBlocking { b.conflicts() }.isEmpty())
            a.close()
            b.close()
        }
    }
}
