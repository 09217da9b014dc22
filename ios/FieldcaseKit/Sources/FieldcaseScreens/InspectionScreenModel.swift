// A site inspection: the eight checks, two inspectors with credential numbers, findings and the
// correction order, signatures drawn on screen, sealing; once sealed, any edit is refused by the
// core with its reason shown. As the Android app's InspectionModel.
import Fieldcase
import Foundation
import Observation

/// The eight checks of the 2020 regulations, with the record field each one fills.
public enum Check: String, CaseIterable, Sendable {
    case realName = "real_name_and_contracts"
    case wageAccount = "wage_account"
    case labourCost = "labour_cost_separate"
    case contractorPays = "contractor_pays_wages"
    case deposit = "wage_guarantee_deposit"
    case noticeBoard = "rights_notice_board"
    case payrollKept = "payroll_kept_three_years"
    case paidPersonally = "paid_in_money_personally"

    /// The item's name, from the core's table (the same on Android and the office's pages).
    public var label: String { fieldName(path: "checklist.\(rawValue)") ?? rawValue }
}

@MainActor
@Observable
public final class InspectionScreenModel {
    public var siteName = ""
    public var address = ""
    public var headcountOnSite = ""
    public var inspectorNames: [String]
    public var credentials = ["", ""]
    public var results: [Check: CheckResult] = [:]
    public var notes: [Check: String] = [:]
    public var findings = ""
    public var correctionRequired = ""
    public var correctionDeadline = ""
    public var representative = ""
    public var representativeRefused = false
    public var refusalNote = ""
    public let signing: Signing

    @ObservationIgnored private lazy var recordForm = RecordForm(store: store) { [unowned self] typed in
        .inspection(value: self.inspection(&typed))
    }
    public var errors: [String: String] { recordForm.errors }
    public var busy: Bool { recordForm.busy }
    public var savedId: String? { recordForm.savedId }
    public private(set) var seal: SealStatus?
    private let store: FieldStore
    private let township: String
    private let now: () -> Date
    private let startedAt: Date
    private var endedAt: Date?

    public init(store: FieldStore, township: String, now: @escaping () -> Date = Date.init) {
        self.store = store
        self.township = township
        self.now = now
        startedAt = now()
        inspectorNames = [store.identity().user, ""]
        signing = Signing(store: store, now: now)
    }

    public func save() async { await act { _ = try await self.write() } }

    public func confirmSignature() async {
        guard let signer = signing.open else { return }
        let name: String
        switch signer {
        case .inspector(let i): name = inspectorNames[i]
        default: name = representative
        }
        if let p = signing.problem(name: name) {
            recordForm.errors = ["signature": p]
            return
        }
        await act {
            try await self.signing.keep(id: try await self.write(), name: name)
            _ = try await self.write()
        }
    }

    /// Signs and freezes the record: the core checks it whole and says what is missing.
    public func sealRecord() async {
        await act {
            if self.endedAt == nil { self.endedAt = self.now() }
            self.seal = try await self.store.seal(id: try await self.write())
        }
    }

    private func act(_ step: () async throws -> Void) async { await recordForm.act(step) }

    private func write() async throws -> String { try await recordForm.write() }

    private func inspection(_ typed: inout Typed) -> Inspection {
        guard var r = try? newInspection(township: township) else {
            fatalError("the library makes an empty inspection")
        }
        let onSite = typed.count("headcount_on_site", headcountOnSite)
        let deadline = typed.date("correction_order.deadline", correctionDeadline)
        func item(_ c: Check) -> ChecklistItem {
            ChecklistItem(result: results[c] ?? .unchecked, note: typed.text(notes[c] ?? ""), photos: [])
        }
        r.siteName = typed.text(siteName)
        r.address = typed.text(address)
        r.inspectors = inspectorNames.indices
            .filter { !inspectorNames[$0].isEmpty || !credentials[$0].isEmpty }
            .map { Inspector(name: inspectorNames[$0], credentialNumber: credentials[$0]) }
        r.startedAt = startedAt
        r.endedAt = endedAt
        r.headcountOnSite = onSite
        r.checklist = WageChecklist(
            realNameAndContracts: item(.realName), wageAccount: item(.wageAccount), labourCostSeparate: item(.labourCost),
            contractorPaysWages: item(.contractorPays), wageGuaranteeDeposit: item(.deposit),
            rightsNoticeBoard: item(.noticeBoard), payrollKeptThreeYears: item(.payrollKept),
            paidInMoneyPersonally: item(.paidPersonally))
        r.findings = typed.text(findings)
        r.correctionOrder = correctionRequired.isEmpty && deadline == nil
            ? nil : CorrectionOrder(required: correctionRequired, deadline: deadline)
        r.signatures = InspectionSignatures(
            employerRepresentative: signing.given[.representative],
            representativeRefused: representativeRefused,
            refusalNote: typed.text(refusalNote),
            inspectors: signing.inspectors())
        r.attachments = signing.attached
        return r
    }
}
