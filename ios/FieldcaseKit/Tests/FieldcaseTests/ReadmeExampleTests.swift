// The README's Swift example, compiled and run here: the lines between the README markers are
// the README's code block, word for word (bindings/tests/readme_examples.rs checks it).
import Fieldcase
import Foundation
import XCTest

final class ReadmeExampleTests: XCTestCase {
    func testTheReadmesSwiftExampleRuns() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fieldcase-readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let hub = try Hub(dir: dir.appendingPathComponent("hub"))
        defer { hub.stop() }
        let folder: URL = dir.appendingPathComponent("phone")
        let keys: KeyProvider = TestKeys()
        let link = try hub.enroll("张丽")
        var shown: String?
        var progress = ""
        // README: begin
        let transport = URLSessionTransport()
        let phone = try await joinNewStore(dir: folder, keys: keys, link: link, transport: transport)
        var interview = exampleInterview()
        interview.place = "华新镇劳动保障所"
        let id = try await phone.createRecord(record: .interview(value: interview)).id
        _ = try await phone.seal(id: id)
        interview.place = "别处"
        do {
            _ = try await phone.updateRecord(id: id, record: .interview(value: interview))
        } catch let e as FieldError where e.kind() == .sealed {
            shown = e.localizedDescription // 这条记录已签署封存，不能再修改；如需更正，请另作补充记录
        }
        for try await step in phone.syncSteps(transport) { progress = "\(step.phase): \(step.done) / \(step.total)" }
        for conflict in try await phone.conflicts() {
            let theirs = conflict.choices.first { $0.setBy?.user != "张丽" }!
            try await phone.resolve(conflict: conflict, choice: theirs) // value, shown ("210,000.00 元"), setBy
        }
        let ledger = try await phone.list() // every row; LedgerQuery(kind: .case, overdue: true) filters
        // README: end
        XCTAssertEqual(shown, "这条记录已签署封存，不能再修改；如需更正，请另作补充记录")
        let waiting = try await phone.syncStatus().waiting
        XCTAssertEqual(waiting, 0, "after the sync (\(progress))")
        XCTAssertEqual(ledger.map(\.id), [id])
    }
}
