import Fieldcase
import FieldcaseScreens
import SwiftUI

struct InterviewView: View {
    @Bindable var model: InterviewScreenModel

    var body: some View {
        let e = model.errors
        let open = !model.busy && model.seal == nil
        Form {
            if let seal = model.seal { SealView(seal: seal) }
            if let p = e[""] { Text(p).foregroundStyle(.red) }
            Section("被询问人") {
                PathField(label: "姓名", text: $model.name, error: e["interviewee.name"])
                PathField(label: "身份证号码", text: $model.residentId, error: e["interviewee.resident_id"], keyboard: .asciiCapable)
                PathField(label: "身份（劳动者、单位代表、班组长、证人）", text: $model.role, error: e["interviewee.role"])
                PathField(label: "手机号码", text: $model.phone, error: e["interviewee.phone"], keyboard: .phonePad)
                PathField(label: "询问地点", text: $model.place, error: e["place"])
            }
            Section("执法人员") {
                ForEach(model.inspectorNames.indices, id: \.self) { i in
                    PathField(label: "执法人员\(i + 1)姓名", text: $model.inspectorNames[i], error: e["inspectors.\(i).name"])
                    PathField(label: "执法证号", text: $model.credentials[i], error: e["inspectors.\(i).credential_number"])
                }
            }
            Section("问答") {
                ForEach(model.exchanges.indices, id: \.self) { i in
                    PathField(label: "问", text: $model.exchanges[i].question, error: e["questions.\(i).question"])
                    PathField(label: "答", text: $model.exchanges[i].answer, error: e["questions.\(i).answer"])
                }
                Button("再问一个问题") { model.ask() }
            }
            Section("签名") {
                SignRow(signing: model.signing, signer: .interviewee, who: "被询问人：\(model.name)",
                        error: e["signatures.interviewee"], enabled: open) { Task { await model.confirmSignature() } }
                ForEach(model.inspectorNames.indices, id: \.self) { i in
                    SignRow(signing: model.signing, signer: .inspector(i), who: "执法人员\(i + 1)：\(model.inspectorNames[i])",
                            error: e["inspectors.\(i).signature"], enabled: open) { Task { await model.confirmSignature() } }
                }
            }
            HStack {
                Button("保存") { Task { await model.save() } }.disabled(model.busy)
                Spacer()
                Button("签署封存") { Task { await model.sealRecord() } }.buttonStyle(.borderedProminent).disabled(!open)
            }
        }
        .navigationTitle("询问笔录")
        .task { await model.restoreDraft() }
        .task(id: model.typed) {
            try? await Task.sleep(nanoseconds: 300_000_000)
            if !Task.isCancelled { await model.keepDraft() }
        }
    }
}
