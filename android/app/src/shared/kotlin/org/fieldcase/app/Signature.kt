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
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateListOf
import androidx.compose.runtime.mutableStateMapOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.Path
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.input.pointer.pointerInput
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.unit.dp
import java.time.Instant
import org.fieldcase.FieldStore
import org.fieldcase.core.AttachmentRef
import org.fieldcase.core.PadPoint
import org.fieldcase.core.Signature
import org.fieldcase.signatureSvg

/** Who signs a record. */
sealed class Signer {
    data class InspectorAt(val index: Int) : Signer()
    data object Representative : Signer()
    data object Interviewee : Signer()

    /** The parties to a mediation agreement, its mediator and the organisation's seal. */
    data class WorkerAt(val index: Int) : Signer()
    data object Employer : Signer()
    data object Mediator : Signer()
    data object OrganisationSeal : Signer()

    val tag: String get() = when (this) {
        is InspectorAt -> "sign-inspector-$index"
        Representative -> "sign-representative"
        Interviewee -> "sign-interviewee"
        is WorkerAt -> "sign-worker-$index"
        Employer -> "sign-employer"
        Mediator -> "sign-mediator"
        OrganisationSeal -> "sign-organisation"
    }
}

/**
 * The signatures of one record: which pad is open, what is drawn on it, and the signatures
 * given (who, when, and the image's SHA-256 among the record's attachments).
 */
class Signing(private val store: FieldStore, private val now: () -> Instant) {
    val given = mutableStateMapOf<Signer, Signature>()

    /**
     * The images kept with the record, as its `attachments` list: every save writes them back,
     * so a signature's image stays bound to its record (and reaches the hub and other phones).
     */
    val attached = mutableStateListOf<AttachmentRef>()
    var open by mutableStateOf<Signer?>(null)
        private set
    val strokes = Strokes()
    private var padSize = 600 to 200

    fun openPad(signer: Signer) {
        strokes.clear()
        open = signer
    }

    fun closePad() {
        strokes.clear()
        open = null
    }

    fun padSize(width: Int, height: Int) {
        padSize = width to height
    }

    /** What is wrong before the drawing can be kept, or null. */
    fun problem(name: String): String? = when {
        strokes.isEmpty -> "请先在框内签名"
        name.isBlank() -> "请先填写签名人姓名"
        else -> null
    }

    /** Keeps the drawing with record `id` as `name`'s signature, now. */
    suspend fun keep(id: String, name: String) {
        val signer = open ?: return
        val ref = store.attach(id, strokes.svg(padSize.first, padSize.second), "signature.svg", "image/svg+xml", "signature")
        if (attached.none { it.sha256 == ref.sha256 }) attached.add(ref)
        given[signer] = Signature(name = name.trim(), signedAt = now(), imageSha256 = ref.sha256)
        closePad()
    }

    /** The inspectors' signatures in their order. */
    fun inspectors(): List<Signature> = given.entries
        .mapNotNull { (k, v) -> (k as? Signer.InspectorAt)?.let { it.index to v } }
        .sortedBy { it.first }
        .map { it.second }

    /** The worker parties' signatures in their order. */
    fun workers(): List<Signature> = given.entries
        .mapNotNull { (k, v) -> (k as? Signer.WorkerAt)?.let { it.index to v } }
        .sortedBy { it.first }
        .map { it.second }
}

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

    /** The signature as the SVG image of the pad's size the core writes (the same bytes on iOS). */
    fun svg(width: Int, height: Int): ByteArray =
        signatureSvg(all().map { line -> line.map { PadPoint(it.x.toDouble(), it.y.toDouble()) } }, width, height)
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

/** One signer's line: name, whether signed, and the pad when it is their turn. */
@Composable
fun SignRow(
    signing: Signing,
    signer: Signer,
    who: String,
    error: String?,
    padError: String?,
    enabled: Boolean,
    onConfirm: () -> Unit,
) {
    val signed = signing.given[signer]
    Column(Modifier.fillMaxWidth()) {
        Row(verticalAlignment = Alignment.CenterVertically) {
            Text(who, modifier = Modifier.weight(1f))
            if (signed != null) {
                Text("已签名", color = MaterialTheme.colorScheme.primary, modifier = Modifier.padding(end = 8.dp))
            }
            OutlinedButton(
                onClick = { signing.openPad(signer) },
                enabled = enabled,
                modifier = Modifier.heightIn(min = 48.dp).testTag(signer.tag),
            ) { Text(if (signed == null) "签名" else "重签") }
        }
        error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        if (signing.open == signer) {
            Text("请在框内签名", style = MaterialTheme.typography.bodySmall)
            SignaturePad(signing.strokes, onSize = signing::padSize)
            padError?.let { Text(it, color = MaterialTheme.colorScheme.error) }
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedButton(onClick = { signing.strokes.clear() }, modifier = Modifier.heightIn(min = 48.dp)) { Text("清除") }
                OutlinedButton(onClick = { signing.closePad() }, modifier = Modifier.heightIn(min = 48.dp)) { Text("取消") }
                Button(
                    onClick = onConfirm,
                    enabled = enabled,
                    modifier = Modifier.heightIn(min = 48.dp).testTag("pad-confirm"),
                ) { Text("确认签名") }
            }
        }
    }
}
