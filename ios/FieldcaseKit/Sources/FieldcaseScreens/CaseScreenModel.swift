// A case page: the clock with its days left, follow-ups in a few taps, wage-claim lines, status
// changes, and closing with the resolution the core requires (the core writes the sign-off).
// As the Android CaseModel.
import Fieldcase
import Foundation
import Observation

public enum CaseWords {
    public static func label(_ k: FollowUpKind) -> String { followUpName(value: k) }

    public static func label(_ k: ResolutionKind) -> String { resolutionName(value: k) }

    public static func label(_ to: HandoverTo) -> String { handoverName(value: to) }

    public static let handoverTargets: [HandoverTo] = [.arbitration, .publicSecurity, .courtPaymentOrder, .department]
    public static let followUpKinds: [FollowUpKind] = [.visit, .interview, .petitionReception, .call]
    public static let resolutionKinds: [ResolutionKind] = [.paidInFull, .mediatedAgreementPerformed, .arbitrationAward, .court, .fundAdvance, .transferred]
}

@MainActor
@Observable
public final class CaseScreenModel {
    public private(set) var stored: StoredRecord?
    public var followUpKind: FollowUpKind = .visit
    public var followUpOutcome = ""
    public var claimName = ""
    public var claimResidentId = ""
    public var claimYuan = ""
    public var resolutionKind: ResolutionKind?
    public var resolvedOn: String
    public var paidYuan = ""
    public var reference = ""
    public var closing = false
    public var handoverTo: HandoverTo?
    public var receivingBody = ""
    public private(set) var errors: [String: String] = [:]
    public private(set) var busy = false
    public let id: String
    private let store: FieldStore
    private let now: () -> Date

    public init(store: FieldStore, id: String, now: @escaping () -> Date = Date.init) {
        self.store = store
        self.id = id
        self.now = now
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        f.dateFormat = "yyyy-MM-dd"
        resolvedOn = f.string(from: now())
    }

    public var record: Case? {
        guard case .case(let c) = stored?.record else { return nil }
        return c
    }

    /// The clock as the page says it (the core's words: its name, last day, and days left in
    /// its own days, or overdue).
    public var clockLine: String? { stored?.clockText }

    /// The status changes the core offers now (allowed, or why not): the page draws these.
    public var statusChoices: [StatusChoice] { stored?.statusChoices ?? [] }

    public func load() async {
        do { stored = try await store.get(id: id) } catch { errors = Labels.atFields(error) }
    }

    public func addFollowUp() async {
        guard var c = record else { return }
        if followUpOutcome.trimmingCharacters(in: .whitespaces).isEmpty {
            errors = ["follow_up": "请写下结果"]
            return
        }
        c.followUps.append(FollowUp(at: now(), kind: followUpKind, by: store.identity().user, outcome: followUpOutcome))
        if await write(c) { followUpOutcome = "" }
    }

    public func addClaim() async {
        guard var c = record else { return }
        var typed = Typed()
        let n = c.wageClaims.count
        let fen = typed.yuan("wage_claims.\(n).amount_owed_fen", claimYuan)
        if !typed.errors.isEmpty { errors = typed.errors; return }
        c.wageClaims.append(WageClaim(workerName: claimName, residentId: typed.text(claimResidentId), amountOwedFen: fen))
        if await write(c) {
            claimName = ""
            claimResidentId = ""
            claimYuan = ""
        }
    }

    /// Closes with the resolution; the core checks it and writes the sign-off as this user.
    public func close() async {
        var typed = Typed()
        let on = typed.date("resolution.on", resolvedOn)
        let paid = typed.yuan("resolution.amount_paid_fen", paidYuan)
        if !typed.errors.isEmpty { errors = typed.errors; return }
        let resolution = Resolution(kind: resolutionKind, on: on, amountPaidFen: paid, reference: typed.text(reference), note: nil)
        if await act({ _ = try await self.store.closeCase(id: self.id, resolution: resolution) }) { closing = false }
    }

    /// Gives the case one of the statuses the core offers; closing asks for the resolution
    /// (`closing` opens the form, `close()` sends it).
    public func choose(_ choice: StatusChoice) async {
        guard choice.allowed else { return }
        if choice.action == .close { closing = true; return }
        await act { _ = try await self.store.setStatus(id: self.id, to: choice.to) }
    }

    /// Records that the case was handed over (to arbitration, the police, a court, a department).
    public func handOver() async {
        guard var c = record else { return }
        guard let to = handoverTo else { errors = ["handover": "请选择移送给谁"]; return }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        f.dateFormat = "yyyy-MM-dd"
        c.handovers.append(Handover(to: to, department: nil, on: f.string(from: now()), receivingBody: receivingBody.trimmingCharacters(in: .whitespaces), reference: nil, outcome: nil))
        if await write(c) {
            handoverTo = nil
            receivingBody = ""
        }
    }

    private func write(_ c: Case) async -> Bool {
        await act { _ = try await self.store.updateRecord(id: self.id, record: .case(value: c)) }
    }

    @discardableResult
    private func act(_ step: @escaping () async throws -> Void) async -> Bool {
        errors = [:]
        busy = true
        defer { busy = false }
        do {
            try await step()
            stored = try await store.get(id: id)
            return true
        } catch {
            errors = Labels.atFields(error)
            return false
        }
    }
}
