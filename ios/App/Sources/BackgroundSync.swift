// Background sync: BGTaskScheduler runs one session with the township hub when iOS allows
// (with a network), the same library call as the sync screen; the task's expiry cancels it and
// what arrived is kept.
import BackgroundTasks
import Fieldcase
import Foundation

enum BackgroundSync {
    static let identifier = "org.fieldcase.sync"

    static func register(storeDir: URL) {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: identifier, using: nil) { task in
            schedule()
            let work = Task {
                do {
                    let store = try await openStore(dir: storeDir, keys: KeychainKeys())
                    if try await store.syncStatus().hub != nil {
                        _ = try await store.syncWith(URLSessionTransport())
                    }
                    task.setTaskCompleted(success: true)
                } catch {
                    task.setTaskCompleted(success: false)
                }
            }
            task.expirationHandler = { work.cancel() }
        }
    }

    /// Asks for the next run in 30 minutes at the earliest, with a network.
    static func schedule() {
        let request = BGProcessingTaskRequest(identifier: identifier)
        request.requiresNetworkConnectivity = true
        request.earliestBeginDate = Date(timeIntervalSinceNow: 30 * 60)
        try? BGTaskScheduler.shared.submit(request)
    }
}
