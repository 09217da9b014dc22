// A grid assistant records an incident on the quick-capture screen, against the real library:
// a wrong phone is shown at its field and nothing is saved or lost; corrected, it saves and is
// in the ledger.
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.size
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextClearance
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.unit.dp
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.fieldcase.FieldRecord
import org.fieldcase.FieldStore
import org.fieldcase.app.Step
import org.fieldcase.openStore
import org.fieldcase.app.IncidentModel
import org.fieldcase.app.IncidentScreen
import org.fieldcase.app.PhoneTools
import org.fieldcase.core.Kind
import org.fieldcase.core.LedgerQuery
import org.fieldcase.core.RiskSign
import org.fieldcase.core.Role
import org.fieldcase.createStore
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test

class IncidentScreenTest {
    @get:Rule
    val rule = createComposeRule()

    private val dir = Files.createTempDirectory("fieldcase-incident")

    @After
    fun cleanUp() {
        dir.toFile().deleteRecursively()
    }

    @Test
    fun `a grid assistant records an incident, a wrong phone stays at its field, and it reaches the ledger`() {
        val store = runBlocking { createStore(dir.resolve("grid").toFile(), TestKeys(), "华新镇", "李华", Role.GRID) }
        lateinit var model: IncidentModel
        rule.setContent {
            val scope = rememberCoroutineScope()
            model = remember { IncidentModel(store, "华新镇", scope) }
            MaterialTheme {
                Box(Modifier.size(412.dp, 760.dp).testTag("screen")) { IncidentScreen(model) }
            }
        }
        rule.drawTo("incident")
        rule.onNodeWithTag("headcount").performTextInput("35")
        rule.onNodeWithTag("employer_name").performTextInput("恒达劳务")
        rule.onNodeWithTag("amount_claimed_fen").performTextInput("960000")
        rule.onNodeWithTag("months_owed").performTextInput("3")
        rule.onNodeWithTag("representatives.0.name").performTextInput("刘强")
        rule.onNodeWithTag("representatives.0.phone").performTextInput("1234")
        rule.onNodeWithTag("risk-${RiskSign.BLOCKING_ROAD_OR_GATE.name}").performScrollTo().performClick()
        rule.onNodeWithTag("step-GRID_ARRIVED").performScrollTo().performClick()
        rule.onNodeWithTag("save").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.saving && model.errors.isNotEmpty() }
        assertEquals(setOf("representatives.0.phone"), model.errors.keys)
        rule.onNodeWithText("手机号码应为13至19开头的11位数字").assertExists()
        assertNull(model.savedId)
        assertEquals(0L, runBlocking { store.count() })
        // The message took a line under its field: bring the button back into view to draw.
        rule.onNodeWithTag("save").performScrollTo()
        rule.drawTo("incident-refused")

