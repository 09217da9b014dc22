import Fieldcase
import FieldcaseScreens
import SwiftUI

struct MediationView: View {
    @Bindable var model: MediationScreenModel
    @State private var declined = false
    @State private var paid = ""

    var body: some View {
        let e = model.errors
        let open = !model.busy && !model.sealed
        Form {
            if let s = model.stored {
                Text(Labels.status(s.ledgerStatus)).foregroundStyle(.tint)
                if let name = s.clockName, let due = s.dueOn { Text("\(name)：截止 \(due)") }
                if let seal = s.seal { SealView(seal: seal) }
            }
            if let p = e[""] { Text(p).foregroundStyle(.red) }
            Section("申请") {
                PathField(label: "申请人", text: $model.applicant, error: e["application.applicant"])
                PathField(label: "争议事项", text: $model.dispute, error: e["application.dispute"])
            }
            Section("劳动者（\(model.workers.count) 人）") {
                ForEach(model.workers.indices, id: \.self) { i in
                    PathField(label: "劳动者\(i + 1)姓名", text: $model.workers[i].name, error: e["workers.\(i).name"])
                    PathField(label: "身份证号码", text: $model.workers[i].residentId, error: e["workers.\(i).resident_id"], keyboard: .asciiCapable)
                    PathField(label: "主张金额（元）", text: $model.workers[i].claimYuan, error: e["workers.\(i).amount_claimed_fen"], keyboard: .decimalPad)
                }
                Button("再添加一名劳动者") { model.addWorker() }.disabled(!open)
            }
            Section("用人单位") {
                PathField(label: "单位名称", text: $model.employerName, error: e["employer.name"])
                PathField(label: "到场代表", text: $model.employerRepresentative, error: e["employer.representative"])
            }
            Section("调解") {
                PathField(label: "调解组织", text: $model.organisation, error: e["organisation"])
                PathField(label: "调解员", text: $model.mediator, error: e["mediator"])
                ForEach(Array(model.sessions.enumerated()), id: \.offset) { i, s in Text("第\(i + 1)次：\(s.notes)") }
                PathField(label: "本次调解情况", text: $model.sessionNotes, error: nil)
                Button("记录一次调解") { Task { await model.addSession() } }.disabled(!open)
            }
            Section("调解协议") {
                PathField(label: "协议金额（元）", text: $model.agreedYuan, error: e["agreement.agreed_amount_fen"], keyboard: .decimalPad)
                PathField(label: "支付日期（如 2026-12-10）", text: $model.paymentDate, error: e["agreement.payment_date"])
                PathField(label: "支付方式", text: $model.paymentMethod, error: e["agreement.payment_method"])
            }
            Section("签名（全部签名并盖章后协议生效）") {
                if let p = e["agreement.signatures"] { Text(p).foregroundStyle(.red) }
                ForEach(model.workers.indices, id: \.self) { i in
                    SignRow(signing: model.signing, signer: .worker(i), who: "劳动者：\(model.workers[i].name)",
                            error: e["agreement.signatures.workers.\(i)"], enabled: open) { Task { await model.confirmSignature() } }
                }
                SignRow(signing: model.signing, signer: .employer, who: "用人单位：\(model.employerRepresentative)",
                        error: e["agreement.signatures.employer"], enabled: open) { Task { await model.confirmSignature() } }
                SignRow(signing: model.signing, signer: .mediator, who: "调解员：\(model.mediator)",
                        error: e["agreement.signatures.mediator"], enabled: open) { Task { await model.confirmSignature() } }
                PathField(label: "盖章经办人", text: $model.organisationSealBy, error: nil)
                SignRow(signing: model.signing, signer: .organisationSeal, who: "调解组织盖章：\(model.organisationSealBy)",
                        error: e["agreement.signatures.organisation_seal"], enabled: open) { Task { await model.confirmSignature() } }
                if let p = e["signature"] { Text(p).foregroundStyle(.red) }
            }
            HStack {
                Button("保存") { Task { await model.save() } }.disabled(model.busy)
                Spacer()
                Button("签署生效") { Task { await model.sealAgreement() } }.buttonStyle(.borderedProminent).disabled(!open)
            }
            if model.sealed {
                Section("仲裁审查与履行") {
                    Toggle("双方不申请仲裁审查", isOn: $declined)
                    Button(declined ? "记录：不申请" : "记录：今日双方共同申请") {
                        Task { await model.recordReview(declined: declined, today: Date().formatted(.iso8601.year().month().day())) }
                    }
                    PathField(label: "实际支付金额（元）", text: $paid, error: e["performance.amount_paid_fen"], keyboard: .decimalPad)
                    Button("记录：按期支付") {
                        Task { await model.recordPerformance(.paidOnTime, paidYuan: paid, on: Date().formatted(.iso8601.year().month().day())) }
                    }
                }
            }
        }
        .navigationTitle("劳动争议调解")
    }
}
