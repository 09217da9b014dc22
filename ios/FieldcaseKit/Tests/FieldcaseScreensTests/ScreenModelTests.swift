// The iOS app's screen models acting as field workers do, on Linux against the real library
// and real encrypted stores (and a real hub on 127.0.0.1): the same scenarios as the Android
// app's Compose tests. Only the async API is used.
import Fieldcase
import FieldcaseScreens
import Foundation
import XCTest

final class Keys: KeyProvider, @unchecked Sendable {
    func storeKey() -> Data { Data(repeating: 5, count: 32) }
}

/// A township hub: `fieldcase serve --plain` on 127.0.0.1 (URLSession on Linux cannot pin).
final class TownshipHub {
    let dir: URL
    let process = Process()
    let url: String
    private static let bin = ProcessInfo.processInfo.environment["FIELDCASE_BIN"] ?? "../../target/debug/fieldcase"

    init(dir: URL) throws {
        self.dir = dir
        _ = try TownshipHub.run(dir, ["init", "--township", "青浦区", "--user", "办公室", "--role", "office"])
        let out = Pipe()
        process.executableURL = URL(fileURLWithPath: TownshipHub.bin)
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
        let range = text.range(of: #""url":"[^"]+""#, options: .regularExpression)!
        url = String(text[range].dropFirst(7).dropLast())
    }

    static func run(_ dir: URL, _ args: [String]) throws -> String {
        let p = Process()
        let out = Pipe()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = ["--store", dir.path] + args
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    func enroll(_ user: String) throws -> String {
        let out = try TownshipHub.run(dir, ["enroll", "--township", "华新镇", "--role", "inspector", "--user", user])
        let range = out.range(of: #""link": "[^"]+""#, options: .regularExpression)!
        return String(out[range].dropFirst(9).dropLast())
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

/// A stroke across the pad, as a finger would draw it.
let scribble: [[Point]] = [[Point(x: 40, y: 100), Point(x: 160, y: 50), Point(x: 280, y: 110)]]

@MainActor
final class ScreenModelTests: XCTestCase {
    var dir: URL!

    override func setUp() async throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fieldcase-screens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func store(_ user: String, _ role: Role) async throws -> FieldStore {
        try await createStore(dir: dir.appendingPathComponent(user), keys: Keys(), township: "华新镇", user: user, role: role)
    }

    func testAGridAssistantRecordsAnIncidentAWrongPhoneStaysAtItsFieldAndItIsListed() async throws {
        let phone = try await store("李华", .grid)
        let incident = IncidentScreenModel(store: phone, township: "华新镇")
        incident.headcount = "35"
        incident.employer = "恒达劳务"
        incident.amountYuan = "9600.50"
        incident.representative = "刘强"
        incident.representativePhone = "1234"
        incident.toggle(.blockingRoadOrGate)
        incident.mark(.gridArrived)
        incident.addPhoto(Data([0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 7, count: 512)))
        incident.locate(lat: 31.2392, lon: 121.2263, accuracyM: 20)
        await incident.save()
        XCTAssertEqual(incident.errors, ["representatives.0.phone": "手机号码应为13至19开头的11位数字"])
        XCTAssertNil(incident.savedId)
        let none = try await phone.count()
        XCTAssertEqual(none, 0)
        XCTAssertEqual(incident.employer, "恒达劳务", "nothing typed is lost")

        incident.representativePhone = "13712345678"
        await incident.save()
        XCTAssertEqual(incident.errors, [:])
        let id = try XCTUnwrap(incident.savedId)
        guard case .incident(let saved) = try await phone.get(id: id).record else { return XCTFail() }
        XCTAssertEqual(saved.amountClaimedFen, 960_050)
        XCTAssertEqual(saved.riskSigns, [.blockingRoadOrGate])
        XCTAssertEqual(saved.attachments.first?.purpose, "photo")
        XCTAssertEqual(saved.location?.lat, 31.2392)

        let ledger = LedgerScreenModel(store: phone, me: "李华")
        await ledger.choose(.incidents)
        XCTAssertEqual(ledger.rows.map(\.id), [id])
    }

    func testAnInspectorSignsSealsAndALaterEditIsRefusedWithTheReason() async throws {
        let phone = try await store("王明", .inspector)
        let m = InspectionScreenModel(store: phone, township: "华新镇")
        m.siteName = "滨江花园二期工地"
        m.address = "华新镇华志路88号"
        m.credentials[0] = "31011820001"
        m.inspectorNames[1] = "陈静"
        m.credentials[1] = "31011820002"
        for c in Check.allCases { m.results[c] = c == .noticeBoard ? .nonCompliant : .compliant }
        m.notes[.noticeBoard] = "工地大门未张贴维权信息告示牌"
        m.findings = "维权信息告示牌未设置，其余符合"
        m.correctionRequired = "设置维权信息告示牌"
        m.correctionDeadline = "2026-12-10"
        m.representative = "赵刚"

        await m.sealRecord()
        XCTAssertEqual(m.errors["inspectors.1.signature"], "执法人员陈静尚未签名")
        XCTAssertNil(m.seal)

        for signer in [Signer.inspector(0), .inspector(1), .representative] {
            m.signing.openPad(signer)
            m.signing.strokes = scribble
            await m.confirmSignature()
            XCTAssertEqual(m.errors, [:])
        }
        await m.sealRecord()
        XCTAssertEqual(m.errors, [:])
        XCTAssertEqual(m.seal?.verified, true)
        guard case .inspection(let sealed) = try await phone.get(id: m.savedId!).record else { return XCTFail() }
        XCTAssertEqual(Set(sealed.attachments.map(\.sha256)), Set(sealed.signatures.inspectors.compactMap(\.imageSha256) + [sealed.signatures.employerRepresentative!.imageSha256!]))
        let image = try await phone.attachment(sha256: sealed.signatures.inspectors[1].imageSha256!)
        XCTAssertTrue(String(decoding: image, as: UTF8.self).hasPrefix("<svg"))

        m.findings += "（补）"
        await m.save()
        XCTAssertEqual(m.errors[""], "这条记录已签署封存，不能再修改；如需更正，请另作补充记录")
        guard case .inspection(let after) = try await phone.get(id: m.savedId!).record else { return XCTFail() }
        XCTAssertEqual(after.findings, "维权信息告示牌未设置，其余符合")
    }

    func testAWrongResidentIdIsShownAtItsFieldAndNothingIsSaved() async throws {
        let phone = try await store("张丽", .inspector)
        let m = InterviewScreenModel(store: phone, township: "华新镇")
        m.name = "刘强"
        m.residentId = "110105194912310023"
        m.exchanges[0] = Exchange(question: "你在哪家单位工作？", answer: "宏达物流，做装卸")
        await m.save()
        XCTAssertEqual(m.errors["interviewee.resident_id"], "身份证号码校验位不对，请逐位核对")
        let none = try await phone.count()
        XCTAssertEqual(none, 0)
        XCTAssertEqual(m.exchanges[0].answer, "宏达物流，做装卸")
        m.residentId = "11010519491231002x"
        await m.save()
        XCTAssertEqual(m.errors, [:])
        guard case .interview(let saved) = try await phone.get(id: m.savedId!).record else { return XCTFail() }
        XCTAssertEqual(saved.interviewee.residentId, "11010519491231002X")
    }

    func testTwoPhonesSyncThroughARealHubAndTheConflictScreenSettlesTheirEdit() async throws {
        let hub = try TownshipHub(dir: dir.appendingPathComponent("hub"))
        defer { hub.stop() }
        let transport = URLSessionTransport()
        let join = JoinScreenModel(dir: dir.appendingPathComponent("a"), keys: Keys(), transport: transport)
        join.enter("https://127.0.0.1/join")
        await join.join()
        XCTAssertEqual(join.problem, "链接不对：应以 fieldcase://join 开头，由街镇办公室提供")
        join.enter(try hub.enroll("张丽"))
        XCTAssertNotNil(join.info)
        await join.join()
        let a = try XCTUnwrap(join.joined)
        let b = try await joinNewStore(dir: dir.appendingPathComponent("b"), keys: Keys(), link: try hub.enroll("吴军"), transport: transport)

        let example = exampleCase()
        let id = try await a.createRecord(record: .case(value: example)).id
        let sync = SyncScreenModel(store: a, transport: transport)
        await sync.syncNow()
        XCTAssertNil(sync.failure)
        XCTAssertEqual(sync.report?.recordsSent, 1)
        _ = try await b.syncWith(transport)

        func setAmount(_ s: FieldStore, _ fen: Int64) async throws {
            guard case .case(var c) = try await s.get(id: id).record else { return XCTFail() }
            c.amountOwedFen = fen
            _ = try await s.updateRecord(id: id, record: .case(value: c))
        }
        try await setAmount(a, 20_000_000)
        try await setAmount(b, 21_000_000)
        _ = try await b.syncWith(transport)
        await sync.refresh()
        XCTAssertEqual(sync.status?.waiting, 1)
        await sync.syncNow()
        XCTAssertEqual(sync.status?.conflicts, 1)
        XCTAssertNotNil(sync.status?.lastSyncedAt)

        let conflicts = ConflictsScreenModel(store: a)
        await conflicts.load()
        let c = try XCTUnwrap(conflicts.items.first)
        XCTAssertEqual(c.fieldName, "欠薪金额")
        var byUser: [String: String] = [:]
        for choice in c.choices { byUser[choice.setBy!.user] = choice.shown }
        XCTAssertEqual(byUser, ["张丽": "200,000.00 元", "吴军": "210,000.00 元"])
        let wu = c.choices.first { $0.setBy?.user == "吴军" }!
        await conflicts.choose(c, wu)
        XCTAssertTrue(conflicts.items.isEmpty)

        await sync.syncNow()
        _ = try await b.syncWith(transport)
        guard case .case(let onB) = try await b.get(id: id).record else { return XCTFail() }
        XCTAssertEqual(onB.amountOwedFen, 21_000_000)
        let left = try await b.conflicts()
        XCTAssertTrue(left.isEmpty)
    }

    func testTheLedgerFindsAWorkerByATwoCharacterNameAmong10000Records() async throws {
        let office = try await store("周明", .office)
        let example = exampleCase()
        let names = ["王建国", "李秀英", "张伟", "陈志强", "赵敏"]
        for i in 1...10_000 {
            var c = example
            c.subject = "第\(i)号：宏达物流拖欠\(10 + i % 20)名装卸工工资"
            c.wageClaims[0].workerName = i == 37 ? "刘强" : names[i % names.count]
            _ = try await office.createRecord(record: .case(value: c))
        }
        let ledger = LedgerScreenModel(store: office, me: "周明")
        await ledger.refresh()
        XCTAssertEqual(ledger.rows.count, 50)
        await ledger.loadMore()
        XCTAssertEqual(Set(ledger.rows.map(\.id)).count, 100)
        await ledger.type("刘强")
        XCTAssertEqual(ledger.rows.map(\.title), ["第37号：宏达物流拖欠27名装卸工工资"])
    }
}

@MainActor
final class CaseAndMediationTests: XCTestCase {
    var dir: URL!

    override func setUp() async throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fieldcase-screens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func day(_ offset: Int) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: Date().addingTimeInterval(Double(offset) * 86_400))
    }

    func testTheResponsiblePersonClosesACaseOnlyWithTheResolutionTheCoreRequires() async throws {
        let phone = try await createStore(dir: dir.appendingPathComponent("zl"), keys: Keys(), township: "华新镇", user: "张丽", role: .inspector)
        var example = exampleCase()
        example.filedOn = day(-10)
        example.followUps = []
        let id = try await phone.createRecord(record: .case(value: example)).id
        let m = CaseScreenModel(store: phone, id: id)
        await m.load()
        let left = try XCTUnwrap(m.stored?.daysLeft)
        XCTAssertTrue((50...60).contains(left), "\(left)")
        XCTAssertEqual(m.clockLine, "检查办结时限（60个工作日）：截止 \(m.stored!.dueOn!)，还剩 \(left) 个工作日")

        m.followUpKind = .interview
        m.followUpOutcome = "约谈法定代表人，承诺周五前支付"
        await m.addFollowUp()
        XCTAssertEqual(m.record?.followUps.map(\.by), ["张丽"])

        m.claimName = "陈刚"
        m.claimResidentId = "110105194912310023"
        m.claimYuan = "8600"
        await m.addClaim()
        XCTAssertEqual(m.errors["wage_claims.1.resident_id"], "身份证号码校验位不对，请逐位核对")
        XCTAssertEqual(m.record?.wageClaims.count, 1)

        // The buttons are the core's: closing is offered to the responsible person.
        let closing = try XCTUnwrap(m.statusChoices.first { $0.action == .close }, "\(m.statusChoices)")
        XCTAssertTrue(closing.allowed)
        await m.choose(closing)
        XCTAssertTrue(m.closing)

        // Hand-over, as on Android.
        await m.handOver()
        XCTAssertEqual(m.errors["handover"], "请选择移送给谁")
        m.handoverTo = .arbitration
        m.receivingBody = "区劳动人事争议仲裁委员会"
        await m.handOver()
        XCTAssertEqual(m.record?.handovers.map(\.receivingBody), ["区劳动人事争议仲裁委员会"])
        XCTAssertEqual(m.record?.handovers.first?.to, .arbitration)

        await m.close()
        XCTAssertNotNil(m.errors["resolution.kind"], "\(m.errors)")
        m.resolutionKind = .paidInFull
        await m.close()
        XCTAssertEqual(m.errors["resolution.amount_paid_fen"], "全额支付的，须填写实际支付金额")
        m.paidYuan = "186000"
        await m.close()
        XCTAssertEqual(m.errors, [:])
        XCTAssertEqual(m.record?.status, .closed)
        XCTAssertEqual(m.record?.signOff?.by, "张丽")
        XCTAssertNil(m.clockLine)
        XCTAssertFalse(m.closing)
        XCTAssertEqual(m.statusChoices.first { $0.action == .reopen }?.label, "重新办理")
    }

    func testAMediationAgreementTakesEffectWithEverySignatureAndItsClocksFollow() async throws {
        let phone = try await createStore(dir: dir.appendingPathComponent("m"), keys: Keys(), township: "华新镇", user: "陈敏", role: .mediator)
        let m = MediationScreenModel(store: phone, township: "华新镇")
        m.applicant = "刘强等2人"
        m.dispute = "拖欠2月至3月工资"
        m.workers[0].name = "刘强"
        m.workers[0].residentId = "11010519491231002X"
        m.workers[0].claimYuan = "15500"
        m.addWorker()
        m.workers[1].name = "陈刚"
        m.workers[1].residentId = "110105194912310023"
        m.employerName = "上海青浦宏达物流有限公司"
        m.employerRepresentative = "赵刚"
        await m.save()
        XCTAssertEqual(m.errors["workers.1.resident_id"], "身份证号码校验位不对，请逐位核对")
        let none = try await phone.count()
        XCTAssertEqual(none, 0)
        m.workers[1].residentId = "11010519491231002X"
        m.organisation = "华新镇人民调解委员会"
        m.sessionNotes = "双方同意分期支付"
        await m.addSession()
        m.agreedYuan = "24100"
        m.paymentDate = day(20)
        m.paymentMethod = "银行转账至本人账户"
        m.organisationSealBy = "周红"
        for signer in [Signer.worker(0), .worker(1), .employer, .mediator, .organisationSeal] {
            m.signing.openPad(signer)
            m.signing.strokes = scribble
            await m.confirmSignature()
            XCTAssertEqual(m.errors, [:], "\(signer)")
        }
        await m.sealAgreement()
        XCTAssertEqual(m.errors, [:])
        XCTAssertEqual(m.stored?.seal?.verified, true)
        XCTAssertEqual(m.stored?.clockName, "申请仲裁审查期限（15日）")
        await m.recordReview(declined: true, today: day(0))
        XCTAssertEqual(m.stored?.clockName, "协议约定的支付日")
        XCTAssertEqual(m.stored?.dueOn, day(20))
        await m.recordPerformance(.paidOnTime, paidYuan: "24100", on: day(0))
        XCTAssertNil(m.stored?.clockName)
    }
}

@MainActor
final class DraftTests: XCTestCase {
    /// One draft format on both phones: the Android suite reads the same file (IncidentScreenTest).
    @MainActor
    func testADraftInTheSharedFormatComesBackWholeAndIsKeptTheSameWay() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("tests/fixtures/incident-draft.json"))
        let fixture = try JSONDecoder().decode([String: String].self, from: data)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fieldcase-fixture-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try await createStore(dir: dir, keys: Keys(), township: "华新镇", user: "李华", role: .grid)
        let model = IncidentScreenModel(store: store, township: "华新镇")
        model.restore(fixture)
        XCTAssertEqual(model.employer, "恒达劳务")
        XCTAssertEqual(model.riskSigns, [.blockingRoadOrGate, .mediaPresent])
        XCTAssertEqual(model.steps[.gridArrived].map { Int64($0.timeIntervalSince1970 * 1000) }, 1764806400000)
        XCTAssertEqual(model.steps[.inspectorNotified].map { Int64($0.timeIntervalSince1970 * 1000) }, 1764807000000)
        XCTAssertEqual(model.typed, fixture)
    }

    func testWhatAGridAssistantTypedSurvivesTheAppBeingKilledAndGoesOnceSaved() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fieldcase-draft-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("grid")
        do {
            let phone = try await createStore(dir: path, keys: Keys(), township: "华新镇", user: "李华", role: .grid)
            let m = IncidentScreenModel(store: phone, township: "华新镇")
            await m.restoreDraft()
            m.headcount = "35"
            m.employer = "恒达劳务"
            m.toggle(.mediaPresent)
            await m.keepDraft()
        }
        // The app is killed and started again.
        let phone = try await openStore(dir: path, keys: Keys())
        let m = IncidentScreenModel(store: phone, township: "华新镇")
        await m.restoreDraft()
        XCTAssertEqual(m.headcount, "35")
        XCTAssertEqual(m.employer, "恒达劳务")
        XCTAssertEqual(m.riskSigns, [.mediaPresent])
        let none = try await phone.count()
        XCTAssertEqual(none, 0, "a draft is not a record")
        await m.save()
        XCTAssertNotNil(m.savedId)
        let left = try await phone.draft(form: "incident")
        XCTAssertNil(left)
    }

