// A mediator settles a dispute on site: a worker's wrong ID is refused at its field with nothing
// saved; the agreement is signed by both workers, the employer, the mediator and the
// organisation's seal and takes effect; the review window runs, then the payment day, and once
// paid no clock runs.
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
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextClearance
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.performTouchInput
import androidx.compose.ui.unit.dp
import java.nio.file.Files
import java.time.LocalDate
import java.time.ZoneId
import kotlinx.coroutines.runBlocking
import org.fieldcase.FieldRecord
import org.fieldcase.app.MediationModel
import org.fieldcase.app.MediationScreen
import org.fieldcase.app.Signer
import org.fieldcase.core.MediationStatus
import org.fieldcase.core.Role
import org.fieldcase.createStore
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test

class MediationScreenTest {
    @get:Rule
    val rule = createComposeRule()

    private val dir = Files.createTempDirectory("fieldcase-mediation")

    @After
    fun cleanUp() {
        dir.toFile().deleteRecursively()
    }

    private fun type(tag: String, text: String) {
        rule.onNodeWithTag(tag).performScrollTo().performTextClearance()
        rule.onNodeWithTag(tag).performTextInput(text)
    }

    private fun sign(model: MediationModel, signer: Signer) {
        rule.onNodeWithTag(signer.tag).performScrollTo().performClick()
        rule.onNodeWithTag("pad").performScrollTo().performTouchInput {
            down(Offset(40f, 100f))
            moveTo(Offset(160f, 50f))
            moveTo(Offset(280f, 110f))
            up()
        }
        rule.onNodeWithTag("pad-confirm").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && model.signing.open == null }
        assertEquals(emptyMap<String, String>(), model.errors.toMap())
    }

    @Test
    fun `a mediator records the dispute, the agreement takes effect with every signature, and its clocks follow`() {
        val store = runBlocking { createStore(dir.resolve("m").toFile(), TestKeys(), "华新镇", "陈敏", Role.MEDIATOR) }
        lateinit var model: MediationModel
        rule.setContent {
            val scope = rememberCoroutineScope()
            model = remember { MediationModel(store, "华新镇", scope) }
            MaterialTheme {
                Box(Modifier.size(412.dp, 760.dp).testTag("screen")) { MediationScreen(model) }
            }
        }
        type("application.applicant", "刘强等2人")
        type("application.dispute", "拖欠2月至3月工资")
        type("workers.0.name", "刘强")
        type("workers.0.resident_id", "11010519491231002X")
        type("workers.0.amount_claimed_fen", "15500")
        rule.onNodeWithTag("add-worker").performScrollTo().performClick()
        type("workers.1.name", "陈刚")
        type("workers.1.resident_id", "110105194912310023")
        type("workers.1.amount_claimed_fen", "8600")
        type("employer.name", "上海青浦宏达物流有限公司")
        type("employer.representative", "赵刚")
        rule.onNodeWithTag("save").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && model.errors.isNotEmpty() }
        assertEquals("身份证号码校验位不对，请逐位核对", model.errors["workers.1.resident_id"])
        assertEquals(0L, runBlocking { store.count() })
        rule.onNodeWithTag("workers.1.name").performScrollTo()
        rule.drawTo("mediation-wrong-id")
        type("workers.1.resident_id", "11010519491231002X")

        type("organisation", "华新镇人民调解委员会")
        type("session_place", "华新镇调解室")
        type("session", "双方同意分期支付")
        rule.onNodeWithTag("add-session").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && model.savedId != null }
        assertEquals(emptyMap<String, String>(), model.errors.toMap())

        val payDay = LocalDate.now(ZoneId.of("Asia/Shanghai")).plusDays(20).toString()
        type("agreement.worker_claims", "支付拖欠工资24100元")
        type("agreement.agreed_amount_fen", "24100")
        type("agreement.payment_date", payDay)
        type("agreement.payment_method", "银行转账至本人账户")
        type("organisation_seal_by", "周红")
        sign(model, Signer.WorkerAt(0))
        sign(model, Signer.WorkerAt(1))
        sign(model, Signer.Employer)
        sign(model, Signer.Mediator)
        sign(model, Signer.OrganisationSeal)
        rule.onNodeWithTag("seal-record").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && (model.sealed || model.errors.isNotEmpty()) }
        assertEquals(emptyMap<String, String>(), model.errors.toMap())
        val agreed = (model.stored!!.record as FieldRecord.Mediation).value
        assertEquals(MediationStatus.AGREED, agreed.status)
        assertTrue(model.stored!!.seal!!.verified)
        assertEquals("申请仲裁审查期限（15日）", model.stored!!.clockName)
        rule.onNodeWithTag("status").performScrollTo()
        rule.drawTo("mediation-signed")

        // The parties decline the review: the payment day is what runs now; then it is paid.
        rule.onNodeWithTag("record-review").performScrollTo()
        model.reviewDeclined = true
        rule.onNodeWithTag("record-review").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && model.stored!!.clockName == "协议约定的支付日" }
        assertEquals(payDay, model.stored!!.dueOn)
        rule.onNodeWithTag("performance-PAID_ON_TIME").performScrollTo().performClick()
        type("performance.amount_paid_fen", "24100")
        rule.onNodeWithTag("record-performance").performScrollTo().performClick()
        rule.waitUntil(10_000) { !model.busy && model.stored!!.afterSeal.performance.isNotEmpty() }
        assertNull(model.stored!!.clockName)
        rule.onNodeWithTag("record-performance").performScrollTo()
        rule.drawTo("mediation-performed")
        store.close()
    }
}
