import Fieldcase
import FieldcaseScreens
import SwiftUI

struct InspectionView: View {
    @Bindable var model: InspectionScreenModel

    var body: some View {
        let e = model.errors
        let open = !model.busy && model.seal == nil
        Form {
            if let seal = model.seal { SealView(seal: seal) }
            if let p = e[""] { Text(p).foregroundStyle(.red) }
            PathField(label: "检查对象（项目或单位）", text: $model.siteName, error: e["site_name"])
            PathField(label: "地点", text: $model.address, error: e["address"])
            Section("执法人员（两人以上，须有执法证号）") {
                if let p = e["inspectors"] { Text(p).foregroundStyle(.red) }
                ForEach(model.inspectorNames.indices, id: \.self) { i in
                    PathField(label: "执法人员\(i + 1)姓名", text: $model.inspectorNames[i], error: e["inspectors.\(i).name"])
                    PathField(label: "执法证号", text: $model.credentials[i], error: e["inspectors.\(i).credential_number"])
                }
                PathField(label: "在场人数", text: $model.headcountOnSite, error: e["headcount_on_site"], keyboard: .numberPad)
            }
            Section("检查事项") {
                ForEach(Array(Check.allCases.enumerated()), id: \.element) { n, check in
                    VStack(alignment: .leading) {
                        Text("\(n + 1). \(check.label)")
                        Picker("", selection: Binding(get: { model.results[check] ?? .unchecked }, set: { model.results[check] = $0 })) {
                            Text("符合").tag(CheckResult.compliant)
                            Text("不符合").tag(CheckResult.nonCompliant)
                            Text("不适用").tag(CheckResult.notApplicable)
                        }.pickerStyle(.segmented)
                        if let p = e["checklist.\(check.rawValue).result"] { Text(p).foregroundStyle(.red) }
                        if model.results[check] == .nonCompliant {
                            PathField(label: "发现的问题", text: Binding(get: { model.notes[check] ?? "" }, set: { model.notes[check] = $0 }),
                                      error: e["checklist.\(check.rawValue).note"])
                        }
                    }
                }
            }
            PathField(label: "检查发现", text: $model.findings, error: e["findings"])
            if let p = e["correction_order"] { Text(p).foregroundStyle(.red) }
            PathField(label: "责令改正事项", text: $model.correctionRequired, error: e["correction_order.required"])
            PathField(label: "改正期限（如 2026-12-10）", text: $model.correctionDeadline, error: e["correction_order.deadline"])
            Section("签名") {
                ForEach(model.inspectorNames.indices, id: \.self) { i in
                    SignRow(signing: model.signing, signer: .inspector(i), who: "执法人员\(i + 1)：\(model.inspectorNames[i])",
                            error: e["inspectors.\(i).signature"], enabled: open) { Task { await model.confirmSignature() } }
                }
                PathField(label: "用人单位代表姓名", text: $model.representative, error: nil)
                SignRow(signing: model.signing, signer: .representative, who: "用人单位代表：\(model.representative)",
                        error: e["signatures.employer_representative"], enabled: open) { Task { await model.confirmSignature() } }
                Toggle("代表拒绝签名", isOn: $model.representativeRefused)
                if model.representativeRefused { PathField(label: "拒签情况说明", text: $model.refusalNote, error: e["signatures.refusal_note"]) }
                if let p = e["signature"] { Text(p).foregroundStyle(.red) }
            }
            HStack {
                Button("保存") { Task { await model.save() } }.disabled(model.busy)
                Spacer()
                Button("签署封存") { Task { await model.sealRecord() } }.buttonStyle(.borderedProminent).disabled(!open)
            }
        }
        .navigationTitle("现场检查笔录")
    }
}