    func testAnInterviewTypedAndSignedSurvivesTheAppBeingKilled() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fieldcase-draft-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("zl")
        do {
            let phone = try await createStore(dir: path, keys: Keys(), township: "华新镇", user: "张丽", role: .inspector)
            let m = InterviewScreenModel(store: phone, township: "华新镇")
            await m.restoreDraft()
            m.name = "刘强"
            m.residentId = "11010519491231002X"
            m.exchanges[0] = Exchange(question: "你在哪家单位工作？", answer: "宏达物流")
            m.signing.openPad(.inspector(0))
            m.signing.strokes = scribble
            await m.confirmSignature()
            await m.keepDraft()
        }
        let phone = try await openStore(dir: path, keys: Keys())
        let m = InterviewScreenModel(store: phone, township: "华新镇")
        await m.restoreDraft()
        XCTAssertEqual(m.residentId, "11010519491231002X")
        XCTAssertEqual(m.exchanges.first?.answer, "宏达物流")
        XCTAssertNotNil(m.signing.given[.inspector(0)], "the signature comes back from the draft record")
        XCTAssertEqual(m.signing.attached.count, 1)
    }
}

/// The exchange screen's model against two real phone stores over loopback (issue 22): one
/// shows its code and waits, the other takes it; both then say what came and went.
@MainActor
final class ExchangeScreenTests: XCTestCase {
    var dir: URL!

