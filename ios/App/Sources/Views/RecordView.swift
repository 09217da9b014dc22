import Fieldcase
import FieldcaseScreens
import SwiftUI

/// A record opened from the ledger: its kind, status, seal and who changed it when.
struct RecordView: View {
    let store: FieldStore
    let id: String
    @State private var stored: StoredRecord?
    @State private var history: [HistoryEntry] = []

    var body: some View {
        List {
            if let s = stored {
                Text(Labels.kind(s.kind)).font(.title3)
                Text(Labels.status(s.ledgerStatus)).foregroundStyle(.tint)
                if let seal = s.seal { SealView(seal: seal) }
                Section("修改记录") {
                    ForEach(history.reversed(), id: \.change) { h in
                        Text("\(h.at.formatted(date: .numeric, time: .shortened))　\(h.user)　\(h.action)")
                    }
                }
            }
        }
        // Current now and after every change (an edit here, a sync).
        .task {
            await load()
            for await _ in store.changes() { await load() }
        }
    }

    private func load() async {
        stored = try? await store.get(id: id)
        history = (try? await store.history(id: id)) ?? []
    }
}
