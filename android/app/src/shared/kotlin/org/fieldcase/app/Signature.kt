// A signature drawn on screen with a finger. It is kept as an SVG image attachment of the record
// (strokes as paths: small, exact and the same on Android, iOS and the office pages), and the
// record's signature names who signed, when, and the image's SHA-256.
package org.fieldcase.app

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.background
import androidx.compose.foundation.border
import androidx.compose.foundation.gestures.awaitEachGesture
import androidx.compose.foundation.gestures.awaitFirstDown
import androidx.compose.foundation.gestures.drag
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.Composable
import androidx.compose.runtime.mutableStateListOf
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.Path
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.input.pointer.pointerInput
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import java.util.Locale

/** The strokes of one signature, as drawn. */
class Strokes {
    val lines = mutableStateListOf<List<Offset>>()
    private val current = mutableStateListOf<Offset>()

    val isEmpty: Boolean get() = lines.none { it.size > 1 } && current.size < 2

    fun start(at: Offset) {
        finish()
        current.add(at)
    }

    fun extend(to: Offset) {
        current.add(to)
    }

    fun finish() {
        if (current.size > 1) lines.add(current.toList())
        current.clear()
    }

    fun clear() {
        lines.clear()
        current.clear()
    }

    internal fun all(): List<List<Offset>> = lines + if (current.size > 1) listOf(current.toList()) else emptyList()

    /** The signature as an SVG image of the pad's size in pixels. */
    fun svg(width: Int, height: Int): ByteArray {
        val paths = all().joinToString("") { line ->
            val d = line.mapIndexed { i, p -> (if (i == 0) "M" else "L") + n(p.x) + " " + n(p.y) }.joinToString(" ")
            "<path d=\"$d\"/>"
        }
        return ("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 $width $height\" " +
            "fill=\"none\" stroke=\"#000\" stroke-width=\"3\" stroke-linecap=\"round\" stroke-linejoin=\"round\">" +
            paths + "</svg>").toByteArray()
    }

    private fun n(v: Float) = String.format(Locale.ROOT, "%.1f", v)
}

/** A pad to sign on with a finger; what is drawn goes into `strokes`. */
@Composable
fun SignaturePad(strokes: Strokes, onSize: (Int, Int) -> Unit, modifier: Modifier = Modifier) {
    val ink = MaterialTheme.colorScheme.onSurface
    Canvas(
        modifier.fillMaxWidth().height(160.dp)
            .background(Color.White)
            .border(1.dp, MaterialTheme.colorScheme.outline)
            .testTag("pad")
            .pointerInput(strokes) {
                onSize(size.width, size.height)
                // From the first touch (not from where a drag would be recognised), every move
                // consumed so that the form does not scroll under the pen.
                awaitEachGesture {
                    val down = awaitFirstDown()
                    down.consume()
                    strokes.start(down.position)
                    drag(down.id) {
                        strokes.extend(it.position)
                        it.consume()
                    }
                    strokes.finish()
                }
            },
    ) {
        // The line to sign on.
        val base = size.height * 0.75f
        drawLine(Color.LightGray, Offset(16.dp.toPx(), base), Offset(size.width - 16.dp.toPx(), base), 1.dp.toPx())
        for (line in strokes.all()) {
            val path = Path()
            line.forEachIndexed { i, p -> if (i == 0) path.moveTo(p.x, p.y) else path.lineTo(p.x, p.y) }
            drawPath(path, ink, style = Stroke(width = 3.dp.toPx()))
        }
    }
}
