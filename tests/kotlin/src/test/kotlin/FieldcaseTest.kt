// The phone API as the Android app uses it, on the JVM against the host-built library.
import java.nio.file.Files
import java.nio.file.Path
import java.time.Instant
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import uniffi.fieldcase_core.Escalation
import uniffi.fieldcase_core.Incident
import uniffi.fieldcase_core.IncidentStatus
import uniffi.fieldcase_core.Kind
import uniffi.fieldcase_core.LedgerQuery
import uniffi.fieldcase_core.Location
import uniffi.fieldcase_core.LocationSource
import uniffi.fieldcase_core.RiskSign
import uniffi.fieldcase_core.Role
import uniffi.fieldcase_ffi.FieldException
import uniffi.fieldcase_ffi.FieldRecord
import uniffi.fieldcase_ffi.FieldStore
import uniffi.fieldcase_ffi.KeyProvider
import uniffi.fieldcase_ffi.RecordListener
import uniffi.fieldcase_ffi.exampleRecord

/** Stands in for the Android Keystore. */
class TestKeys : KeyProvider {
    override fun storeKey(): ByteArray = ByteArray(32) { 7 }
}

class Counter : RecordListener {
    @Volatile var calls = 0
    override fun recordsChanged(ids: List<String>) {
        calls += 1
    }
}

class FieldcaseTest {
    private val dir: Path = Files.createTempDirectory("fieldcase-kotlin")

    @AfterEach
    fun cleanUp() {
        dir.toFile().deleteRecursively()
    }

    private fun store(name: String, role: Role = Role.INSPECTOR): FieldStore =
        FieldStore.create(dir.resolve(name).toString(), TestKeys(), "华新镇", name, role)

    @Test
    fun `a grid assistant records an incident offline`() {
        val phone = store("李华", Role.GRID)
        val counter = Counter()
        val handle = phone.addListener(counter)
        val reportedAt = Instant.parse("2026-06-18T01:20:00Z")
        val incident = Incident(
            schemaVersion = 0u, township = "华新镇", status = IncidentStatus.REPORTED, reportedAt = reportedAt,
            address = "新凤路100号工地大门", location = Location(31.2392, 121.2263, 20.0, LocationSource.GPS),
            headcount = 35u, employerName = "恒达劳务", employerId = null, projectId = null,
            amountClaimedFen = 96_000_000L, monthsOwed = 3u, representatives = listOf(), demands = null,
            riskSigns = listOf(RiskSign.BLOCKING_ROAD_OR_GATE),
            escalation = Escalation(Instant.parse("2026-06-18T01:35:00Z"), null, null, null, null),
            fundAdvanceRequested = false, attachments = listOf(), links = listOf(),
        )
        val saved = phone.createRecord(FieldRecord.Incident(incident))
        assertEquals(1, counter.calls)
        val stored = (phone.get(saved.id).record as FieldRecord.Incident).value
        assertEquals(35u, stored.headcount)
        assertEquals(reportedAt, stored.reportedAt)
        phone.updateRecord(saved.id, FieldRecord.Incident(incident.copy(headcount = 40u)))
        assertEquals(saved.id, phone.search("恒达劳务", 10u).first().id)
        val rows = phone.list(LedgerQuery(Kind.INCIDENT, "华新镇", null, null, null, false, null, null))
        assertEquals(1, rows.size)
        handle.stop()
        handle.close()
        phone.close()
    }

    @Test
    fun `an inspector seals a site inspection and a sealed edit is refused`() {
        val phone = store("张丽")
        val inspection = (exampleRecord(Kind.INSPECTION) as FieldRecord.Inspection).value
        val id = phone.createRecord(FieldRecord.Inspection(inspection)).id
        val seal = phone.seal(id)
        assertTrue(seal.intact)
        assertEquals(64, seal.seal.hash.length)
        val e = assertThrows<FieldException.Sealed> {
            phone.updateRecord(id, FieldRecord.Inspection(inspection.copy(findings = "改过的结论")))
        }
        assertEquals(id, e.id)
    }

    @Test
    fun `two stores edit the same case and list the same conflict`() {
        val a = store("张丽")
        val b = store("吴军")
        val ledgerLine = (exampleRecord(Kind.CASE) as FieldRecord.Case).value
        val id = a.createRecord(FieldRecord.Case(ledgerLine)).id
        b.importBundle(a.exportBundle(null))
        a.updateRecord(id, FieldRecord.Case(ledgerLine.copy(amountOwedFen = 20_000_000L)))
        b.updateRecord(id, FieldRecord.Case(ledgerLine.copy(amountOwedFen = 21_000_000L)))
        b.importBundle(a.exportBundle(null))
        a.importBundle(b.exportBundle(null))
        val conflicts = a.conflicts()
        assertEquals(conflicts, b.conflicts())
        assertEquals(1, conflicts.size)
        assertEquals("amount_owed_fen", conflicts[0].path)
        a.resolve(id, "amount_owed_fen", 1u)
        assertTrue(a.conflicts().isEmpty())
    }

    @Test
    fun `a wrong resident ID gets the invalid-field error naming the field`() {
        val phone = store("张丽")
        val interview = (exampleRecord(Kind.INTERVIEW) as FieldRecord.Interview).value
        val wrong = interview.copy(interviewee = interview.interviewee.copy(residentId = "110105194912310021"))
        val e = assertThrows<FieldException.InvalidField> { phone.createRecord(FieldRecord.Interview(wrong)) }
        assertEquals("interviewee.resident_id", e.field)
        assertEquals("resident_id_check_char", e.rule)
    }
}
