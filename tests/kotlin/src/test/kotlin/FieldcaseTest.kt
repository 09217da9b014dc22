// The phone library as the Android app uses it, on the JVM against the host-built library:
// only the suspend API, flows, and OkHttp to a real hub (`fieldcase serve`) on 127.0.0.1.
import java.nio.file.Files
import java.nio.file.Path
import java.time.Instant
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.fieldcase.CancelToken
import org.fieldcase.FieldErrorKind
import org.fieldcase.FieldException
import org.fieldcase.FieldValue
import org.fieldcase.FieldRecord
import org.fieldcase.FieldStore
import org.fieldcase.HubResponse
import org.fieldcase.HubTransport
import org.fieldcase.KeyProvider
import org.fieldcase.OkHttpTransport
import org.fieldcase.QrBundleReceiver
import org.fieldcase.readExchangeCode
import org.fieldcase.QrBundleSender
import org.fieldcase.QrReading
import org.fieldcase.SyncProgress
import org.fieldcase.SyncStep
import org.fieldcase.core.Escalation
import org.fieldcase.core.HubRequest
import org.fieldcase.core.Incident
import org.fieldcase.core.IncidentStatus
import org.fieldcase.core.Kind
import org.fieldcase.core.LedgerQuery
import org.fieldcase.core.Location
import org.fieldcase.core.LocationSource
import org.fieldcase.core.Case
import org.fieldcase.core.RiskSign
import org.fieldcase.core.Role
import org.fieldcase.core.SyncPhase
import org.fieldcase.createStore
import org.fieldcase.exampleCase
import org.fieldcase.exampleInterview
import org.fieldcase.joinNewStore
import org.fieldcase.ledger
import org.fieldcase.newIncident
import org.fieldcase.openStore
import org.fieldcase.parseJoinLink
import org.fieldcase.syncSteps
import org.fieldcase.syncWith
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.assertThrows

/** Stands in for the Android Keystore. */
class TestKeys(private val byte: Byte = 7) : KeyProvider {
    override fun storeKey(): ByteArray = ByteArray(32) { byte }
}

@Timeout(120)
class FieldcaseTest {
    private val dir: Path = Files.createTempDirectory("fieldcase-kotlin")

    @AfterEach
    fun cleanUp() {
        dir.toFile().deleteRecursively()
    }

    private suspend fun store(name: String, role: Role = Role.INSPECTOR): FieldStore =
        createStore(dir.resolve(name).toFile(), TestKeys(), "华新镇", name, role)

    @Test
    fun `a grid assistant records an incident offline and the ledger flow follows`() = runBlocking {
        store("李华", Role.GRID).use { phone ->
            val draft = newIncident("华新镇")
            val incident = draft.copy(
                status = IncidentStatus.REPORTED,
                reportedAt = Instant.parse("2026-06-18T01:20:00Z"),
                address = "新凤路100号工地大门",
                location = Location(31.2392, 121.2263, 20.0, LocationSource.GPS),
                headcount = 35,
                employerName = "恒达劳务",
                amountClaimedFen = 96_000_000L,
                riskSigns = listOf(RiskSign.BLOCKING_ROAD_OR_GATE),
                escalation = Escalation(gridAssistantArrivedAt = Instant.parse("2026-06-18T01:35:00Z")),
            )
            // The ledger screen's flow: empty first, then the incident once it is saved.
            val seenRows = kotlinx.coroutines.channels.Channel<List<org.fieldcase.core.LedgerRow>>(kotlinx.coroutines.channels.Channel.UNLIMITED)
            val ledger = launch { phone.ledger(LedgerQuery(kind = Kind.INCIDENT)).collect { seenRows.send(it) } }
            assertEquals(emptyList<org.fieldcase.core.LedgerRow>(), withTimeout(10_000) { seenRows.receive() })
            val saved = phone.createRecord(FieldRecord.Incident(incident))
            val stored = phone.get(saved.id)
            assertEquals(35, (stored.record as FieldRecord.Incident).value.headcount)
            assertEquals(Instant.parse("2026-06-18T01:20:00Z"), (stored.record as FieldRecord.Incident).value.reportedAt)
            phone.updateRecord(saved.id, FieldRecord.Incident(incident.copy(headcount = 40)))
            assertEquals(saved.id, phone.search("恒达劳务", 10).first().id)
            val seen = withTimeout(10_000) {
                var rows = seenRows.receive()
                while (rows.isEmpty()) rows = seenRows.receive()
                rows
            }
            assertEquals(saved.id, seen.single().id)
            ledger.cancel()
            assertEquals(1, phone.list(LedgerQuery(kind = Kind.INCIDENT, township = "华新镇")).size)
        }
    }