        // Nothing typed was lost: only the phone is corrected.
        rule.onNodeWithTag("representatives.0.phone").performTextClearance()
        rule.onNodeWithTag("representatives.0.phone").performTextInput("13712345678")
        rule.onNodeWithTag("save").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.saving && model.savedId != null }
        rule.drawTo("incident-saved")
        val saved = runBlocking { store.get(model.savedId!!) }
        val incident = (saved.record as FieldRecord.Incident).value
        assertEquals(35, incident.headcount)
        assertEquals(96_000_000L, incident.amountClaimedFen)
        assertEquals(listOf(RiskSign.BLOCKING_ROAD_OR_GATE), incident.riskSigns)
        assertEquals("13712345678", incident.representatives.single().phone)
        val ledger = runBlocking { store.list(LedgerQuery(kind = Kind.INCIDENT)) }
        assertEquals(model.savedId, ledger.single().id)
        store.close()
    }

    /** One draft format on both phones: the iOS suite reads the same file (DraftTests). */
    @Test
    fun `a draft in the shared format comes back whole, and is kept the same way`() {
        val text = java.io.File("../fixtures/incident-draft.json").readText()
        val fixture = Regex("\"(\\w+)\": \"([^\"]*)\"").findAll(text).associate { it.groupValues[1] to it.groupValues[2] }
        assertEquals(11, fixture.size)
        val store = runBlocking { createStore(dir.resolve("draft").toFile(), TestKeys(), "华新镇", "李华", Role.GRID) }
        lateinit var model: IncidentModel
        rule.setContent {
            val scope = rememberCoroutineScope()
            model = remember { IncidentModel(store, "华新镇", scope) }
        }
        rule.waitForIdle()
        model.restore(fixture)
        assertEquals("恒达劳务", model.employer)
        assertEquals(setOf(RiskSign.BLOCKING_ROAD_OR_GATE, RiskSign.MEDIA_PRESENT), model.riskSigns.filterValues { it }.keys)
        assertEquals(1764806400000L, model.steps[Step.GRID_ARRIVED]?.toEpochMilli())
        assertEquals(1764807000000L, model.steps[Step.INSPECTOR_NOTIFIED]?.toEpochMilli())
        assertEquals(fixture, model.typed())
        store.close()
    }

    @Test
    fun `what a grid assistant typed survives the app being killed, and goes once saved`() {
        val path = dir.resolve("grid").toFile()
        var store: FieldStore? = runBlocking { createStore(path, TestKeys(), "华新镇", "李华", Role.GRID) }
        var shown by mutableStateOf(true)
        lateinit var model: IncidentModel
        rule.setContent {
            val scope = rememberCoroutineScope()
            if (shown) {
                model = remember { IncidentModel(store!!, "华新镇", scope) }
                MaterialTheme { Box(Modifier.size(412.dp, 760.dp)) { IncidentScreen(model) } }
            }
        }
        rule.onNodeWithTag("headcount").performTextInput("35")
        rule.onNodeWithTag("employer_name").performTextInput("恒达劳务")
        rule.onNodeWithTag("risk-${RiskSign.MEDIA_PRESENT.name}").performScrollTo().performClick()
        rule.onNodeWithTag("step-GRID_ARRIVED").performScrollTo().performClick()
        rule.waitUntil(10_000) { runBlocking { store!!.draft("incident") }?.get("employer") == "恒达劳务" }

        // The app is killed: the screen and the store go; a new start opens both again.
        shown = false
        rule.waitForIdle()
        store!!.close()
        store = runBlocking { openStore(path, TestKeys()) }
        shown = true
        rule.waitUntil(10_000) { model.employer == "恒达劳务" }
        assertEquals("35", model.headcount)
        assertEquals(true, model.riskSigns[RiskSign.MEDIA_PRESENT])
        assertTrue(Step.GRID_ARRIVED in model.steps)
        assertEquals(0L, runBlocking { store!!.count() })

        rule.onNodeWithTag("save").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.saving && model.savedId != null }
        rule.waitUntil(10_000) { runBlocking { store!!.draft("incident") } == null }
        val incident = (runBlocking { store!!.get(model.savedId!!) }.record as FieldRecord.Incident).value
        assertEquals(35, incident.headcount)
        store!!.close()
    }

    @Test
    fun `a photo and the phone's position go with the incident`() {
        val store = runBlocking { createStore(dir.resolve("grid").toFile(), TestKeys(), "华新镇", "李华", Role.GRID) }
        val jpeg = byteArrayOf(0xFF.toByte(), 0xD8.toByte(), 0xFF.toByte(), 0xE0.toByte()) + ByteArray(2048) { it.toByte() }
        val tools = object : PhoneTools {
            override fun takePhoto(onPhoto: (ByteArray) -> Unit) = onPhoto(jpeg)
            override fun locate(onPlace: (Double, Double, Double?) -> Unit) = onPlace(31.2392, 121.2263, 20.0)
        }
        lateinit var model: IncidentModel
        rule.setContent {
            val scope = rememberCoroutineScope()
            model = remember { IncidentModel(store, "华新镇", scope) }
            MaterialTheme { Box(Modifier.size(412.dp, 760.dp).testTag("screen")) { IncidentScreen(model, tools) } }
        }
        rule.onNodeWithTag("headcount").performTextInput("12")
        rule.onNodeWithText("拍照").performScrollTo().performClick()
        rule.onNodeWithText("定位").performScrollTo().performClick()
        rule.onNodeWithText("位置：31.23920, 121.22630（±20米）").assertExists()
        rule.onNodeWithTag("save").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.saving && model.savedId != null && model.attached.size == 1 }
        // A later edit keeps the photo bound to its record.
        rule.onNodeWithTag("demands").performScrollTo().performTextInput("结清工资")
        rule.onNodeWithTag("save").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.saving }
        val incident = (runBlocking { store.get(model.savedId!!) }.record as FieldRecord.Incident).value
        assertEquals(31.2392, incident.location!!.lat, 1e-9)
        assertEquals("photo", incident.attachments.single().purpose)
        assertEquals(jpeg.toList(), runBlocking { store.attachment(incident.attachments.single().sha256) }.toList())
        store.close()
    }
}
