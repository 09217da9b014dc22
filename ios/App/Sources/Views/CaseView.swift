import Fieldcase
import FieldcaseScreens
import SwiftUI

struct CaseView: View {
    @Bindable var model: CaseScreenModel

    var body: some View {
        let e = model.errors
        Form {
            if let c = model.record, let s = model.stored {
                Section {
                    Text(c.subject ?? "欠薪案件").font(.title3)
                    Text(Labels.status(s.ledgerStatus)).foregroundStyle(.tint)
                    if let clock = model.clockLine { Text(clock).foregroundStyle((s.daysLeft ?? 0) < 0 ? .red : .primary) }
                    LabeledContent("用人单位", value: c.employerName ?? "—")
                    LabeledContent("涉及人数", value: c.workersInvolved.map { "\($0) 人" } ?? "—")
                    LabeledContent("欠薪金额", value: c.amountOwedFen.map { yuan(fen: $0) + " 元" } ?? "—")
                    LabeledContent("包案领导", value: c.responsibleLeader ?? "—")
                    LabeledContent("责任人", value: c.responsiblePerson ?? "—")
                    if let p = e[""] ?? e["status"] { Text(p).foregroundStyle(.red) }
                }
                Section("跟进记录") {
                    ForEach(Array(c.followUps.enumerated()), id: \.offset) { _, f in
                        Text("\(CaseWords.label(f.kind))　\(f.by)：\(f.outcome)")
                    }
                    Picker("方式", selection: $model.followUpKind) {
                        ForEach(CaseWords.followUpKinds, id: \.self) { Text(CaseWords.label($0)).tag($0) }
                    }.pickerStyle(.segmented)
                    PathField(label: "结果（谈了什么、对方怎么说）", text: $model.followUpOutcome, error: e["follow_up"])
                    Button("添加跟进") { Task { await model.addFollowUp() } }.disabled(model.busy)
                }
                Section("工资诉求（\(c.wageClaims.count) 人）") {
                    ForEach(Array(c.wageClaims.enumerated()), id: \.offset) { _, w in
                        Text("\(w.workerName)　\(w.amountOwedFen.map { yuan(fen: $0) + " 元" } ?? "")")
                    }
                    let n = c.wageClaims.count
                    PathField(label: "劳动者姓名", text: $model.claimName, error: e["wage_claims.\(n).worker_name"])
                    PathField(label: "身份证号码", text: $model.claimResidentId, error: e["wage_claims.\(n).resident_id"], keyboard: .asciiCapable)
                    PathField(label: "被欠金额（元）", text: $model.claimYuan, error: e["wage_claims.\(n).amount_owed_fen"], keyboard: .decimalPad)
                    Button("添加一人") { Task { await model.addClaim() } }.disabled(model.busy)
                }
                Section("移送") {
                    ForEach(Array(c.handovers.enumerated()), id: \.offset) { _, h in
                        Text("\(h.on ?? "")　\(CaseWords.label(h.to))　\(h.receivingBody)")
                    }
                    Picker("移送给", selection: $model.handoverTo) {
                        Text("请选择").tag(HandoverTo?.none)
                        ForEach(CaseWords.handoverTargets, id: \.self) { Text(CaseWords.label($0)).tag(Optional($0)) }
                    }
                    if let p = e["handover"] { Text(p).foregroundStyle(.red) }
                    if model.handoverTo != nil {
                        PathField(label: "接收单位", text: $model.receivingBody, error: e["handovers.\(c.handovers.count).receiving_body"])
                        Button("记录移送") { Task { await model.handOver() } }.disabled(model.busy)
                    }
                }
                // The status changes are the core's (what the case may become now, and who may).
                Section {
                    if c.status == .closed, let so = c.signOff { Text("已销账：\(so.by)") }
                    ForEach(model.statusChoices, id: \.label) { choice in
                        Button(choice.action == .close ? choice.label + "…" : choice.label) { Task { await model.choose(choice) } }
                            .disabled(!choice.allowed || model.busy)
                        if let why = choice.whyNot { Text(why).font(.footnote).foregroundStyle(.red) }
                    }
                }
                if model.closing {
                    Section("办结销账：隐患不消除不销账") {
                        Picker("化解方式", selection: $model.resolutionKind) {
                            Text("请选择").tag(ResolutionKind?.none)
                            ForEach(CaseWords.resolutionKinds, id: \.self) { Text(CaseWords.label($0)).tag(Optional($0)) }
                        }
                        if let p = e["resolution.kind"] ?? e["resolution"] { Text(p).foregroundStyle(.red) }
                        PathField(label: "化解日期", text: $model.resolvedOn, error: e["resolution.on"])
                        PathField(label: "实际支付金额（元）", text: $model.paidYuan, error: e["resolution.amount_paid_fen"], keyboard: .decimalPad)
                        PathField(label: "依据（协议、裁决书或判决书编号）", text: $model.reference, error: e["resolution.reference"])
                        Button("确认办结") { Task { await model.close() } }.buttonStyle(.borderedProminent).disabled(model.busy)
                        Button("取消") { model.closing = false }
                    }
                }
            } else {
                Text("正在读取…")
            }
        }
        .task { await model.load() }
    }
}