    @Test
    fun `errors name every invalid field, a sealed record, and a wrong key`() = runBlocking {
        val phone = store("张丽")
        val interview = exampleInterview()
        val wrong = interview.copy(
            interviewee = interview.interviewee.copy(residentId = "110105194912310021", phone = "1234"),
        )
        val e = assertThrows<FieldException.InvalidFields> {
            runBlocking { phone.createRecord(FieldRecord.Interview(wrong)) }
        }
        assertEquals(
            setOf("interviewee.resident_id", "interviewee.phone"),
            e.problems.map { it.field }.toSet(),
            e.message,
        )
        // Its words: `message` is the core's Chinese sentences (what a screen shows), the
        // English with the rule is `toString()` (for a log); `kind()` is what a screen switches on.
        assertEquals(e.problems.joinToString("；") { it.inChinese }, e.message)
        assertEquals(e.inChinese(), e.message)
        assertTrue(e.message!!.contains("身份证"), e.message)
        assertTrue(e.toString().contains("interviewee.resident_id: "), e.toString())
        assertEquals(e.toString(), e.inEnglish())
        assertEquals(FieldErrorKind.INVALID_FIELDS, e.kind())
        assertEquals(e.problems, e.problems())
        val id = phone.createRecord(FieldRecord.Interview(interview)).id
        assertTrue(phone.seal(id).intact)
        val sealed = assertThrows<FieldException.Sealed> {
            runBlocking { phone.updateRecord(id, FieldRecord.Interview(interview.copy(place = "别处"))) }
        }
        assertEquals(id, sealed.id)
        assertEquals(FieldErrorKind.SEALED, sealed.kind())
        assertEquals("这条记录已签署封存，不能再修改；如需更正，请另作补充记录", sealed.message)
        phone.close()
        assertThrows<FieldException.WrongKey> {
            runBlocking { openStore(dir.resolve("张丽").toFile(), TestKeys(9)) }
        }
        val short = object : KeyProvider {
            override fun storeKey() = ByteArray(3)
        }
        val bad = assertThrows<FieldException.InvalidFields> { runBlocking { openStore(dir.resolve("张丽").toFile(), short) } }
        assertEquals("key_32_bytes", bad.problems.single().rule)
    }

    @Test
    fun `two phones sync through a real hub over OkHttp with its certificate pinned`() = runBlocking {
        Hub(dir.resolve("hub")).use { hub ->
            val transport = OkHttpTransport()
            val link = hub.enroll("张丽")
            assertEquals(hub.pin, parseJoinLink(link).pin)
            val a = joinNewStore(dir.resolve("a").toFile(), TestKeys(), link, transport)
            val b = joinNewStore(dir.resolve("b").toFile(), TestKeys(), hub.enroll("吴军"), transport)
            assertEquals("张丽", a.identity().user)
            val case = exampleCase()
            val ids = (1..30).map { a.createRecord(FieldRecord.Case(case.copy(subject = "案件$it"))).id }
            assertEquals(30L, a.syncWith(transport).recordsSent)
            val steps = mutableListOf<SyncStep>()
            val report = b.syncWith(transport) { synchronized(steps) { steps.add(it) } }
            assertEquals(30L, report.recordsReceived)
            assertEquals(ids.toSet(), b.list(LedgerQuery(kind = Kind.CASE)).map { it.id }.toSet())
            assertTrue(steps.any { it.phase == SyncPhase.RECORDS && it.done == 30L && it.total == 30L }, "$steps")

            // A hub whose certificate is not the one in the link is refused.
            val forged = link.replace(Regex("pin=[0-9a-f]+"), "pin=" + "0".repeat(64))
            val e = assertThrows<FieldException.Network> {
                runBlocking { joinNewStore(dir.resolve("c").toFile(), TestKeys(), forged, transport) }
            }
            assertTrue(e.toString().contains("certificate"), e.toString())
            assertEquals(e.inChinese(), e.message)
            assertTrue(!Files.exists(dir.resolve("c").resolve("fieldcase.db")))
            a.close()
            b.close()
        }
    }

