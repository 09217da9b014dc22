// The ledger screen over a township's 10,000 records, on this machine's JVM (not a test: run by
// scripts/bench-ledger, which prints the table). It measures what a field worker waits for:
// from opening the screen to its first frame with rows, each frame of scrolling a screenful
// further (pages of 50 read from the store as the end nears), and the memory it holds.
import androidx.compose.foundation.lazy.LazyListState
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.unit.Density
import java.io.File
import java.nio.file.Files
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import org.fieldcase.FieldRecord
import org.fieldcase.FieldStore
import org.fieldcase.app.LedgerModel
import org.fieldcase.app.LedgerScreen
import org.fieldcase.core.Kind
import org.fieldcase.core.Role
import org.fieldcase.createStore
import org.fieldcase.exampleCase
import org.fieldcase.openStore

private fun ms(nanos: Long) = "%.2f ms".format(nanos / 1e6)

private fun percentile(xs: List<Long>, p: Double): Long = xs.sorted()[((xs.size - 1) * p).toInt()]

/** A township's cases: 10,000 by default (RECORDS), made once in STORE_DIR if given. */
private fun township(n: Int): FieldStore = runBlocking {
    val dir = System.getenv("STORE_DIR")?.let { File(it) } ?: Files.createTempDirectory("fieldcase-bench").toFile()
    if (File(dir, "fieldcase.db").exists()) return@runBlocking openStore(dir, TestKeys())
    val store = createStore(dir, TestKeys(), "华新镇", "周明", Role.OFFICE)
    val case = exampleCase()
    val names = listOf("王建国", "李秀英", "张伟", "陈志强", "赵敏", "刘强", "杨光", "黄丽")
    val t = System.nanoTime()
    for (i in 1..n) {
        val claim = case.wageClaims.first().copy(workerName = names[i % names.size] + (i % 97))
        store.createRecord(
            FieldRecord.Case(
                case.copy(
                    subject = "第${i}号：宏达物流拖欠${10 + i % 20}名装卸工工资",
                    filedOn = java.time.LocalDate.of(2026, 1, 1).plusDays((i * 7L) % 330).toString(),
                    responsiblePerson = if (i % 3 == 0) "张丽" else "吴军",
                    wageClaims = listOf(claim),
                ),
            ),
        )
    }
    System.err.println("made $n records in ${ms(System.nanoTime() - t)}")
    store
}

/** Opens the ledger screen on `store`; returns the scene, its model, and the time to the first frame with rows. */
private fun open(store: FieldStore, list: LazyListState): Triple<ImageComposeScene, LedgerModel, Long> {
    var model: LedgerModel? = null
    val opened = System.nanoTime()
    // A phone's screen: 1080 x 2000 pixels at 2.625 pixels per dp (412 x 762 dp).
    val scene = ImageComposeScene(1080, 2000, Density(2.625f), Dispatchers.Unconfined) {
        val scope = rememberCoroutineScope()
        model = remember { LedgerModel(store, "张丽", scope) }
        MaterialTheme { LedgerScreen(model!!, "华新镇", list) }
    }
    while (true) {
        scene.render(System.nanoTime()).close()
        val m = model!!
        if (m.rows.isNotEmpty() && !m.loading) break
        Thread.sleep(1)
    }
    scene.render(System.nanoTime()).close()
    return Triple(scene, model!!, System.nanoTime() - opened)
}

/** Scrolls a screenful at a time, `steps` times; the frame times, and the time waiting for page reads. */
private fun scroll(scene: ImageComposeScene, model: LedgerModel, list: LazyListState, steps: Int): Pair<List<Long>, Long> {
    val frames = mutableListOf<Long>()
    var waits = 0L
    repeat(steps) {
        val visible = list.layoutInfo.visibleItemsInfo.size.coerceAtLeast(1)
        list.requestScrollToItem(list.firstVisibleItemIndex + visible)
        val t = System.nanoTime()
        scene.render(System.nanoTime()).close()
        frames += System.nanoTime() - t
        // A page read in flight finishes before the next step (its wait is counted apart).
        val w = System.nanoTime()
        while (model.loading) Thread.sleep(1)
        waits += System.nanoTime() - w
        scene.render(System.nanoTime()).close()
    }
    return frames to waits
}

/** A frame with nothing changed: what drawing the screen's pixels costs on this CPU. */
private fun idleFrames(scene: ImageComposeScene): List<Long> = (1..50).map {
    val t = System.nanoTime()
    scene.render(System.nanoTime()).close()
    System.nanoTime() - t
}

fun main() {
    val n = System.getenv("RECORDS")?.toInt() ?: 10_000
    val store = township(n)
    val count = runBlocking { store.count() }

    // The first opening in a fresh JVM also loads Compose and Skia and compiles nothing yet:
    // an app's cold start. Then the screen is scrolled once to warm the JIT (a phone runs
    // ahead-of-time compiled code), closed, and opened again: what a worker meets each time.
    val coldList = LazyListState()
    val (cold, coldModel, coldFirst) = open(store, coldList)
    scroll(cold, coldModel, coldList, 300)
    cold.close()
    val list = LazyListState()
    val (scene, model, firstFrame) = open(store, list)
    val idle = idleFrames(scene)
    val (frameTimes, waits) = scroll(scene, model, list, 300)
    val rowsShown = model.rows.size
    System.gc()
    val rt = Runtime.getRuntime()
    val heap = (rt.totalMemory() - rt.freeMemory()) / (1024 * 1024)
    val rss = File("/proc/self/status").readLines().first { it.startsWith("VmRSS") }.filter { it.isDigit() }.toLong() / 1024
    println("| ledger screen, $count records, 1080 x 2000 px (JVM ${System.getProperty("java.version")}, software raster) | measured | target |")
    println("|---|---|---|")
    println("| first frame with rows, warm (open the screen, read the first 50 rows, draw) | ${ms(firstFrame)} | < 500 ms |")
    println("| first frame with rows, cold JVM (Compose and Skia loading, nothing compiled) | ${ms(coldFirst)} | |")
    println("| scrolling one screenful: frame time median / p95 / max | ${ms(percentile(frameTimes, 0.5))} / ${ms(percentile(frameTimes, 0.95))} / ${ms(frameTimes.max())} | p95 < 16 ms |")
    println("| a frame with nothing changed (the pixels alone): median | ${ms(percentile(idle, 0.5))} | |")
    println("| rows read while scrolling 300 screenfuls (pages of 50 by cursor); waiting for reads in all | $rowsShown rows; ${ms(waits)} | |")
    println("| memory after: JVM heap in use / process RSS | $heap MiB / $rss MiB | |")
    scene.close()
    store.close()
}
