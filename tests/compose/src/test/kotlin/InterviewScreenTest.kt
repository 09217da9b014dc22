// An inspector takes down an interview: a wrong resident ID number is shown at its field in the
// core's words and nothing is saved; corrected, the transcript is signed by the interviewee and
// both inspectors, sealed, and listed in the ledger.
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
import androidx.compose.ui.test.performTextClearance
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.performTouchInput
import androidx.compose.ui.unit.dp
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.fieldcase.FieldRecord
import org.fieldcase.app.InterviewModel
import org.fieldcase.app.InterviewScreen
import org.fieldcase.app.Signer
import org.fieldcase.core.Kind
import org.fieldcase.core.LedgerQuery
import org.fieldcase.core.Role
import org.fieldcase.createStore
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test

class InterviewScreenTest {
    @get:Rule
    val rule = createComposeRule()

    private val dir = Files.createTempDirectory("fieldcase-interview")

    @After
    fun cleanUp() {
        dir.toFile().deleteRecursively()
    }

    private fun type(tag: String, text: String) {
        rule.onNodeWithTag(tag).performScrollTo().performTextInput(text)
    }

    private fun sign(model: InterviewModel, signer: Signer) {
        rule.onNodeWithTag(signer.tag).performScrollTo().performClick()
        rule.onNodeWithTag("pad").performScrollTo().performTouchInput {
            down(Offset(40f, 100f))
            moveTo(Offset(160f, 50f))
            moveTo(Offset(280f, 110f))
            up()
        }
        rule.onNodeWithTag("pad-confirm").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && model.signing.open == null }
    }

    @Test
    fun `a wrong resident ID is shown at its field and nothing is saved, then corrected, the transcript is signed and sealed`() {
        val store = runBlocking { createStore(dir.resolve("inspector").toFile(), TestKeys(), "华新镇", "张丽", Role.INSPECTOR) }
        lateinit var model: InterviewModel
        rule.setContent {
            val scope = rememberCoroutineScope()
            model = remember { InterviewModel(store, "华新镇", scope) }
            MaterialTheme {
                Box(Modifier.size(412.dp, 760.dp).testTag("screen")) { InterviewScreen(model) }
            }
        }
        type("interviewee.name", "刘强")
        type("interviewee.resident_id", "110105194912310023")
        type("interviewee.phone", "13712345678")
        type("place", "华新镇劳动保障所")
        type("inspectors.0.credential_number", "沪劳监0112")
        type("inspectors.1.name", "吴军")
        type("inspectors.1.credential_number", "沪劳监0135")
        type("questions.0.question", "你在哪家单位工作？")
        type("questions.0.answer", "宏达物流，做装卸")
        rule.onNodeWithTag("save").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && model.errors.isNotEmpty() }
        assertEquals("身份证号码校验位不对，请逐位核对", model.errors["interviewee.resident_id"])
        assertEquals(0L, runBlocking { store.count() })
        assertEquals("宏达物流，做装卸", model.exchanges[0].answer)
        // Refused, not lost: the typed transcript is kept as a draft should the app be killed now.
        rule.waitUntil(10_000) { runBlocking { store.draft("interview:new") }?.get("a.0") == "宏达物流，做装卸" }
        rule.onNodeWithTag("interviewee.resident_id").performScrollTo()
        rule.onNodeWithText("身份证号码校验位不对，请逐位核对").assertExists()
        rule.onNodeWithTag("problem").performScrollTo()
        rule.drawTo("interview-wrong-id")

        rule.onNodeWithTag("interviewee.resident_id").performScrollTo().performTextClearance()
        type("interviewee.resident_id", "11010519491231002x")
        rule.onNodeWithTag("ask").performScrollTo().performClick()
        type("questions.1.question", "被拖欠多少工资？")
        type("questions.1.answer", "2月和3月，一共15500元")
        sign(model, Signer.Interviewee)
        sign(model, Signer.InspectorAt(0))
        sign(model, Signer.InspectorAt(1))
        rule.onNodeWithTag("seal-record").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && (model.seal != null || model.errors.isNotEmpty()) }
        assertEquals(emptyMap<String, String>(), model.errors.toMap())
        assertTrue(model.seal!!.verified)
        rule.onNodeWithTag("seal").performScrollTo()
        rule.drawTo("interview-sealed")

        val saved = (runBlocking { store.get(model.savedId!!) }.record as FieldRecord.Interview).value
        assertEquals("11010519491231002X", saved.interviewee.residentId)
        assertEquals(2, saved.questions.size)
        val ledger = runBlocking { store.list(LedgerQuery(kind = Kind.INTERVIEW)) }
        assertEquals(model.savedId, ledger.single().id)
        rule.waitUntil(10_000) { runBlocking { store.draft("interview:new") } == null }
        store.close()
    }
}
