// The phone API as an iOS app uses it, run on Linux against the host-built library.
import Foundation
import XCTest

@testable import Fieldcase

/// Stands in for the iOS Keychain.
final class TestKeys: KeyProvider, @unchecked Sendable {
    func storeKey() -> Data { Data(repeating: 7, count: 32) }
}

final class Counter: RecordListener, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var calls = 0
    func recordsChanged(ids: [String]) {
        lock.lock()
        calls += 1
        lock.unlock()
    }
}

final class FieldcaseTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fieldcase-swift-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func store(_ name: String, role: Role = .inspector) throws -> FieldStore {
        try FieldStore.create(dir: dir.appendingPathComponent(name).path, keys: TestKeys(), township: "华新镇", user: name, role: role)
    }

    func testAGridAssistantRecordsAnIncidentOffline() throws {
        let phone = try store("李华", role: .grid)
        let counter = Counter()
        let handle = phone.addListener(listener: counter)
        var incident = Incident(
            schemaVersion: 0, township: "华新镇", status: .reported, reportedAt: Date(), address: "新凤路100号工地大门",
            location: Location(lat: 31.2392, lon: 121.2263, accuracyM: 20, source: .gps), headcount: 35,
            employerName: "恒达劳务", employerId: nil, projectId: nil, amountClaimedFen: 96_000_000, monthsOwed: 3,
            representatives: [], demands: nil, riskSigns: [.blockingRoadOrGate],
            escalation: Escalation(gridAssistantArrivedAt: Date(), inspectorNotifiedAt: nil, inspectorArrivedAt: nil,
                                   escalatedToLeadingGroupAt: nil, otherDistrictNotifiedAt: nil),
            fundAdvanceRequested: false, attachments: [], links: [])
        let saved = try phone.createRecord(record: .incident(value: incident))
        XCTAssertEqual(counter.calls, 1)
        let back = try phone.get(id: saved.id)
        guard case .incident(let stored) = back.record else { return XCTFail("not an incident") }
        XCTAssertEqual(stored.headcount, 35)
        XCTAssertEqual(stored.amountClaimedFen, 96_000_000)
        XCTAssertEqual(stored.reportedAt!.timeIntervalSince1970, incident.reportedAt!.timeIntervalSince1970, accuracy: 0.001)
        incident.headcount = 40
        _ = try phone.updateRecord(id: saved.id, record: .incident(value: incident))
        XCTAssertEqual(try phone.search(text: "恒达劳务", limit: 10).first?.id, saved.id)
        handle.stop()
    }

    func testAnInspectorSealsAnInspectionAndASealedEditIsRefused() throws {
        let phone = try store("张丽")
        guard case .inspection(var inspection) = exampleRecord(kind: .inspection) else { return XCTFail() }
        let id = try phone.createRecord(record: .inspection(value: inspection)).id
        let seal = try phone.seal(id: id)
        XCTAssertTrue(seal.intact)
        XCTAssertEqual(seal.seal.hash.count, 64)
        inspection.findings = "改过的结论"
        XCTAssertThrowsError(try phone.updateRecord(id: id, record: .inspection(value: inspection))) { error in
            guard case FieldError.Sealed(let sealedId) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(sealedId, id)
        }
    }

    func testTwoStoresEditTheSameCaseAndListTheSameConflict() throws {
        let a = try store("张丽")
        let b = try store("吴军")
        guard case .case(var ledgerLine) = exampleRecord(kind: .case) else { return XCTFail() }
        let id = try a.createRecord(record: .case(value: ledgerLine)).id
        _ = try b.importBundle(bytes: try a.exportBundle(to: nil))
        ledgerLine.amountOwedFen = 20_000_000
        _ = try a.updateRecord(id: id, record: .case(value: ledgerLine))
        ledgerLine.amountOwedFen = 21_000_000
        _ = try b.updateRecord(id: id, record: .case(value: ledgerLine))
        _ = try b.importBundle(bytes: try a.exportBundle(to: nil))
        _ = try a.importBundle(bytes: try b.exportBundle(to: nil))
        let conflicts = try a.conflicts()
        XCTAssertEqual(conflicts, try b.conflicts())
        XCTAssertEqual(conflicts.count, 1)
        XCTAssertEqual(conflicts.first?.path, "amount_owed_fen")
        try a.resolve(id: id, path: "amount_owed_fen", choice: 0)
        XCTAssertTrue(try a.conflicts().isEmpty)
    }

    func testAWrongResidentIdNamesTheField() throws {
        let phone = try store("张丽")
        guard case .interview(var interview) = exampleRecord(kind: .interview) else { return XCTFail() }
        interview.interviewee.residentId = "110105194912310021"
        XCTAssertThrowsError(try phone.createRecord(record: .interview(value: interview))) { error in
            guard case FieldError.InvalidField(let field, let rule, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "interviewee.resident_id")
            XCTAssertEqual(rule, "resident_id_check_char")
        }
    }
}
