// What every screen test shares: a store key for the tests, and drawing a screen to PNG.
import androidx.compose.ui.graphics.toAwtImage
import androidx.compose.ui.test.captureToImage
import androidx.compose.ui.test.junit4.ComposeContentTestRule
import androidx.compose.ui.test.onNodeWithTag
import java.io.File
import javax.imageio.ImageIO
import org.fieldcase.KeyProvider

class TestKeys : KeyProvider {
    override fun storeKey(): ByteArray = ByteArray(32) { 5 }
}

/** Draws the node tagged [tag] to target/screens/[name].png. */
fun ComposeContentTestRule.drawTo(name: String, tag: String = "screen") {
    val dir = File(System.getProperty("screens.dir") ?: "target/screens").apply { mkdirs() }
    ImageIO.write(onNodeWithTag(tag).captureToImage().toAwtImage(), "png", File(dir, "$name.png"))
}