    @Test
    fun `a cancelled sync stops with Cancelled, keeps what arrived, and the next one finishes`() = runBlocking {
        Hub(dir.resolve("hub")).use { hub ->
            val transport = OkHttpTransport()
            val a = joinNewStore(dir.resolve("a").toFile(), TestKeys(), hub.enroll("张丽"), transport)
            val case = exampleCase()
            repeat(1200) { a.createRecord(FieldRecord.Case(case.copy(subject = "案件$it"))) }
            a.syncWith(transport)
            val b = joinNewStore(dir.resolve("b").toFile(), TestKeys(), hub.enroll("吴军"), transport)
            val token = CancelToken()
            val cancelAfterFirstFrame = object : SyncProgress {
                override fun progress(phase: SyncPhase, done: Long, total: Long) {
                    if (phase == SyncPhase.RECORDS && done > 0) token.cancel()
                }
            }
            assertThrows<FieldException.Cancelled> { runBlocking { b.sync(transport, cancelAfterFirstFrame, token) } }
            val kept = b.count()
            assertTrue(kept in 1L until 1200L, "kept $kept")
            // The rest as a flow of steps, as screens collect the ledger.
            val steps = b.syncSteps(transport).toList()
            val records = steps.filter { it.phase == SyncPhase.RECORDS }
            assertTrue(records.isNotEmpty(), "$steps")
            assertEquals(records.last().total, records.last().done)
            assertEquals(1200L - kept, records.last().done)
            assertEquals(1200L, b.count())
        }
    }

    /** The plain `sync`, with no token: cancelling its coroutine stops the work too (issue 21). */
    @Test
    fun `cancelling the coroutine of a plain sync stops it, and what arrived is kept`() = runBlocking {
        Hub(dir.resolve("hub")).use { hub ->
            val transport = OkHttpTransport()
            val a = joinNewStore(dir.resolve("a").toFile(), TestKeys(), hub.enroll("张丽"), transport)
            val case = exampleCase()
            repeat(1500) { a.createRecord(FieldRecord.Case(case.copy(subject = "案件$it"))) }
            a.sync(transport)
            assertTrue(a.search("案件1").isNotEmpty(), "search with its default limit")
            val b = joinNewStore(dir.resolve("b").toFile(), TestKeys(), hub.enroll("吴军"), transport)
            val firstFrame = CompletableDeferred<Unit>()
            val progress = object : SyncProgress {
                override fun progress(phase: SyncPhase, done: Long, total: Long) {
                    if (phase == SyncPhase.RECORDS && done > 0) firstFrame.complete(Unit)
                }
            }
            // The plain call, with its defaults (no token).
            val job = launch(Dispatchers.IO) { b.sync(transport, progress) }
            firstFrame.await()
            job.cancelAndJoin()
            // The work on the library's threads stops (within the frame under way, whose apply
            // can take a second on a loaded machine): the count settles below the whole.
            // Without the stop it would run on to 1,500.
            var kept = b.count()
            for (i in 0 until 40) {
                delay(1500)
                val now = b.count()
                if (now == kept) break
                kept = now
            }
            delay(2000)
            assertEquals(kept, b.count(), "the sync went on after its coroutine was cancelled")
            assertTrue(kept in 1L until 1500L, "the sync went on after its coroutine was cancelled: kept $kept")
            // The requests the transport carries are authorised by the library; the app is
            // never handed the device's secret.
            var bearer: String? = null
            val spy = object : HubTransport {
                override fun send(hub: String, pin: String?, request: HubRequest, response: HubResponse) {
                    bearer = request.authorization
                    transport.send(hub, pin, request, response)
                }
            }
            val rest = b.syncWith(spy)
            assertEquals(1500L - kept, rest.recordsReceived)
            val secret = bearer!!.removePrefix("Bearer ")
            assertTrue(secret.length >= 16, "a bearer token was sent")
            val link = b.hubLink()!!
            assertTrue(link.url.startsWith("https://127.0.0.1:"), link.url)
            assertTrue(secret !in link.toString(), "hubLink hands the app the device's secret")
        }
    }

