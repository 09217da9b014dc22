// The README's Kotlin example, compiled and run here: the lines between the README markers are
// the README's code block, word for word (bindings/tests/readme_examples.rs checks it).
import java.io.File
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.fieldcase.FieldErrorKind
import org.fieldcase.FieldException
import org.fieldcase.FieldRecord
import org.fieldcase.KeyProvider
import org.fieldcase.OkHttpTransport
import org.fieldcase.core.Role
import org.fieldcase.exampleInterview
import org.fieldcase.joinNewStore
import org.fieldcase.syncSteps
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout

@Timeout(120)
class ReadmeExampleTest {
    @Test
    fun `the README's Kotlin example runs`(): Unit = runBlocking {
        val dir = Files.createTempDirectory("fieldcase-readme")
        Hub(dir.resolve("hub")).use { hub ->
            val folder: File = dir.resolve("phone").toFile()
            val keys: KeyProvider = TestKeys()
            val link = hub.enroll("张丽")
            var shown: String? = null
            var progress = ""
            // README: begin
            val transport = OkHttpTransport()
            val phone = joinNewStore(folder, keys, link, transport) // the office's QR code
            val interview = exampleInterview().copy(place = "华新镇劳动保障所")
            val id = phone.createRecord(FieldRecord.Interview(interview)).id
            phone.seal(id)
            try {
                phone.updateRecord(id, FieldRecord.Interview(interview.copy(place = "别处")))
            } catch (e: FieldException) {
                check(e.kind() == FieldErrorKind.SEALED)
                shown = e.message // 这条记录已签署封存，不能再修改；如需更正，请另作补充记录
            }
            phone.syncSteps(transport).collect { step -> progress = "${step.phase}: ${step.done} / ${step.total}" }
            for (conflict in phone.conflicts()) {
                val theirs = conflict.choices.first { it.setBy?.user != "张丽" }
                phone.resolve(conflict, theirs) // each choice: value, shown ("210,000.00 元"), setBy
            }
            val ledger = phone.list() // every row; LedgerQuery(kind = Kind.CASE, overdue = true) filters
            // README: end
            assertEquals("这条记录已签署封存，不能再修改；如需更正，请另作补充记录", shown)
            assertEquals(0L, phone.syncStatus().waiting, "after the sync ($progress)")
            assertEquals(listOf(id), ledger.map { it.id })
            phone.close()
        }
        dir.toFile().deleteRecursively()
    }
}
