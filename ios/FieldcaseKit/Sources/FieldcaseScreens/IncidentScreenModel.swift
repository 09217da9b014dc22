// Incident quick capture for the grid assistant on scene: almost nothing required, 元 typed and
// fen kept, risk chips, one-tap escalation times, a photo and the position; a value the core
// refuses stands at its field and nothing typed is lost. As the Android app's IncidentModel.
import Fieldcase
import Foundation
import Observation

public enum Step: String, CaseIterable, Sendable {
    case gridArrived = "grid_arrived", inspectorNotified = "inspector_notified", inspectorArrived = "inspector_arrived", leadingGroup = "leading_group"

    public var label: String {
        switch self {
        case .gridArrived: return "已到场"
        case .inspectorNotified: return "已通知监察员"
        case .inspectorArrived: return "监察员已到场"
        case .leadingGroup: return "已上报领导小组"
        }
    }
}

@MainActor
@Observable
public final class IncidentScreenModel {
    public var headcount = ""
    public var employer = ""
    public var amountYuan = ""
    public var monthsOwed = ""
    public var address = ""
    public var demands = ""
    public var representative = ""
    public var representativePhone = ""
    public var riskSigns: Set<RiskSign> = []
    public private(set) var steps: [Step: Date] = [:]
    public private(set) var location: Location?
    public private(set) var attached: [AttachmentRef] = []
    private var pendingPhotos: [Data] = []
    private var draftRead = false
    private var settled: [String: String]?

    /// Messages by field path (the core's `field`), shown at the field.
    public private(set) var errors: [String: String] = [:]
    public private(set) var saving = false
    public private(set) var savedId: String?
    private let store: FieldStore
    private let township: String
    private let now: () -> Date
    private let reportedAt: Date

    public init(store: FieldStore, township: String, now: @escaping () -> Date = Date.init) {
        self.store = store
        self.township = township
        self.now = now
        reportedAt = now()
    }

    /// The risk signs, in the order the chips show them.
    public static let signs: [RiskSign] = [.blockingRoadOrGate, .threatsOfExtremeActs, .mediaPresent, .crossDistrictWorkers]

    public static func label(_ sign: RiskSign) -> String { riskSignName(value: sign) }

    /// A risk sign as the core writes it (and both phones' drafts keep it).
    static func code(_ sign: RiskSign) -> String {
        switch sign {
        case .blockingRoadOrGate: return "blocking_road_or_gate"
        case .threatsOfExtremeActs: return "threats_of_extreme_acts"
        case .mediaPresent: return "media_present"
        case .crossDistrictWorkers: return "cross_district_workers"
        }
    }

    /// What is typed, as the store's draft keeps it (the view keeps it a moment after each change).
    public var typed: [String: String] {
        [
            "headcount": headcount, "employer": employer, "amount": amountYuan, "months": monthsOwed,
            "address": address, "demands": demands, "representative": representative,
            "representative_phone": representativePhone,
            // One draft format on both phones (tests/fixtures/incident-draft.json): the core's codes.
            "risk": Self.signs.filter { riskSigns.contains($0) }.map(Self.code).joined(separator: ","),
            "steps": Step.allCases.compactMap { s in steps[s].map { "\(s.rawValue)=\(Int64(($0.timeIntervalSince1970 * 1000).rounded()))" } }.joined(separator: ","),
            "record": savedId ?? "",
        ]
    }

    /// Nothing typed is lost if the app is killed: kept in the encrypted store, never synced.
    public func keepDraft() async {
        // Before the last draft was read back, an empty form must not replace it.
        guard draftRead else { return }
        let fields = typed
        // What was on the form when it was saved is not a draft.
        if fields == settled { return }
        if fields.values.allSatisfy(\.isEmpty) { try? await store.discardDraft(form: "incident"); return }
        try? await store.keepDraft(form: "incident", fields: fields)
        // Saved while this keep was under way: the discard may have gone first.
        if fields == settled { try? await store.discardDraft(form: "incident") }
    }

