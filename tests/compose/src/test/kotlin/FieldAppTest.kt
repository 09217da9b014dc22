// The app as a grid assistant meets it: the ledger, the button to record an incident, saved and
// back on the ledger where it is listed, and opened from there.
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.size
import androidx.compose.material3.MaterialTheme
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.fieldcase.OkHttpTransport
import org.fieldcase.app.FieldApp
import org.fieldcase.app.Navigation
import org.fieldcase.app.Place
import org.fieldcase.core.Role
import org.fieldcase.createStore
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import androidx.compose.ui.unit.dp

class FieldAppTest {
    @get:Rule
    val rule = createComposeRule()

    private val dir = Files.createTempDirectory("fieldcase-app")

    @After
    fun cleanUp() {
        dir.toFile().deleteRecursively()
    }

    @Test
    fun `a grid assistant records an incident from the ledger, and it is listed and opens`() {
        val store = runBlocking { createStore(dir.resolve("grid").toFile(), TestKeys(), "华新镇", "李华", Role.GRID) }
        val nav = Navigation()
        rule.setContent {
            MaterialTheme {
                Box(Modifier.size(412.dp, 760.dp).testTag("screen")) { FieldApp(store, OkHttpTransport(), nav) }
            }
        }
        rule.onNodeWithTag("new-record").performClick()
        assertEquals(Place.NewIncident, nav.here)
        rule.onNodeWithTag("headcount").performTextInput("40")
        rule.onNodeWithTag("employer_name").performTextInput("恒达劳务")
        rule.onNodeWithTag("address").performTextInput("新凤路100号工地大门")
        rule.onNodeWithTag("save").performScrollTo().performClick()
        rule.waitUntil(10_000) { nav.here == Place.Ledger }
        rule.waitUntil(10_000) { rule.onAllNodesWithTextCount("恒达劳务", substring = true) > 0 }
        rule.drawTo("app-ledger")
        rule.onNodeWithText("恒达劳务", substring = true).performClick()
        assertTrue(nav.here is Place.Record)
        rule.waitUntil(10_000) { rule.onAllNodesWithTextCount("40 人") > 0 }
        rule.onNodeWithText("新凤路100号工地大门").assertExists()
        rule.drawTo("app-record")
        assertTrue(nav.back())
        assertEquals(Place.Ledger, nav.here)
        store.close()
    }
}

private fun androidx.compose.ui.test.junit4.ComposeContentTestRule.onAllNodesWithTextCount(text: String, substring: Boolean = false): Int =
    onAllNodes(androidx.compose.ui.test.hasText(text, substring = substring)).fetchSemanticsNodes().size