    @Test
    fun `a sync called from the main thread does not block it`() {
        val main = Executors.newSingleThreadExecutor { Thread(it, "main") }.asCoroutineDispatcher()
        Hub(dir.resolve("hub")).use { hub ->
            val real = OkHttpTransport()
            val phone = runBlocking { joinNewStore(dir.resolve("a").toFile(), TestKeys(), hub.enroll("张丽"), real) }
            // The transport waits until the main thread has run something else: if the call
            // held the main thread, that could never happen and the wait would fail.
            val mainRan = CountDownLatch(1)
            val waitsForMain = object : HubTransport {
                override fun send(hub: String, pin: String?, request: HubRequest, response: HubResponse) {
                    if (!mainRan.await(20, TimeUnit.SECONDS)) throw FieldException.Network("the main thread was blocked")
                    check(Thread.currentThread().name != "main")
                    real.send(hub, pin, request, response)
                }
            }
            runBlocking(main) {
                val sync = async { phone.syncWith(waitsForMain) }
                launch { mainRan.countDown() }
                assertEquals(0L, sync.await().recordsReceived)
            }
            phone.close()
        }
        main.close()
    }

    /** Screen to camera (issue 22): frames read in any order, a third never seen, the bundle whole. */
    @Test
    fun `a case crosses screen to camera in QR frames with a third of them missed`() = runBlocking {
        val a = store("张丽")
        val b = store("吴军")
        val id = a.createRecord(FieldRecord.Case(exampleCase())).id
        val sender = QrBundleSender(a.exportBundle(b.identity().device, "工地口令2026"))
        val frames = sender.frames()
        assertTrue(frames.size >= 2 * sender.framesNeeded(), "${frames.size} frames")
        val receiver = QrBundleReceiver()
        var reading: QrReading? = null
        for ((i, frame) in frames.withIndex().reversed()) {
            if (i % 3 == 1) continue
            reading = receiver.read(frame)
            if (reading.complete) break
        }
        assertTrue(reading!!.complete, "$reading")
        val e = assertThrows<FieldException.InvalidFields> { QrBundleReceiver().read("https://example.com/") }
        assertEquals(FieldErrorKind.INVALID_FIELDS, e.kind())
        assertTrue(e.message!!.contains("二维码"), e.message)
        b.importBundle(receiver.bundle()!!, "工地口令2026")
        assertEquals(exampleCase().employerName, (b.get(id).record as FieldRecord.Case).value.employerName)
    }

    @Test
    fun `two phones edit one case offline and list the same conflict after a bundle`() = runBlocking {
        val a = store("张丽")
        val b = store("吴军")
        val line = exampleCase()
        val id = a.createRecord(FieldRecord.Case(line)).id
        b.importBundle(a.exportBundle(null, "华新镇通关密语2026"), "华新镇通关密语2026")
        a.updateRecord(id, FieldRecord.Case(line.copy(amountOwedFen = 20_000_000L)))
        b.updateRecord(id, FieldRecord.Case(line.copy(amountOwedFen = 21_000_000L)))
        b.importBundle(a.exportBundle(null, "华新镇通关密语2026"), "华新镇通关密语2026")
        a.importBundle(b.exportBundle(null, "华新镇通关密语2026"), "华新镇通关密语2026")
        val conflicts = a.conflicts()
        assertEquals(conflicts, b.conflicts())
        val conflict = conflicts.single()
        assertEquals("amount_owed_fen", conflict.path)
        assertEquals("欠薪金额", conflict.fieldName)
        // Each choice: its typed value, its text in 元, and who set it.
        assertEquals(
            setOf(FieldValue.Money(20_000_000L) to "200,000.00 元", FieldValue.Money(21_000_000L) to "210,000.00 元"),
            conflict.choices.map { it.value to it.shown }.toSet(),
        )
        val theirs = conflict.choices.single { it.value == FieldValue.Money(21_000_000L) }
        assertEquals("吴军", theirs.setBy?.user)
        a.resolve(conflict, theirs)
        assertTrue(a.conflicts().isEmpty())
        assertEquals(21_000_000L, (a.get(id).record as FieldRecord.Case).value.amountOwedFen)
        // A choice the conflict no longer offers writes nothing.
        val gone = assertThrows<FieldException.NotFound> { runBlocking { a.resolve(conflict, theirs) } }
        assertEquals(FieldErrorKind.NOT_FOUND, gone.kind())
        assertEquals(1, a.ledger().first().size)
    }

