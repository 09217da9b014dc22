// The responsible person works a case on its page: the clock's days left, a follow-up in a few
// taps, a worker's claim with a wrong ID refused at its field, closing refused until the
// resolution says what the core requires, then closed with the sign-off written by the core.
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.size
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.remember
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
import java.time.LocalDate
import java.time.ZoneId
import kotlinx.coroutines.runBlocking
import org.fieldcase.FieldRecord
import org.fieldcase.app.CaseModel
import org.fieldcase.app.CaseScreen
import org.fieldcase.core.CaseStatus
import org.fieldcase.core.Kind
import org.fieldcase.core.LedgerQuery
import org.fieldcase.core.LedgerStatus
import org.fieldcase.core.Role
import org.fieldcase.createStore
import org.fieldcase.exampleCase
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test

class CaseScreenTest {
    @get:Rule
    val rule = createComposeRule()

    private val dir = Files.createTempDirectory("fieldcase-case")

    @After
    fun cleanUp() {
        dir.toFile().deleteRecursively()
    }

    private fun type(tag: String, text: String) {
        rule.onNodeWithTag(tag).performScrollTo().performTextClearance()
        rule.onNodeWithTag(tag).performTextInput(text)
    }

    @Test
    fun `the responsible person follows up, adds a claim, and closes only with the resolution the core requires`() {
        val store = runBlocking { createStore(dir.resolve("zl").toFile(), TestKeys(), "华新镇", "张丽", Role.INSPECTOR) }
        val filed = LocalDate.now(ZoneId.of("Asia/Shanghai")).minusDays(10).toString()
        val example = exampleCase()
        val id = runBlocking {
            store.createRecord(FieldRecord.Case(example.copy(filedOn = filed, followUps = emptyList()))).id
        }
        lateinit var model: CaseModel
        rule.setContent {
            val scope = rememberCoroutineScope()
            model = remember { CaseModel(store, id, scope) }
            MaterialTheme {
                Box(Modifier.size(412.dp, 760.dp).testTag("screen")) { CaseScreen(model) }
            }
        }
        rule.waitUntil(10_000) { model.stored != null }
        val left = model.stored!!.daysLeft!!
        assertTrue("filed ten days ago, the 60 working days are not half gone: $left", left in 50L..60L)
        rule.onNodeWithText("检查办结时限（60个工作日）：截止 ${model.stored!!.dueOn}，还剩 $left 个工作日").assertExists()

        rule.onNodeWithTag("follow-INTERVIEW").performScrollTo().performClick()
        type("follow_up", "约谈法定代表人，承诺周五前支付")
        rule.onNodeWithTag("add-follow-up").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && model.case!!.followUps.size == 1 }
        assertEquals("张丽", model.case!!.followUps.single().by)

        type("wage_claims.1.worker_name", "陈刚")
        type("wage_claims.1.resident_id", "110105194912310023")
        type("wage_claims.1.amount_owed_fen", "8600")
        rule.onNodeWithTag("add-claim").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && model.errors.isNotEmpty() }
        assertEquals("身份证号码校验位不对，请逐位核对", model.errors["wage_claims.1.resident_id"])
        assertEquals(1, model.case!!.wageClaims.size)
        rule.onNodeWithTag("wage_claims.1.resident_id").performScrollTo()
        rule.drawTo("case-claim-refused")
        type("wage_claims.1.resident_id", "11010519491231002X")
        rule.onNodeWithTag("add-claim").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && model.case!!.wageClaims.size == 2 }
        assertEquals(860_000L, model.case!!.wageClaims[1].amountOwedFen)

        // Closing: the core asks for what resolved it, then for the amount paid.
        rule.onNodeWithTag("close").performScrollTo().performClick()
        rule.onNodeWithTag("confirm-close").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && model.errors.isNotEmpty() }
        assertTrue(model.errors.toString(), model.errors.containsKey("resolution.kind"))
        rule.onNodeWithTag("resolution-PAID_IN_FULL").performScrollTo().performClick()
        rule.onNodeWithTag("confirm-close").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && model.errors.containsKey("resolution.amount_paid_fen") }
        assertEquals("全额支付的，须填写实际支付金额", model.errors["resolution.amount_paid_fen"])
        assertEquals(CaseStatus.IN_PROGRESS, model.case!!.status)
        rule.onNodeWithTag("confirm-close").performScrollTo()
        rule.drawTo("case-closing-refused")

        type("resolution.amount_paid_fen", "186000")
        rule.onNodeWithTag("confirm-close").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && model.case!!.status == CaseStatus.CLOSED }
        rule.onNodeWithTag("signed-off").performScrollTo()
        rule.onNodeWithText("已销账：张丽", substring = true).assertExists()
        assertEquals(null, model.stored!!.clockName)
        val row = runBlocking { store.list(LedgerQuery(kind = Kind.CASE)) }.single()
        assertEquals(LedgerStatus.CLOSED, row.status)
        rule.onNodeWithTag("reopen").performScrollTo()
        rule.drawTo("case-closed")
        store.close()
    }

    @Test
    fun `the case page as it opens`() {
        val store = runBlocking { createStore(dir.resolve("zl").toFile(), TestKeys(), "华新镇", "张丽", Role.INSPECTOR) }
        val filed = LocalDate.now(ZoneId.of("Asia/Shanghai")).minusDays(120).toString()
        val example = exampleCase()
        val id = runBlocking { store.createRecord(FieldRecord.Case(example.copy(filedOn = filed))).id }
        lateinit var model: CaseModel
        rule.setContent {
            val scope = rememberCoroutineScope()
            model = remember { CaseModel(store, id, scope) }
            MaterialTheme {
                Box(Modifier.size(412.dp, 760.dp).testTag("screen")) { CaseScreen(model) }
            }
        }
        rule.waitUntil(10_000) { model.stored != null }
        val left = model.stored!!.daysLeft!!
        assertTrue("filed 120 days ago, the clock is out: $left", left < 0)
        rule.onNodeWithText("已逾期 ${-left} 天", substring = true).assertExists()
        rule.drawTo("case")
        store.close()
    }
}
