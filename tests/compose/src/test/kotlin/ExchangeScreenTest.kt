// Two phones on a site with no coverage, side by side: 张丽's phone shows its exchange code, 吴军
// types it (as the camera would read it), and the exchange runs over 127.0.0.1 as it would over
// 张丽's local-only hotspot; both screens then say what came and went, and the sealed transcript
// verifies on 吴军's phone. A mistyped code is told in words.
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.size
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.test.hasAnyAncestor
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextClearance
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.unit.dp
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.fieldcase.FieldRecord
import org.fieldcase.OkHttpTransport
import org.fieldcase.app.ExchangeModel
import org.fieldcase.app.ExchangeScreen
import org.fieldcase.core.Kind
import org.fieldcase.exampleInterview
import org.fieldcase.joinNewStore
import org.fieldcase.newIncident
import org.fieldcase.syncWith
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test

class ExchangeScreenTest {
    @get:Rule
    val rule = createComposeRule()

    private val dir = Files.createTempDirectory("fieldcase-exchange")

    @After
    fun cleanUp() {
        dir.toFile().deleteRecursively()
    }

    private fun on(phone: String, tag: String) = rule.onNode(hasTestTag(tag) and hasAnyAncestor(hasTestTag(phone)))

    @Test
    fun `one phone shows its code, the other types it, and both see what came and went`() {
        Hub(dir.resolve("hub")).use { hub ->
            val transport = OkHttpTransport()
            val zhang = runBlocking { joinNewStore(dir.resolve("zhang").toFile(), TestKeys(), hub.enroll("张丽"), transport) }
            val wu = runBlocking { joinNewStore(dir.resolve("wu").toFile(), TestKeys(), hub.enroll("吴军"), transport) }
            runBlocking {
                zhang.syncWith(transport)
                wu.syncWith(transport)
            }
            val transcript = runBlocking { zhang.createRecord(FieldRecord.Interview(exampleInterview())).id }
            runBlocking { zhang.seal(transcript) }
            runBlocking { zhang.createRecord(FieldRecord.Incident(newIncident("华新镇").copy(headcount = 27))) }
            runBlocking { wu.createRecord(FieldRecord.Incident(newIncident("华新镇").copy(headcount = 12))) }

            lateinit var shows: ExchangeModel
            lateinit var scans: ExchangeModel
            rule.setContent {
                val scope = rememberCoroutineScope()
                shows = remember { ExchangeModel(zhang, scope, listenAt = "127.0.0.1:0") }
                scans = remember { ExchangeModel(wu, scope, listenAt = "127.0.0.1:0") }
                MaterialTheme {
                    Row(Modifier.testTag("screen")) {
                        Box(Modifier.size(412.dp, 760.dp).testTag("zhang")) { ExchangeScreen(shows) }
                        Box(Modifier.size(412.dp, 760.dp).testTag("wu")) { ExchangeScreen(scans) }
                    }
                }
            }
            // A code that is not an exchange code is told apart before anything is sent.
            on("wu", "code").performTextInput("https://example.com/join")
            on("wu", "exchange").performClick()
            rule.waitUntil(10_000) { !scans.running && scans.failure != null }
            assertTrue(scans.failure!!, scans.failure!!.contains("交换码"))

            on("zhang", "show-code").performClick()
            rule.waitUntil(10_000) { shows.shown != null }
            on("zhang", "my-code").assertExists()
            rule.drawTo("exchange-code")
            // What a camera reads off 张丽's screen: the QR code drawn there, decoded by zbar.
            val picture = java.io.File(System.getProperty("screens.dir") ?: "target/screens", "exchange-code.png")
            val zbar = ProcessBuilder("zbarimg", "-q", "--raw", picture.path).redirectErrorStream(false).start()
            val scanned = zbar.inputStream.bufferedReader().readText().trim()
            zbar.waitFor()
            assertEquals(shows.shown!!.text, scanned)
            on("wu", "code").performTextClearance()
            on("wu", "code").performTextInput(scanned)
            on("wu", "exchange").performClick()
            rule.waitUntil(20_000) { shows.report != null && scans.report != null }
            val got = scans.report!!
            assertTrue(got.complete)
            assertEquals(mapOf(Kind.INCIDENT to 1L, Kind.INTERVIEW to 1L), got.received.associate { it.kind to it.count })
            assertEquals(mapOf(Kind.INCIDENT to 1L), shows.report!!.received.associate { it.kind to it.count })
            assertTrue(got.said, got.said.startsWith("与张丽交换完成：收到 "))
            on("wu", "report").assertExists()
            on("zhang", "report").assertExists()
            rule.drawTo("exchange-done")
            assertTrue(runBlocking { wu.get(transcript) }.seal!!.verified)
            zhang.close()
            wu.close()
        }
    }
}