    /** What a screen shows and reads comes from the core: money both ways, names, who may create what, forms. */
    @Test
    fun `money, names, forms and the kinds a role creates come from the core`() {
        assertEquals("186,000.00", org.fieldcase.yuan(18_600_000L))
        assertEquals(12_000_000L, org.fieldcase.readYuan("12万"))
        assertEquals(123_456L, org.fieldcase.readYuan("１,234.56元"))
        val negative = assertThrows<FieldException.InvalidFields> { org.fieldcase.readYuan("-5") }
        assertEquals("金额不能为负数", negative.inChinese())
        assertEquals("找不到这条记录", FieldException.NotFound("x").inChinese())

        assertEquals(listOf(Kind.EMPLOYER, Kind.CASE, Kind.INCIDENT), org.fieldcase.creatableKinds(Role.GRID))
        assertEquals("欠薪案件", org.fieldcase.kindName(Kind.CASE))
        assertEquals("堵路堵门", org.fieldcase.riskSignName(RiskSign.BLOCKING_ROAD_OR_GATE))
        assertEquals("农民工工资专用账户", org.fieldcase.fieldName("checklist.wage_account"))

        // A form's text and back: money typed in 元 is kept in fen; a slip is at its field.
        val draft = FieldRecord.Incident(newIncident("华新镇"))
        val typed = org.fieldcase.recordFromForm(Kind.INCIDENT, draft, mapOf("amount_claimed_fen" to "9,600.50", "headcount" to "27"))
        val incident = (typed as FieldRecord.Incident).value
        assertEquals(960_050L, incident.amountClaimedFen)
        assertEquals("9,600.50", org.fieldcase.formFields(typed)["amount_claimed_fen"])
        val slip = assertThrows<FieldException.InvalidFields> {
            org.fieldcase.recordFromForm(Kind.INCIDENT, draft, mapOf("headcount" to "二十"))
        }
        assertEquals(listOf("headcount"), slip.problems.map { it.field })

        val svg = String(org.fieldcase.signatureSvg(listOf(listOf(org.fieldcase.core.PadPoint(1.0, 2.0), org.fieldcase.core.PadPoint(3.0, 4.0))), 600, 200))
        assertTrue(svg.contains("<path d=\"M1.0 2.0 L3.0 4.0\"/>"), svg)
    }

    /** Every long call stops when its coroutine is cancelled, not only `sync` (issue 21, item 1). */
    @Test
    fun `cancelling the coroutine of a bundle import stops it and leaves the store as it was`() = runBlocking {
        val a = store("张丽")
        val case = exampleCase()
        repeat(3000) { a.createRecord(FieldRecord.Case(case.copy(subject = "案件$it"))) }
        val bundle = a.exportBundle(null, "华新镇通关密语2026")
        val b = store("吴军")
        val job = launch(Dispatchers.IO) { b.importBundle(bundle, "华新镇通关密语2026") }
        delay(150)
        job.cancelAndJoin()
        // An import is whole or not at all: stopped, it leaves nothing; and it does not go on
        // unseen on the library's threads.
        delay(3000)
        assertEquals(0L, b.count(), "the import went on after its coroutine was cancelled")
        assertEquals(3000L, b.importBundle(bundle, "华新镇通关密语2026").recordsNew)
        // An export cancelled as it runs throws; the next one is whole.
        val export = async(Dispatchers.IO) { a.exportBundle(null, "华新镇通关密语2026") }
        delay(20)
        export.cancelAndJoin()
        assertTrue(export.isCancelled)
        assertTrue(a.exportBundle(null, "华新镇通关密语2026").size > 10_000)
    }

