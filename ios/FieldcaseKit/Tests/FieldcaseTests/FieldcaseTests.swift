// The phone library as an iOS app uses it, run on Linux against the host-built library: only
// the async API, async sequences, and URLSession to a real hub (`fieldcase serve`) on 127.0.0.1.
import Foundation
import XCTest

@testable import Fieldcase

/// Stands in for the iOS Keychain.
final class TestKeys: KeyProvider, @unchecked Sendable {
    let byte: UInt8
    init(_ byte: UInt8 = 7) { self.byte = byte }
    func storeKey() -> Data { Data(repeating: byte, count: 32) }
}

/// A township hub: `fieldcase serve --plain` on 127.0.0.1 (URLSession on Linux cannot pin a
/// certificate, so the Swift tests reach the hub over plain HTTP on the loopback address).
final class Hub {
    let dir: URL
    let process = Process()
    let url: String
    private static let bin = ProcessInfo.processInfo.environment["FIELDCASE_BIN"] ?? "../../target/debug/fieldcase"

    init(dir: URL) throws {
        self.dir = dir
        _ = try Hub.run(dir, ["init", "--township", "青浦区", "--user", "办公室", "--role", "office"])
        let out = Pipe()
        process.executableURL = URL(fileURLWithPath: Hub.bin)
        process.arguments = ["--store", dir.path, "serve", "--plain", "--listen", "127.0.0.1:0"]
        process.standardOutput = out
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let more = out.fileHandleForReading.availableData
            if more.isEmpty { break }
            line.append(more)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: #""url":"[^"]+""#, options: .regularExpression) else {
            throw FieldError.Network(detail: "the hub did not start: \(text)")
        }
        url = String(text[range].dropFirst(7).dropLast())
    }

    static func run(_ dir: URL, _ args: [String]) throws -> String {
        let p = Process()
        let out = Pipe()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = ["--store", dir.path] + args
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice  // the join link's QR code
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// The join link the office gives a new phone.
    func enroll(_ user: String, role: String = "inspector") throws -> String {
        let out = try Hub.run(dir, ["enroll", "--township", "华新镇", "--role", role, "--user", user])
        let range = out.range(of: #""link": "[^"]+""#, options: .regularExpression)!
        return String(out[range].dropFirst(9).dropLast())
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

final class FieldcaseTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fieldcase-swift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func store(_ name: String, role: Role = .inspector) async throws -> FieldStore {
        try await createStore(dir: dir.appendingPathComponent(name), keys: TestKeys(), township: "华新镇", user: name, role: role)
    }

    func testAGridAssistantRecordsAnIncidentOfflineAndTheLedgerFollows() async throws {
        let phone = try await store("李华", role: .grid)
        var incident = try newIncident(township: "华新镇")
        incident.status = .reported
        incident.reportedAt = Date(timeIntervalSince1970: 1_781_745_600)
        incident.address = "新凤路100号工地大门"
        incident.headcount = 35
        incident.employerName = "恒达劳务"
        incident.amountClaimedFen = 96_000_000
        incident.riskSigns = [.blockingRoadOrGate]
        incident.escalation = Escalation(gridAssistantArrivedAt: Date(timeIntervalSince1970: 1_781_746_500))

        var rows = phone.ledger(LedgerQuery(kind: .incident)).makeAsyncIterator()
        let before = try await rows.next()
        XCTAssertEqual(before?.count, 0)
        let saved = try await phone.createRecord(record: .incident(value: incident))
        let after = try await rows.next()
        XCTAssertEqual(after?.map(\.id), [saved.id])

        let stored = try await phone.get(id: saved.id)
        guard case .incident(let back) = stored.record else { return XCTFail() }
        XCTAssertEqual(back.headcount, 35)
        XCTAssertEqual(back.reportedAt, incident.reportedAt)
        incident.headcount = 40
        _ = try await phone.updateRecord(id: saved.id, record: .incident(value: incident))
        let found = try await phone.search(text: "恒达劳务", limit: 10)
        XCTAssertEqual(found.first?.id, saved.id)
    }

    func testErrorsNameEveryInvalidFieldASealedRecordAndAWrongKey() async throws {
        let phone = try await store("张丽")
        var interview = exampleInterview()
        var wrong = interview
        wrong.interviewee.residentId = "110105194912310021"
        wrong.interviewee.phone = "1234"
        do {
            _ = try await phone.createRecord(record: .interview(value: wrong))
            XCTFail("a wrong resident ID and phone were accepted")
        } catch let error as FieldError {
            // Swift-style kinds to switch on, the problems at their fields.
            XCTAssertEqual(error.kind(), .invalidFields)
            let problems = error.problems()
            XCTAssertEqual(Set(problems.map(\.field)), ["interviewee.resident_id", "interviewee.phone"])
            // Its words: the core's Chinese sentences for a screen, the English with the rule for a log.
            XCTAssertEqual(error.localizedDescription, problems.map(\.inChinese).joined(separator: "；"))
            XCTAssertEqual(error.localizedDescription, error.inChinese())
            XCTAssertTrue("\(error)".contains("interviewee.resident_id: "), "\(error)")
            XCTAssertEqual("\(error)", error.inEnglish())
        }
        let id = try await phone.createRecord(record: .interview(value: interview)).id
        let seal = try await phone.seal(id: id)
        XCTAssertTrue(seal.intact)
        interview.place = "别处"
        do {
            _ = try await phone.updateRecord(id: id, record: .interview(value: interview))
            XCTFail("a sealed record was changed")
        } catch let e as FieldError where e.kind() == .sealed {
            guard case .Sealed(let sealed) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(sealed, id)
            XCTAssertEqual(e.localizedDescription, "这条记录已签署封存，不能再修改；如需更正，请另作补充记录")
        }
        do {
            _ = try await openStore(dir: dir.appendingPathComponent("张丽"), keys: TestKeys(9))
            XCTFail("a wrong key opened the store")
        } catch let e as FieldError where e.kind() == .wrongKey {
        }
    }

    func testTwoPhonesSyncThroughARealHubOverURLSession() async throws {
        let hub = try Hub(dir: dir.appendingPathComponent("hub"))
        defer { hub.stop() }
        let transport = URLSessionTransport()
        let a = try await joinNewStore(dir: dir.appendingPathComponent("a"), keys: TestKeys(), link: try hub.enroll("张丽"), transport: transport)
        let b = try await joinNewStore(dir: dir.appendingPathComponent("b"), keys: TestKeys(), link: try hub.enroll("吴军"), transport: transport)
        XCTAssertEqual(a.identity().user, "张丽")
        var line = exampleCase()
        var ids = Set<String>()
        for n in 1...30 {
            line.subject = "案件\(n)"
            ids.insert(try await a.createRecord(record: .case(value: line)).id)
        }
        let sent = try await a.syncWith(transport)
        XCTAssertEqual(sent.recordsSent, 30)
        let steps = Steps()
        let report = try await b.syncWith(transport) { steps.add($0) }
        XCTAssertEqual(report.recordsReceived, 30)
        let listed = try await b.list(query: LedgerQuery(kind: .case))
        XCTAssertEqual(Set(listed.map(\.id)), ids)
        XCTAssertTrue(steps.all.contains(SyncStep(phase: .records, done: 30, total: 30)), "\(steps.all)")
    }

    func testACancelledSyncStopsKeepsWhatArrivedAndTheNextFinishes() async throws {
        let hub = try Hub(dir: dir.appendingPathComponent("hub"))
        defer { hub.stop() }
        let transport = URLSessionTransport()
        let a = try await joinNewStore(dir: dir.appendingPathComponent("a"), keys: TestKeys(), link: try hub.enroll("张丽"), transport: transport)
        var line = exampleCase()
        for n in 1...1200 {
            line.subject = "案件\(n)"
            _ = try await a.createRecord(record: .case(value: line))
        }
        _ = try await a.syncWith(transport)
        let found = try await a.search(text: "案件1")
        XCTAssertFalse(found.isEmpty, "search with its default limit")
        let b = try await joinNewStore(dir: dir.appendingPathComponent("b"), keys: TestKeys(), link: try hub.enroll("吴军"), transport: transport)
        let token = CancelToken()
        final class CancelAfterFirstFrame: SyncProgress, @unchecked Sendable {
            let token: CancelToken
            init(_ token: CancelToken) { self.token = token }
            func progress(phase: SyncPhase, done: Int64, total: Int64) {
                if phase == .records && done > 0 { token.cancel() }
            }
        }
        do {
            _ = try await b.sync(transport: transport, progress: CancelAfterFirstFrame(token), cancel: token)
            XCTFail("the cancelled sync finished")
        } catch let e as FieldError where e.kind() == .cancelled {
        }
        let kept = try await b.count()
        XCTAssertTrue(kept > 0 && kept < 1200, "kept \(kept)")
        // The rest as a sequence of steps, as screens consume the ledger.
        var steps: [SyncStep] = []
        for try await step in b.syncSteps(transport) { steps.append(step) }
        let records = steps.filter { $0.phase == .records }
        XCTAssertFalse(records.isEmpty)
        XCTAssertEqual(records.last?.done, records.last?.total)
        XCTAssertEqual(records.last.map { Int($0.done) }, 1200 - Int(kept))
        let all = try await b.count()
        XCTAssertEqual(all, 1200)
    }

    /// The transport waits until the main actor has run something else: had the call held the
    /// main thread, that could never happen and the wait would fail.
    @MainActor
    func testASyncCalledFromTheMainActorDoesNotBlockIt() async throws {
        let hub = try Hub(dir: dir.appendingPathComponent("hub"))
        defer { hub.stop() }
        let real = URLSessionTransport()
        let phone = try await joinNewStore(dir: dir.appendingPathComponent("a"), keys: TestKeys(), link: try hub.enroll("张丽"), transport: real)
        let mainRan = DispatchSemaphore(value: 0)
        final class WaitsForMain: HubTransport, @unchecked Sendable {
            let mainRan: DispatchSemaphore
            let real: URLSessionTransport
            init(_ mainRan: DispatchSemaphore, _ real: URLSessionTransport) { self.mainRan = mainRan; self.real = real }
            func send(hub: String, pin: String?, request: HubRequest, response: HubResponse) throws {
                if mainRan.wait(timeout: .now() + 20) == .timedOut {
                    throw FieldError.Network(detail: "the main thread was blocked")
                }
                XCTAssertFalse(Thread.isMainThread)
                try real.send(hub: hub, pin: pin, request: request, response: response)
            }
        }
        async let report = phone.syncWith(WaitsForMain(mainRan, real))
        Task { @MainActor in mainRan.signal() }
        let done = try await report
        XCTAssertEqual(done.recordsReceived, 0)
    }

    /// The plain `sync` and a bundle import stop when their Task is cancelled, not only
    /// `syncWith` (issue 21, item 1): the count stops growing and what arrived is kept.
    func testCancellingTheTaskOfAPlainSyncOrAnImportStopsIt() async throws {
        let hub = try Hub(dir: dir.appendingPathComponent("hub"))
        defer { hub.stop() }
        let transport = URLSessionTransport()
        let a = try await joinNewStore(dir: dir.appendingPathComponent("a"), keys: TestKeys(), link: try hub.enroll("张丽"), transport: transport)
        var line = exampleCase()
        for n in 1...1500 {
            line.subject = "案件\(n)"
            _ = try await a.createRecord(record: .case(value: line))
        }
        _ = try await a.sync(transport: transport)
        let b = try await joinNewStore(dir: dir.appendingPathComponent("b"), keys: TestKeys(), link: try hub.enroll("吴军"), transport: transport)
        final class FirstFrame: SyncProgress, @unchecked Sendable {
            let seen = DispatchSemaphore(value: 0)
            private var told = false
            private let lock = NSLock()
            func progress(phase: SyncPhase, done: Int64, total: Int64) {
                lock.lock(); defer { lock.unlock() }
                if phase == .records && done > 0 && !told { told = true; seen.signal() }
            }
        }
        let first = FirstFrame()
        // The plain generated call, with no token.
        let task = Task { try await b.sync(transport: transport, progress: first) }
        XCTAssertEqual(first.seen.wait(timeout: .now() + 60), .success)
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("the cancelled sync finished")
        } catch is CancellationError {
        }
        // The frame under way is applied whole (a second or more on a loaded machine); then the
        // count settles below the whole.
        var kept = try await b.count()
        for _ in 0..<40 {
            try await Task.sleep(nanoseconds: 1_500_000_000)
            let now = try await b.count()
            if now == kept { break }
            kept = now
        }
        try await Task.sleep(nanoseconds: 2_000_000_000)
        let later = try await b.count()
        XCTAssertEqual(later, kept, "the sync went on after its task was cancelled")
        XCTAssertTrue(kept > 0 && kept < 1500, "kept \(kept)")
        let rest = try await b.syncWith(transport)
        XCTAssertEqual(rest.recordsReceived, 1500 - kept)

        // A bundle import is whole or not at all: its task cancelled, it leaves nothing.
        let bundle = try await a.exportBundle(to: nil, passphrase: "华新镇通关密语2026")
        let c = try await store("陈敏")
        let importing = Task { try await c.importBundle(bytes: bundle, passphrase: "华新镇通关密语2026") }
        try await Task.sleep(nanoseconds: 100_000_000)
        importing.cancel()
        _ = try? await importing.value
        try await Task.sleep(nanoseconds: 3_000_000_000)
        let none = try await c.count()
        XCTAssertEqual(none, 0, "the import went on after its task was cancelled")
        let whole = try await c.importBundle(bytes: bundle, passphrase: "华新镇通关密语2026")
        XCTAssertEqual(whole.recordsNew, 1500)
    }

    /// Screen to camera (issue 22): frames read in any order, a third never seen, the bundle
    /// whole; a QR code that is not a frame is refused in words.
    func testACaseCrossesScreenToCameraWithAThirdOfTheFramesMissed() async throws {
        let a = try await store("张丽")
        let b = try await store("吴军")
        let id = try await a.createRecord(record: .case(value: exampleCase())).id
        let pass = "工地口令2026"
        let sender = try QrBundleSender(bundle: try await a.exportBundle(to: nil, passphrase: pass))
        let frames = sender.frames()
        XCTAssertGreaterThanOrEqual(frames.count, 2 * Int(sender.framesNeeded()))
        let receiver = QrBundleReceiver()
        var complete = false
        for (i, frame) in frames.enumerated().reversed() where i % 3 != 1 {
            complete = try receiver.read(text: frame).complete
            if complete { break }
        }
        XCTAssertTrue(complete)
        XCTAssertThrowsError(try QrBundleReceiver().read(text: "https://example.com/")) { error in
            XCTAssertTrue(error.localizedDescription.contains("二维码"), error.localizedDescription)
        }
        _ = try await b.importBundle(bytes: receiver.bundle()!, passphrase: pass)
        let got = try await b.get(id: id)
        XCTAssertEqual(got.kind, .case)
    }

    /// Phone to phone (issue 22), as two iPhones run it over Network.framework: each side's
    /// session gets the bytes the other sent and gives the bytes to send, until both finish; a
    /// sealed transcript and an incident cross, and the seal verifies on the colleague's phone.
    func testTwoIPhonesExchangeASealedTranscriptOverTheirOwnStream() async throws {
        let hub = try Hub(dir: dir.appendingPathComponent("hub"))
        defer { hub.stop() }
        let transport = URLSessionTransport()
        let zhang = try await joinNewStore(dir: dir.appendingPathComponent("zhang"), keys: TestKeys(), link: try hub.enroll("张丽"), transport: transport)
        let wu = try await joinNewStore(dir: dir.appendingPathComponent("wu"), keys: TestKeys(), link: try hub.enroll("吴军"), transport: transport)
        _ = try await zhang.syncWith(transport)
        _ = try await wu.syncWith(transport)
        let transcript = try await zhang.createRecord(record: .interview(value: exampleInterview())).id
        _ = try await zhang.seal(id: transcript)
        var incident = try newIncident(township: "华新镇")
        incident.headcount = 27
        _ = try await wu.createRecord(record: .incident(value: incident))

        // The advertising iPhone shows a code for its service; the other scans it.
        let code = try newExchangeCode(address: "fieldcase._tcp.local:0")
        let shown = try zhang.peerExchange(code: code.text, listening: true)
        let scanner = try wu.peerExchange(code: code.text, listening: false)
        var rounds = 0
        while !(shown.finished() && scanner.finished()) && rounds < 20 {
            let up = scanner.output()
            if !up.isEmpty { try await shown.receive(bytes: up) }
            let down = shown.output()
            if !down.isEmpty { try await scanner.receive(bytes: down) }
            rounds += 1
        }
        XCTAssertTrue(shown.finished() && scanner.finished(), "stalled after \(rounds) rounds")
        let atWu = scanner.report()
        let atZhang = shown.report()
        XCTAssertEqual(atWu.peerUser, "张丽")
        XCTAssertEqual(atWu.received.map(\.kind), [.interview])
        XCTAssertEqual(atZhang.received.map(\.kind), [.incident])
        XCTAssertTrue(atWu.refused.isEmpty && atZhang.refused.isEmpty)
        let seal = try await wu.get(id: transcript).seal
        XCTAssertEqual(seal?.verified, true)
        // A code is good for one session: the same one again is refused in words.
        XCTAssertThrowsError(try zhang.peerExchange(code: code.text, listening: true)) { error in
            XCTAssertTrue(error.localizedDescription.count > 0)
        }
        XCTAssertThrowsError(try readExchangeCode(text: "https://example.com/")) { error in
            XCTAssertTrue(error.localizedDescription.contains("交换码"), error.localizedDescription)
        }
    }

    /// Conflicts offer typed choices (money in fen and in 元, who set it), resolved by choice;
    /// counts are signed Swift integers and a negative one is refused (items 3 and 4).
    func testAConflictOffersTypedChoicesAndIsResolvedByOne() async throws {
        let a = try await store("张丽")
        let b = try await store("吴军")
        let line = exampleCase()
        let id = try await a.createRecord(record: .case(value: line)).id
        let pass = "华新镇通关密语2026"
        _ = try await b.importBundle(bytes: try await a.exportBundle(to: nil, passphrase: pass), passphrase: pass)
        var mine = line
        mine.amountOwedFen = 20_000_000
        var theirs = line
        theirs.amountOwedFen = 21_000_000
        _ = try await a.updateRecord(id: id, record: .case(value: mine))
        _ = try await b.updateRecord(id: id, record: .case(value: theirs))
        _ = try await a.importBundle(bytes: try await b.exportBundle(to: nil, passphrase: pass), passphrase: pass)
        let conflict = try await a.conflicts().first!
        XCTAssertEqual(conflict.path, "amount_owed_fen")
        XCTAssertEqual(conflict.fieldName, "欠薪金额")
        XCTAssertEqual(Set(conflict.choices.map(\.shown)), ["200,000.00 元", "210,000.00 元"])
        let wu = conflict.choices.first { $0.setBy?.user == "吴军" }!
        XCTAssertEqual(wu.value, .money(fen: 21_000_000))
        try await a.resolve(conflict: conflict, choice: wu)
        let left = try await a.conflicts()
        XCTAssertTrue(left.isEmpty)
        guard case .case(let kept) = try await a.get(id: id).record else { return XCTFail() }
        XCTAssertEqual(kept.amountOwedFen, 21_000_000)

        var negative = line
        negative.workersInvolved = -3
        do {
            _ = try await a.createRecord(record: .case(value: negative))
            XCTFail("a negative count was accepted")
        } catch let e as FieldError where e.kind() == .invalidFields {
            XCTAssertEqual(e.problems().map(\.rule), ["count_not_negative"])
        }
        let n: Int64 = try await a.count()
        XCTAssertEqual(n, 1)
        let rows = try await a.list()
        XCTAssertEqual(rows.first?.kind, .case)
    }
}

final class Steps: @unchecked Sendable {
    private let lock = NSLock()
    private var steps: [SyncStep] = []
    func add(_ s: SyncStep) { lock.lock(); steps.append(s); lock.unlock() }
    var all: [SyncStep] { lock.lock(); defer { lock.unlock() }; return steps }
}