    override func setUp() async throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fieldcase-exchange-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func testOnePhoneShowsItsCodeTheOtherTakesItAndBothSeeWhatCameAndWent() async throws {
        let hub = try TownshipHub(dir: dir.appendingPathComponent("hub"))
        defer { hub.stop() }
        let transport = URLSessionTransport()
        let zhang = try await joinNewStore(dir: dir.appendingPathComponent("zhang"), keys: Keys(), link: try hub.enroll("张丽"), transport: transport)
        let wu = try await joinNewStore(dir: dir.appendingPathComponent("wu"), keys: Keys(), link: try hub.enroll("吴军"), transport: transport)
        _ = try await zhang.syncWith(transport)
        _ = try await wu.syncWith(transport)
        let transcript = try await zhang.createRecord(record: .interview(value: exampleInterview())).id
        _ = try await zhang.seal(id: transcript)

        let shows = ExchangeScreenModel(store: zhang, listenAt: "127.0.0.1:0")
        let takes = ExchangeScreenModel(store: wu, listenAt: "127.0.0.1:0")
        // A code that is not an exchange code is told in words, before anything is sent.
        takes.typed = "https://example.com/join"
        await takes.connect()
        XCTAssertTrue(takes.failure?.contains("交换码") == true, takes.failure ?? "")

        shows.start { await $0.show() }
        var waited = 0
        while shows.shown == nil && waited < 100 {
            try await Task.sleep(nanoseconds: 50_000_000)
            waited += 1
        }
        let code = try XCTUnwrap(shows.shown)
        XCTAssertTrue(code.text.hasPrefix("FCX1;a=127.0.0.1:"), code.text)
        takes.typed = code.text
        await takes.connect()
        while shows.running && waited < 300 {
            try await Task.sleep(nanoseconds: 50_000_000)
            waited += 1
        }
        let got = try XCTUnwrap(takes.report, takes.failure ?? "no report")
        XCTAssertTrue(got.complete)
        XCTAssertEqual(got.received.map(\.kind), [.interview])
        XCTAssertTrue(got.said.hasPrefix("与张丽交换完成：收到 询问笔录 1 条"), got.said)
        XCTAssertEqual(shows.report?.sent.map(\.kind), [.interview])
        XCTAssertEqual(takes.typed, "")
        let seal = try await wu.get(id: transcript).seal
        XCTAssertEqual(seal?.verified, true)
    }
}
