// The ledger screen as a field worker uses it, on the desktop JVM against the real library and a
// real encrypted store; each state drawn to target/screens/*.png.
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.size
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.toAwtImage
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.test.captureToImage
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollToIndex
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.unit.dp
import java.io.File
import java.nio.file.Files
import java.time.LocalDate
import javax.imageio.ImageIO
import kotlinx.coroutines.runBlocking
import org.fieldcase.FieldRecord
import org.fieldcase.FieldStore
import org.fieldcase.KeyProvider
import org.fieldcase.app.LedgerModel
import org.fieldcase.app.LedgerScreen
import org.fieldcase.core.Kind
import org.fieldcase.core.Role
import org.fieldcase.createStore
import org.fieldcase.exampleCase
import org.jetbrains.skia.FontMgr
import org.jetbrains.skia.FontStyle
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test

class LedgerScreenTest {
    @get:Rule
    val rule = createComposeRule()

    private val dir = Files.createTempDirectory("fieldcase-screens")

    @After
    fun cleanUp() {
        dir.toFile().deleteRecursively()
    }

    @Test
    fun `a font that draws Chinese is installed`() {
        val face = FontMgr.default.matchFamilyStyleCharacter(null, FontStyle.NORMAL, arrayOf("zh-CN"), '华'.code)
        assertNotNull("no font covers 华: install fonts-wqy-zenhei (scripts/test does)", face)
    }

    /** An office store with [n] cases filed over half a year, two people responsible. */
    private fun township(n: Int): FieldStore = runBlocking {
        val store = createStore(dir.resolve("office").toFile(), TestKeys(), "华新镇", "周明", Role.OFFICE)
        val case = exampleCase()
        val workers = listOf("王建国", "李秀英", "张伟", "陈志强", "赵敏")
        for (i in 1..n) {
            val claim = case.wageClaims.first().copy(workerName = if (i == 37) "刘强" else workers[i % workers.size])
            store.createRecord(
                FieldRecord.Case(
                    case.copy(
                        subject = "第${i}号：宏达物流拖欠${10 + i % 20}名装卸工工资",
                        filedOn = LocalDate.of(2026, 6, 1).plusDays((i * 3L) % 170).toString(),
                        responsiblePerson = if (i % 3 == 0) "张丽" else "吴军",
                        wageClaims = listOf(claim),
                    ),
                ),
            )
        }
        store
    }

    @Test
    fun `the ledger pages, filters and finds a worker by a two-character name`() {
        val store = township(120)
        lateinit var model: LedgerModel
        rule.setContent {
            val scope = rememberCoroutineScope()
            model = remember { LedgerModel(store, "张丽", scope) }
            MaterialTheme {
                Box(Modifier.size(412.dp, 760.dp).testTag("screen")) { LedgerScreen(model, "华新镇") }
            }
        }
        rule.waitUntil(10_000) { model.rows.size == LedgerModel.PAGE.toInt() }
        // By deadline: overdue first.
        assertTrue(model.rows.first().overdue)
        assertTrue(model.rows.zipWithNext().all { (a, b) -> (a.deadline ?: java.time.Instant.MAX) <= (b.deadline ?: java.time.Instant.MAX) })
        rule.drawTo("ledger")

        // Scrolling near the end reads the next page after the last row.
        rule.onNodeWithTag("ledger").performScrollToIndex(45)
        rule.waitUntil(10_000) { model.rows.size == 100 }
        assertEquals(100, model.rows.map { it.id }.toSet().size)

        rule.onNodeWithTag("filter-OVERDUE").performClick()
        rule.waitUntil(10_000) { !model.loading && model.rows.isNotEmpty() && model.rows.all { it.overdue } }
        rule.onNodeWithTag("filter-MINE").performClick()
        rule.waitUntil(10_000) { !model.loading && model.rows.size == 40 }
        assertTrue(model.rows.all { it.responsible == "张丽" })

        rule.onNodeWithTag("search").performTextInput("刘强")
        rule.waitUntil(10_000) { model.rows.size == 1 }
        rule.onAllNodesWithText("第37号：宏达物流拖欠27名装卸工工资").fetchSemanticsNodes().let { assertEquals(1, it.size) }
        rule.drawTo("ledger-search")
        store.close()
    }

    @Test
    fun `the ledger finds a worker by a two-character name among 10,000 records`() {
        val store = township(10_000)
        lateinit var model: LedgerModel
        rule.setContent {
            val scope = rememberCoroutineScope()
            model = remember { LedgerModel(store, "张丽", scope) }
            MaterialTheme {
                Box(Modifier.size(412.dp, 760.dp).testTag("screen")) { LedgerScreen(model, "华新镇") }
            }
        }
        rule.waitUntil(10_000) { model.rows.size == LedgerModel.PAGE.toInt() }
        rule.onNodeWithTag("search").performTextInput("刘强")
        rule.waitUntil(10_000) { !model.loading && model.rows.size == 1 }
        assertEquals("第37号：宏达物流拖欠27名装卸工工资", model.rows.single().title)
        store.close()
    }
}
