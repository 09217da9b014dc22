// What the forms that end in a signed record share (inspection, interview, mediation): the core's
// messages by field, a step under way, and saving the record as typed (created once, then
// updated). A typing slip is shown before anything is sent; a refusal is said at its fields and
// above the form, and nothing typed is lost. As the Android app's RecordForm.
import Fieldcase
import Foundation
import Observation

@MainActor
@Observable
final class RecordForm {
    var errors: [String: String] = [:]
    private(set) var busy = false
    var savedId: String?
    @ObservationIgnored private let store: FieldStore
    /// The record as typed; slips go into the `Typed` it is given.
    @ObservationIgnored private let read: (inout Typed) -> FieldRecord

    init(store: FieldStore, read: @escaping (inout Typed) -> FieldRecord) {
        self.store = store
        self.read = read
    }

    func act(_ step: () async throws -> Void) async {
        errors = [:]
        var typed = Typed()
        _ = read(&typed)
        if !typed.errors.isEmpty {
            errors = typed.errors
            return
        }
        busy = true
        defer { busy = false }
        do {
            try await step()
        } catch {
            errors = Labels.atFields(error)
            if refusedForFields(error) { errors[""] = "还不能保存或签署：" + Labels.failure(error) }
        }
    }

    /// Saves what is on screen; the record's id.
    func write() async throws -> String {
        var typed = Typed()
        let record = read(&typed)
        if let id = savedId {
            _ = try await store.updateRecord(id: id, record: record)
            return id
        }
        let id = try await store.createRecord(record: record).id
        savedId = id
        return id
    }
}