    /// What was typed before the app was killed, if anything.
    public func restoreDraft() async {
        defer { draftRead = true }
        guard let f = try? await store.draft(form: "incident") else { return }
        restore(f)
    }

    /// Puts back a draft's fields (the same format the Android app keeps).
    public func restore(_ f: [String: String]) {
        headcount = f["headcount"] ?? ""
        employer = f["employer"] ?? ""
        amountYuan = f["amount"] ?? ""
        monthsOwed = f["months"] ?? ""
        address = f["address"] ?? ""
        demands = f["demands"] ?? ""
        representative = f["representative"] ?? ""
        representativePhone = f["representative_phone"] ?? ""
        let risk = (f["risk"] ?? "").split(separator: ",").map(String.init)
        riskSigns = Set(Self.signs.enumerated().filter { i, sign in risk.contains(Self.code(sign)) || risk.contains(String(i)) }.map(\.element))
        steps = [:]
        for entry in (f["steps"] ?? "").split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let step = Step(rawValue: parts[0]), let millis = Int64(parts[1]) else { continue }
            steps[step] = Date(timeIntervalSince1970: Double(millis) / 1000)
        }
        savedId = f["record"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public func toggle(_ sign: RiskSign) {
        if riskSigns.contains(sign) { riskSigns.remove(sign) } else { riskSigns.insert(sign) }
    }

    /// One tap: the step happened now.
    public func mark(_ step: Step) {
        if steps[step] == nil { steps[step] = now() }
    }

    /// A photo from the camera (JPEG): kept with the incident when it is saved.
    public func addPhoto(_ jpeg: Data) {
        pendingPhotos.append(jpeg)
    }

    public var photoCount: Int { attached.count + pendingPhotos.count }

    public func locate(lat: Double, lon: Double, accuracyM: Double?) {
        location = Location(lat: lat, lon: lon, accuracyM: accuracyM, source: .gps)
    }

    public func save() async {
        errors = [:]
        var typed = Typed()
        let people = typed.count("headcount", headcount)
        let months = typed.count("months_owed", monthsOwed)
        let fen = typed.yuan("amount_claimed_fen", amountYuan)
        if !typed.errors.isEmpty {
            errors = typed.errors
            return
        }
        guard var incident = try? newIncident(township: township) else { return }
        incident.status = .reported
        incident.reportedAt = reportedAt
        incident.headcount = people
        incident.employerName = typed.text(employer)
        incident.amountClaimedFen = fen
        incident.monthsOwed = months
        incident.address = typed.text(address)
        incident.demands = typed.text(demands)
        incident.representatives = representative.isEmpty && representativePhone.isEmpty
            ? [] : [Representative(name: representative, phone: typed.text(representativePhone))]
        incident.riskSigns = Self.signs.filter { riskSigns.contains($0) }
        incident.location = location
        incident.attachments = attached
        incident.escalation = Escalation(
            gridAssistantArrivedAt: steps[.gridArrived],
            inspectorNotifiedAt: steps[.inspectorNotified],
            inspectorArrivedAt: steps[.inspectorArrived],
            escalatedToLeadingGroupAt: steps[.leadingGroup])
        saving = true
        defer { saving = false }
        do {
            if let id = savedId {
                _ = try await store.updateRecord(id: id, record: .incident(value: incident))
            } else {
                savedId = try await store.createRecord(record: .incident(value: incident)).id
            }
            while let photo = pendingPhotos.first, let id = savedId {
                let ref = try await store.attach(id: id, bytes: photo, name: "photo.jpg", mime: "image/jpeg", purpose: "photo")
                pendingPhotos.removeFirst()
                if !attached.contains(where: { $0.sha256 == ref.sha256 }) { attached.append(ref) }
            }
            settled = self.typed
            try? await store.discardDraft(form: "incident")
        } catch {
            errors = Labels.atFields(error)
        }
    }
}
