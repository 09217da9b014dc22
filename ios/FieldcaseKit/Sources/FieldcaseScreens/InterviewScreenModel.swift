// An interview transcript: the interviewee (resident ID checked by the core at its field), the
// inspectors, questions and answers, signatures and sealing. As the Android InterviewModel.
import Fieldcase
import Foundation
import Observation

public struct Exchange: Sendable, Equatable {
    public var question: String
    public var answer: String
    public init(question: String = "", answer: String = "") { self.question = question; self.answer = answer }
}

@MainActor
@Observable
public final class InterviewScreenModel {
    public var name = ""
    public var residentId = ""
    public var role = "劳动者"
    public var phone = ""
    public var place = ""
    public var inspectorNames: [String]
    public var credentials = ["", ""]
    public var exchanges = [Exchange()]
    public let signing: Signing

    @ObservationIgnored private lazy var recordForm = RecordForm(store: store) { [unowned self] typed in
        .interview(value: self.interview())
    }
    public var errors: [String: String] { recordForm.errors }
    public var busy: Bool { recordForm.busy }
    public var savedId: String? { recordForm.savedId }
    public private(set) var seal: SealStatus?
    private let store: FieldStore
    private let township: String
    private let caseId: String?
    private let now: () -> Date
    private let startedAt: Date
    private var endedAt: Date?

    public init(store: FieldStore, township: String, caseId: String? = nil, now: @escaping () -> Date = Date.init) {
        self.store = store
        self.township = township
        self.caseId = caseId
        self.now = now
        startedAt = now()
        inspectorNames = [store.identity().user, ""]
        signing = Signing(store: store, now: now)
    }

    public func ask() { exchanges.append(Exchange()) }

    private var draftRead = false
    private var settled: [String: String]?
    private var form: String { "interview:\(caseId ?? "new")" }

    /// What is typed, as the store's draft keeps it (the view keeps it a moment after each change).
    public var typed: [String: String] {
        var f: [String: String] = [
            "record": savedId ?? "", "name": name, "resident_id": residentId, "role": role, "phone": phone, "place": place,
        ]
        for (i, v) in inspectorNames.enumerated() { f["inspector.\(i)"] = v }
        for (i, v) in credentials.enumerated() { f["credential.\(i)"] = v }
        for (i, x) in exchanges.enumerated() {
            f["q.\(i)"] = x.question
            f["a.\(i)"] = x.answer
        }
        return f
    }

    /// Nothing typed is lost if the app is killed: kept in the encrypted store, never synced.
    public func keepDraft() async {
        guard draftRead else { return }
        let fields = typed
        // What was on the form when it was sealed is not a draft.
        if fields == settled { return }
        try? await store.keepDraft(form: form, fields: fields)
        // Sealed while this keep was under way: the discard may have gone first.
        if fields == settled { try? await store.discardDraft(form: form) }
    }

    /// What was typed before the app was killed; signatures come back from the draft record.
    public func restoreDraft() async {
        defer { draftRead = true }
        guard let f = try? await store.draft(form: form) else { return }
        name = f["name"] ?? ""
        residentId = f["resident_id"] ?? ""
        role = f["role"] ?? role
        phone = f["phone"] ?? ""
        place = f["place"] ?? ""
        for i in inspectorNames.indices { if let v = f["inspector.\(i)"] { inspectorNames[i] = v } }
        for i in credentials.indices { if let v = f["credential.\(i)"] { credentials[i] = v } }
        let n = f.keys.filter { $0.hasPrefix("q.") }.count
        if n > 0 { exchanges = (0..<n).map { Exchange(question: f["q.\($0)"] ?? "", answer: f["a.\($0)"] ?? "") } }
        if let id = f["record"], !id.isEmpty, case .interview(let saved)? = try? await store.get(id: id).record {
            recordForm.savedId = id
            signing.restore(saved.attachments, interviewee: saved.signatures.interviewee, inspectors: saved.signatures.inspectors, names: inspectorNames)
        }
    }

    public func save() async { await act { _ = try await self.write() } }

    public func confirmSignature() async {
        guard let signer = signing.open else { return }
        let who: String
        switch signer {
        case .inspector(let i): who = inspectorNames[i]
        default: who = name
        }
        if let p = signing.problem(name: who) {
            recordForm.errors = ["signature": p]
            return
        }
        await act {
            try await self.signing.keep(id: try await self.write(), name: who)
            _ = try await self.write()
        }
    }

    public func sealRecord() async {
        await act {
            if self.endedAt == nil { self.endedAt = self.now() }
            self.seal = try await self.store.seal(id: try await self.write())
            self.settled = self.typed
            try? await self.store.discardDraft(form: self.form)
        }
    }

    private func act(_ step: () async throws -> Void) async { await recordForm.act(step) }

    private func write() async throws -> String { try await recordForm.write() }

    private func interview() -> Interview {
        let typed = Typed()
        guard var r = try? newInterview(township: township) else {
            fatalError("the library makes an empty interview")
        }
        r.caseId = caseId
        r.interviewee = Interviewee(
            name: typed.text(name), residentId: typed.text(residentId),
            role: typed.text(role), phone: typed.text(phone))
        r.inspectors = inspectorNames.indices
            .filter { !inspectorNames[$0].isEmpty || !credentials[$0].isEmpty }
            .map { Inspector(name: inspectorNames[$0], credentialNumber: credentials[$0]) }
        r.startedAt = startedAt
        r.endedAt = endedAt
        r.place = typed.text(place)
        r.questions = exchanges
            .filter { !$0.question.isEmpty || !$0.answer.isEmpty }
            .map { QuestionAnswer(question: $0.question, answer: $0.answer) }
        r.signatures = InterviewSignatures(interviewee: signing.given[.interviewee], inspectors: signing.inspectors())
        r.attachments = signing.attached
        return r
    }
}
