// Mediation by the mediator: the application, the parties (each worker with ID and amount),
// sessions, the agreement's terms, the five signatures, signing; afterwards the review (applied
// or declined) and performance. As the Android MediationModel.
import Fieldcase
import Foundation
import Observation

public struct PartyRow: Sendable, Equatable {
    public var name = ""
    public var residentId = ""
    public var claimYuan = ""
    public init() {}
}

@MainActor
@Observable
public final class MediationScreenModel {
    public var applicant = ""
    public var dispute = ""
    public var workers = [PartyRow()]
    public var employerName = ""
    public var employerRepresentative = ""
    public var organisation = ""
    public var mediator: String
    public private(set) var sessions: [Session] = []
    public var sessionNotes = ""
    public var agreedYuan = ""
    public var paymentDate = ""
    public var paymentMethod = ""
    public var organisationSealBy = ""
    public let signing: Signing
    @ObservationIgnored private lazy var recordForm = RecordForm(store: store) { [unowned self] typed in
        .mediation(value: self.mediation(&typed))
    }
    public var errors: [String: String] { recordForm.errors }
    public var busy: Bool { recordForm.busy }
    public var savedId: String? { recordForm.savedId }
    public private(set) var stored: StoredRecord?
    private let store: FieldStore
    private let township: String
    private let now: () -> Date
    private let receivedAt: Date

    public init(store: FieldStore, township: String, now: @escaping () -> Date = Date.init) {
        self.store = store
        self.township = township
        self.now = now
        receivedAt = now()
        mediator = store.identity().user
        signing = Signing(store: store, now: now)
    }

    public var sealed: Bool { stored?.seal != nil }

    public func addWorker() { workers.append(PartyRow()) }

    public func addSession() async {
        sessions.append(Session(at: now(), place: nil, notes: sessionNotes))
        sessionNotes = ""
        await save()
    }

    public func save() async { await act { _ = try await self.write() } }

    public func confirmSignature() async {
        guard let signer = signing.open else { return }
        let who: String
        switch signer {
        case .worker(let i): who = workers[i].name
        case .employer: who = employerRepresentative.isEmpty ? employerName : employerRepresentative
        case .mediator: who = mediator
        case .organisationSeal: who = organisationSealBy
        default: who = ""
        }
        if let p = signing.problem(name: who) { recordForm.errors = ["signature": p]; return }
        await act {
            try await self.signing.keep(id: try await self.write(), name: who)
            _ = try await self.write()
        }
    }

    /// Signing seals it: the core checks the signatures and the terms.
    public func sealAgreement() async { await act { _ = try await self.store.seal(id: try await self.write()) } }

    public func recordReview(declined: Bool, today: String) async {
        guard let id = savedId else { return }
        await act {
            _ = try await self.store.recordReview(id: id, review: ArbitrationReview(
                appliedOn: declined ? nil : today, jointApplication: !declined, declined: declined, outcome: nil, outcomeOn: nil, note: nil))
        }
    }

    public func recordPerformance(_ result: PerformanceResult, paidYuan: String, on: String) async {
        guard let id = savedId else { return }
        var typed = Typed()
        let paid = typed.yuan("performance.amount_paid_fen", paidYuan)
        if !typed.errors.isEmpty { recordForm.errors = typed.errors; return }
        await act {
            _ = try await self.store.recordPerformance(id: id, performance: Performance(on: on, result: result, amountPaidFen: paid, note: nil))
        }
    }

    /// Each step, then the record as the core now has it (its seal and clock).
    private func act(_ step: () async throws -> Void) async {
        await recordForm.act {
            try await step()
            if let id = savedId { stored = try await store.get(id: id) }
        }
    }

    private func write() async throws -> String { try await recordForm.write() }

    private func mediation(_ typed: inout Typed) -> Mediation {
        guard var m = try? newMediation(township: township) else {
            fatalError("the library makes an empty mediation")
        }
        m.application = Application(receivedAt: receivedAt, channel: .offline, form: .oral, applicant: typed.text(applicant), dispute: typed.text(dispute))
        m.workers = workers.enumerated().compactMap { i, w in
            if w.name.isEmpty && w.residentId.isEmpty && w.claimYuan.isEmpty { return nil }
            return WorkerParty(name: w.name, residentId: typed.text(w.residentId),
                               amountClaimedFen: typed.yuan("workers.\(i).amount_claimed_fen", w.claimYuan))
        }
        m.employer = EmployerParty(name: typed.text(employerName), representative: typed.text(employerRepresentative))
        m.organisation = typed.text(organisation)
        m.mediator = typed.text(mediator)
        m.sessions = sessions
        let agreed = typed.yuan("agreement.agreed_amount_fen", agreedYuan)
        let payDay = typed.date("agreement.payment_date", paymentDate)
        if agreed != nil || payDay != nil || !signing.given.isEmpty {
            m.agreement = Agreement(
                agreedAmountFen: agreed, paymentDate: payDay, paymentMethod: typed.text(paymentMethod),
                signatures: AgreementSignatures(
                    workers: signing.workers(), employer: signing.given[.employer],
                    mediator: signing.given[.mediator], organisationSeal: signing.given[.organisationSeal]))
        }
        m.attachments = signing.attached
        return m
    }
}
