import Fieldcase
import FieldcaseScreens
import SwiftUI

struct LedgerView: View {
    @Bindable var model: LedgerScreenModel
    let store: FieldStore
    @State private var search = ""

    var body: some View {
        List {
            Section {
                TextField("搜索：姓名、单位、身份证号或电话", text: $search)
                    .onChange(of: search) { _, text in Task { await model.type(text) } }
                ScrollView(.horizontal) {
                    HStack {
                        ForEach(LedgerFilter.allCases, id: \.self) { f in
                            Button(f.label) { Task { await model.choose(f) } }
                                .buttonStyle(.bordered).tint(model.filter == f && search.isEmpty ? .accentColor : .secondary)
                        }
                    }
                }
            }
            if let problem = model.problem { Text(problem).foregroundStyle(.red) }
            ForEach(model.rows, id: \.id) { row in
                NavigationLink { if row.kind == .case { CaseView(model: CaseScreenModel(store: store, id: row.id)) } else { RecordView(store: store, id: row.id) } } label: {
                VStack(alignment: .leading) {
                    Text(row.title).font(.headline)
                    HStack {
                        Text(Labels.status(row.status))
                        if let due = row.dueOn { Text("截止 \(due)") }
                        if row.overdue { Text("已逾期").foregroundStyle(.red) }
                        if row.conflicts > 0 { Text("冲突").foregroundStyle(.orange) }
                        if row.sealed { Text("已签章").foregroundStyle(.green) }
                    }.font(.subheadline)
                }
                }
                .onAppear { if row.id == model.rows.last?.id { Task { await model.loadMore() } } }
            }
        }
        .task { await model.refresh() }
    }
}
