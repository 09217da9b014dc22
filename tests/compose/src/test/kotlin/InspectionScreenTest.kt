// An inspector fills the checklist on site, is told what sealing still needs, signs with a finger
// (both inspectors and the employer's representative), seals, and a later edit is refused on
// screen with the reason, the sealed content unchanged. Against the real library and store.
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.size
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.performTouchInput
import androidx.compose.ui.unit.dp
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.fieldcase.FieldRecord
import org.fieldcase.app.Check
import org.fieldcase.app.InspectionModel
import org.fieldcase.app.InspectionScreen
import org.fieldcase.app.PhoneTools
import org.fieldcase.app.Signer
import org.fieldcase.core.CheckResult
import org.fieldcase.core.Role
import org.fieldcase.createStore
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test

class InspectionScreenTest {
    @get:Rule
    val rule = createComposeRule()

    private val dir = Files.createTempDirectory("fieldcase-inspection")

    @After
    fun cleanUp() {
        dir.toFile().deleteRecursively()
    }

    private fun type(tag: String, text: String) {
        rule.onNodeWithTag(tag).performScrollTo().performTextInput(text)
    }

    private fun sign(model: InspectionModel, signer: Signer) {
        rule.onNodeWithTag(signer.tag).performScrollTo().performClick()
        rule.onNodeWithTag("pad").performScrollTo().performTouchInput {
            down(Offset(40f, 100f))
            moveTo(Offset(120f, 40f))
            moveTo(Offset(200f, 120f))
            moveTo(Offset(320f, 60f))
            up()
        }
        rule.onNodeWithTag("pad-confirm").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && model.signing.open == null }
    }

    @Test
    fun `an inspector fills the checklist, signs, seals, and a later edit is refused on screen`() {
        val store = runBlocking { createStore(dir.resolve("inspector").toFile(), TestKeys(), "华新镇", "王明", Role.INSPECTOR) }
        lateinit var model: InspectionModel
        val photo = byteArrayOf(0xFF.toByte(), 0xD8.toByte()) + ByteArray(1024) { 9 }
        val camera = object : PhoneTools {
            override fun takePhoto(onPhoto: (ByteArray) -> Unit) = onPhoto(photo)
            override fun locate(onPlace: (Double, Double, Double?) -> Unit) = Unit
        }
        rule.setContent {
            val scope = rememberCoroutineScope()
            model = remember { InspectionModel(store, "华新镇", scope) }
            MaterialTheme {
                Box(Modifier.size(412.dp, 760.dp).testTag("screen")) { InspectionScreen(model, camera) }
            }
        }
        rule.drawTo("inspection")
        type("site_name", "滨江花园二期工地")
        type("address", "华新镇华志路88号")
        type("inspectors.0.credential_number", "31011820001")
        type("inspectors.1.name", "陈静")
        type("inspectors.1.credential_number", "31011820002")
        type("headcount_on_site", "46")
        for (check in Check.entries) {
            val answer = if (check == Check.NOTICE_BOARD) CheckResult.NON_COMPLIANT else CheckResult.COMPLIANT
            rule.onNodeWithTag("${check.field}-${answer.name}").performScrollTo().performClick()
        }
        type("checklist.rights_notice_board.note", "工地大门未张贴维权信息告示牌")
        rule.onNodeWithTag("photo-rights_notice_board").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && model.photos[Check.NOTICE_BOARD]?.size == 1 }
        type("findings", "维权信息告示牌未设置，其余符合")
        type("correction_order.required", "设置维权信息告示牌")
        type("correction_order.deadline", "2026-12-10")
        type("signatures.employer_representative.name", "赵刚")

        // Sealing before anyone signed: the core says who has not, at their names; nothing sealed.
        rule.onNodeWithTag("seal-record").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && model.errors.isNotEmpty() }
        assertEquals("执法人员陈静尚未签名", model.errors["inspectors.1.signature"])
        assertTrue(model.errors.containsKey("signatures.employer_representative"))
        assertNull(model.seal)
        rule.onNodeWithTag("problem").performScrollTo()
        rule.drawTo("inspection-refused")

        sign(model, Signer.InspectorAt(0))
        sign(model, Signer.InspectorAt(1))
        rule.onNodeWithTag(Signer.Representative.tag).performScrollTo().performClick()
        rule.onNodeWithTag("pad").performScrollTo().performTouchInput {
            down(Offset(50f, 110f))
            for (i in 1..40) moveTo(Offset(50f + i * 7f, 90f - 35f * kotlin.math.sin(i / 3.0).toFloat()))
            up()
            down(Offset(120f, 40f))
            moveTo(Offset(150f, 130f))
            up()
        }
        assertEquals(2, model.signing.strokes.lines.size)
        rule.onNodeWithTag("pad-confirm").performScrollTo()
        rule.drawTo("inspection-signing")
        rule.onNodeWithTag("pad-confirm").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && model.signing.open == null }
        assertEquals(3, model.signing.given.size)

        rule.onNodeWithTag("seal-record").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && (model.seal != null || model.errors.isNotEmpty()) }
        assertEquals(emptyMap<String, String>(), model.errors.toMap())
        assertTrue(model.seal!!.verified)
        rule.onNodeWithTag("seal").performScrollTo()
        rule.onNodeWithText("签章核验通过：内容与签署时一致").assertExists()
        rule.drawTo("inspection-sealed")

        // The signatures are images kept with the record, named by their SHA-256.
        val saved = runBlocking { store.get(model.savedId!!) }
        val inspection = (saved.record as FieldRecord.Inspection).value
        val image = runBlocking { store.attachment(inspection.signatures.inspectors[1].imageSha256!!) }
        assertTrue(String(image).startsWith("<svg"))
        assertEquals(listOf("王明", "陈静"), inspection.signatures.inspectors.map { it.name })
        // Each signature's image stays in the record's attachments (what binds it to the record
        // at the hub), however many saves came after.
        val images = (inspection.signatures.inspectors.map { it.imageSha256!! } + inspection.signatures.employerRepresentative!!.imageSha256!!).toSet()
        val evidence = inspection.checklist.rightsNoticeBoard.photos.single()
        assertEquals(images + evidence, inspection.attachments.map { it.sha256 }.toSet())

        // A later edit: refused by the core, the reason on screen, the typed text kept.
        type("findings", "（补）")
        rule.onNodeWithTag("save").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && model.errors.isNotEmpty() }
        rule.onNodeWithTag("seal").performScrollTo()
        rule.onNodeWithText("这条记录已签署封存，不能再修改；如需更正，请另作补充记录", substring = true).assertExists()
        assertEquals("维权信息告示牌未设置，其余符合（补）", model.findings)
        val after = runBlocking { store.get(model.savedId!!) }
        assertEquals("维权信息告示牌未设置，其余符合", (after.record as FieldRecord.Inspection).value.findings)
        rule.drawTo("inspection-edit-refused")
        store.close()
    }
}
