// The app: on first start the join screen (the office's QR code), then the ledger with the
// other screens a tap away. Each view draws its screen model from FieldcaseScreens.
import Fieldcase
import FieldcaseScreens
import SwiftUI

@main
struct FieldcaseApp: App {
    private let storeDir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        .appendingPathComponent("store").path
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
                } else if FileManager.default.fileExists(atPath: storeDir + "/fieldcase.db") {
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

    @ViewBuilder private var newRecordMenu: some View {
        let township = store.identity().township
        switch store.identity().role {
        case .inspector:
            Menu("新建") {
                NavigationLink("现场检查") { InspectionView(model: InspectionScreenModel(store: store, township: township)) }
                NavigationLink("询问笔录") { InterviewView(model: InterviewScreenModel(store: store, township: township)) }
                NavigationLink("突发事件") { IncidentView(model: IncidentScreenModel(store: store, township: township)) }
            }
        case .mediator:
            NavigationLink("新调解") { MediationView(model: MediationScreenModel(store: store, township: township)) }
        default:
            NavigationLink("记录事件") { IncidentView(model: IncidentScreenModel(store: store, township: township)) }
        }
    }
}
