// A case page: the clock with its days left, follow-ups in a few taps, wage-claim lines, status
// changes, and closing with the resolution the core requires (the core writes the sign-off).
// As the Android CaseModel.
import Fieldcase
import Foundation
import Observation

public enum CaseWords {
    public static func label(_ k: FollowUpKind) -> String {
        switch k {
        case .visit: return "下访"
        case .interview: return "约谈"
        case .petitionReception: return "接访"
        case .call: return "电话"
        }
    }

    public static func label(_ k: ResolutionKind) -> String {
        switch k {
        case .paidInFull: return "全额支付"
        case .mediatedAgreementPerformed: return "调解协议已履行"
        case .arbitrationAward: return "仲裁裁决"
        case .court: return "法院判决"
        case .fundAdvance: return "保障金垫付"
        case .transferred: return "移送"
        }
    }

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

    /// The clock as the page says it: its name, last day, and days left or overdue.
    public var clockLine: String? {
        guard let s = stored, let name = s.clockName, let due = s.dueOn else { return nil }
        let left = s.daysLeft ?? 0
        let unit = name.contains("工作日") ? "个工作日" : "天"
        return "\(name)：截止 \(due)，" + (left >= 0 ? "还剩 \(left) \(unit)" : "已逾期 \(-left) 天")
    }

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
        c.wageClaims.append(WageClaim(workerName: claimName, residentId: typed.text(claimResidentId)?.uppercased(), amountOwedFen: fen))
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
        await act { _ = try await self.store.closeCase(id: self.id, resolution: resolution) }
    }

    public func reopen() async {
        guard var c = record else { return }
        c.status = .inProgress
        _ = await write(c)
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