    /** Numbers are Kotlin's own (Int, Long), records are values, phases and folders typed (items 3, 5, 6). */
    @Test
    fun `counts are plain Ints, a negative one is refused, and records are immutable values`() = runBlocking {
        val phone = store("张丽")
        val case: Case = exampleCase()
        assertEquals(12, case.workersInvolved)
        val e = assertThrows<FieldException.InvalidFields> {
            runBlocking { phone.createRecord(FieldRecord.Case(case.copy(workersInvolved = -3))) }
        }
        assertEquals("count_not_negative", e.problems.single().rule)
        assertEquals("不能是负数", e.message)
        val id = phone.createRecord(FieldRecord.Case(case)).id
        val n: Long = phone.count()
        assertEquals(1L, n)
        // The ledger with no query at all, and rows typed by kind and status.
        val row = phone.list().single()
        assertEquals(id, row.id)
        assertEquals(Kind.CASE, row.kind)
        assertEquals(phone.get(id).ledgerStatus, row.status)
        // Records are values: every field is a `val` (change one with copy).
        for (type in listOf(Case::class.java, org.fieldcase.core.Incident::class.java, org.fieldcase.core.LedgerRow::class.java)) {
            val mutable = type.declaredFields.filter {
                !java.lang.reflect.Modifier.isStatic(it.modifiers) && !java.lang.reflect.Modifier.isFinal(it.modifiers)
            }
            assertEquals(emptyList<String>(), mutable.map { it.name }, "mutable fields of ${type.simpleName}")
        }
        // The store's folder is a File.
        phone.close()
        val folder: java.io.File = dir.resolve("张丽").toFile()
        openStore(folder, TestKeys()).use { assertEquals(1L, it.count()) }
    }

    /** Phone to phone with no hub (issue 22): the Android side's socket server and the other
     *  phone's client over 127.0.0.1, through the public API, as over a local-only hotspot. */
    @Test
    fun `two phones with no hub in reach exchange an incident and a sealed transcript from a scanned code`() = runBlocking {
        Hub(dir.resolve("hub")).use { hub ->
            val transport = OkHttpTransport()
            val zhang = joinNewStore(dir.resolve("zhang").toFile(), TestKeys(), hub.enroll("张丽"), transport)
            val wu = joinNewStore(dir.resolve("wu").toFile(), TestKeys(), hub.enroll("吴军"), transport)
            // Both synced at the office in the morning: each registry knows the other.
            zhang.syncWith(transport)
            wu.syncWith(transport)
            val incident = zhang.createRecord(FieldRecord.Incident(newIncident("华新镇").copy(headcount = 27))).id
            val transcript = zhang.createRecord(FieldRecord.Interview(exampleInterview())).id
            assertTrue(zhang.seal(transcript).intact)

            // On site: 张丽's phone opens the hotspot, listens, and shows its code.
            val listener = zhang.listenForColleague("127.0.0.1:0", hotspotName = "DIRECT-fc-华新", hotspotPassword = "k3y;pass")
            val shown = listener.code()
            val scanned = readExchangeCode(shown.text)
            assertEquals("DIRECT-fc-华新", scanned.networkName)
            assertEquals("k3y;pass", scanned.networkPassword)
            assertEquals(shown.address, scanned.address)
            val atZhang = async(Dispatchers.IO) { listener.accept() }
            val atWu = wu.exchangeWith(shown.text)
            val sent = atZhang.await()
            assertTrue(atWu.complete && sent.complete)
            assertEquals("张丽", atWu.peerUser)
            assertEquals("吴军", sent.peerUser)
            assertEquals(mapOf(Kind.INCIDENT to 1L, Kind.INTERVIEW to 1L), atWu.received.associate { it.kind to it.count })
            assertEquals(atWu.received, sent.sent)
            assertTrue(atWu.refused.isEmpty())
            assertEquals(27, (wu.get(incident).record as FieldRecord.Incident).value.headcount)
            assertTrue(wu.get(transcript).seal!!.verified)
            // The code was for one colleague: its listener is spent.
            assertThrows<FieldException.InvalidFields> { runBlocking { listener.accept() } }
            // A mistyped code says so in words.
            val bad = assertThrows<FieldException.InvalidFields> { runBlocking { wu.exchangeWith("FCX1;a=127.0.0.1:1;k=??") } }
            assertTrue(bad.message!!.contains("交换码"), bad.message)
            zhang.close()
            wu.close()
        }
    }
}
