// Joining the township hub, syncing with it, and settling conflicts: the join link (scanned or
// typed) read before anything is sent; where the phone stands (last sync, what waits to go,
// conflicts) with a session's progress, cancel and result; each conflicting field with its
// values side by side, who set each and when. As the Android Join/Sync/ConflictsModel.
import Fieldcase
import Foundation
import Observation

@MainActor
@Observable
public final class JoinScreenModel {
    public private(set) var link = ""
    public private(set) var info: JoinLinkInfo?
    public private(set) var problem: String?
    public private(set) var joining = false
    public private(set) var joined: FieldStore?
    private let dir: URL
    private let keys: KeyProvider
    private let transport: HubTransport

    public init(dir: URL, keys: KeyProvider, transport: HubTransport) {
        self.dir = dir
        self.keys = keys
        self.transport = transport
    }

    /// Typed or scanned: read at once, so a wrong link is said before anything is sent.
    public func enter(_ text: String) {
        link = text
        problem = nil
        info = text.isEmpty ? nil : try? parseJoinLink(link: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    public func join() async {
        guard info != nil else {
            problem = link.isEmpty ? "请扫描或输入加入链接" : "链接不对：应以 fieldcase://join 开头，由街镇办公室提供"
            return
        }
        joining = true
        defer { joining = false }
        do {
            joined = try await joinNewStore(dir: dir, keys: keys, link: link.trimmingCharacters(in: .whitespacesAndNewlines), transport: transport)
        } catch let e as FieldError where e.kind() == .unauthorised {
            problem = "加入码无效或已用过，请向街镇办公室重新领取"
        } catch {
            problem = Labels.failure(error)
        }
    }
}

@MainActor
@Observable
public final class SyncScreenModel {
    public private(set) var status: SyncStatus?
    public private(set) var running = false
    public private(set) var step: SyncStep?
    public private(set) var report: SyncReport?
    public private(set) var failure: String?
    public private(set) var offline = false
    private var task: Task<Void, Never>?
    private let store: FieldStore
    private let transport: HubTransport

    public init(store: FieldStore, transport: HubTransport) {
        self.store = store
        self.transport = transport
    }

    public func refresh() async {
        do { status = try await store.syncStatus() } catch { failure = Labels.failure(error) }
    }

    /// Keeps the status current while the screen shows (run it in the view's `.task`).
    public func follow() async {
        for await _ in store.changes() { await refresh() }
    }

    /// One session; cancelling the returned work (or `cancel()`) stops it and keeps what arrived.
    public func syncNow() async {
        guard !running else { return }
        running = true
        failure = nil
        report = nil
        step = nil
        let work = Task { @MainActor in
            do {
                report = try await store.syncWith(transport) { s in Task { @MainActor in self.step = s } }
                offline = false
            } catch {
                failure = Labels.failure(error)
                if (error as? FieldError)?.kind() == .network { offline = true }
            }
        }
        task = work
        await work.value
        running = false
        task = nil
        await refresh()
    }

    public func cancel() { task?.cancel() }

    /// What the last session did, in one line.
    public func summary(_ r: SyncReport) -> String {
        var s = "上传 \(r.recordsSent) 条，收到 \(r.recordsReceived) 条"
        if r.attachmentsSent + r.attachmentsReceived > 0 {
            s += "，附件上传 \(r.attachmentsSent) 个、收到 \(r.attachmentsReceived) 个"
        }
        if !r.refused.isEmpty { s += "；\(r.refused.count) 条被中心端拒收" }
        return s
    }
}

@MainActor
@Observable
public final class ConflictsScreenModel {
    public private(set) var items: [FieldConflict] = []
    public private(set) var problem: String?
    public private(set) var loading = false
    private let store: FieldStore

    public init(store: FieldStore) { self.store = store }

    public func load() async {
        loading = true
        defer { loading = false }
        do { items = try await store.conflicts() } catch { problem = Labels.failure(error) }
    }

    /// Keeps `choice`, one of the conflict's choices.
    public func choose(_ conflict: FieldConflict, _ choice: ConflictChoice) async {
        loading = true
        defer { loading = false }
        do {
            try await store.resolve(conflict: conflict, choice: choice)
            items = try await store.conflicts()
        } catch {
            problem = Labels.failure(error)
        }
    }

}
