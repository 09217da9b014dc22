// The app: on first start the join screen (the office's QR code), then the ledger with the
// other screens a tap away. Each view draws its screen model from FieldcaseScreens.
import Fieldcase
import FieldcaseScreens
import SwiftUI

@main
struct FieldcaseApp: App {
    private let storeDir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        .appendingPathComponent("store")
    @State private var store: FieldStore?
    @State private var problem: String?

    init() {
        BackgroundSync.register(storeDir: storeDir)
    }

    var body: some Scene {
        WindowGroup {
            Group {
                if let store {
                    HomeView(store: store)
                } else if FileManager.default.fileExists(atPath: storeDir.appendingPathComponent("fieldcase.db").path) {
                    Text(problem ?? "正在打开…").task {
                        do { store = try await openStore(dir: storeDir, keys: KeychainKeys()) } catch { problem = Labels.failure(error) }
                    }
                } else {
                    JoinView(model: JoinScreenModel(dir: storeDir, keys: KeychainKeys(), transport: URLSessionTransport())) { store = $0 }
                }
            }
            .onAppear { BackgroundSync.schedule() }
        }
    }
}

/// The ledger, with what the device's role records and the sync and conflicts screens.
struct HomeView: View {
    let store: FieldStore
    @State private var ledger: LedgerScreenModel
    private let transport = URLSessionTransport()

    init(store: FieldStore) {
        self.store = store
        _ledger = State(initialValue: LedgerScreenModel(store: store, me: store.identity().user))
    }

    var body: some View {
        NavigationStack {
            LedgerView(model: ledger, store: store)
                .navigationTitle("\(store.identity().township) · 台账")
                .toolbar {
                    ToolbarItem(placement: .topBarLeading) {
                        NavigationLink("同步") { SyncView(model: SyncScreenModel(store: store, transport: transport), store: store) }
                    }
                    ToolbarItem(placement: .topBarTrailing) { newRecordMenu }
                }
        }
    }

    /// What this person may record (the core says which kinds), each with its form; cases,
    /// employers and the calendar are the office's.
    @ViewBuilder private var newRecordMenu: some View {
        let township = store.identity().township
        let kinds = creatableKinds(role: store.identity().role).filter { [.inspection, .interview, .incident, .mediation].contains($0) }
        Menu(store.identity().role == .grid ? "记录事件" : "新建") {
            ForEach(kinds, id: \.self) { kind in
                NavigationLink(kindName(kind: kind)) { form(kind, township: township) }
            }
        }
    }

    @ViewBuilder private func form(_ kind: Kind, township: String) -> some View {
        switch kind {
        case .inspection: InspectionView(model: InspectionScreenModel(store: store, township: township))
        case .interview: InterviewView(model: InterviewScreenModel(store: store, township: township))
        case .mediation: MediationView(model: MediationScreenModel(store: store, township: township))
        default: IncidentView(model: IncidentScreenModel(store: store, township: township))
        }
    }
}
