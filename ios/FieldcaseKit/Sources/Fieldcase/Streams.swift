// The store as SwiftUI screens use it: async sequences that refresh when records change, and
// a sync that a cancelled task stops.
import Foundation

/// An error reads as the core says it: `localizedDescription` is its Chinese sentence (what a
/// screen shows), `"\(error)"` its English one with the rule (for logs).
extension FieldError: CustomStringConvertible, CustomDebugStringConvertible {
    public var debugDescription: String { inChinese() }
}

/// Hands the library's change notices to an `AsyncStream`.
final class ChangeRelay: RecordListener, @unchecked Sendable {
    private let continuation: AsyncStream<[String]>.Continuation
    init(_ continuation: AsyncStream<[String]>.Continuation) { self.continuation = continuation }
    func recordsChanged(ids: [String]) { continuation.yield(ids) }
}

/// Where a sync stands, for a progress bar: records first, then attachments.
public struct SyncStep: Sendable, Equatable {
    public let phase: SyncPhase
    public let done: Int64
    public let total: Int64
}

final class ProgressRelay: SyncProgress, @unchecked Sendable {
    private let report: @Sendable (SyncStep) -> Void
    init(_ report: @escaping @Sendable (SyncStep) -> Void) { self.report = report }
    func progress(phase: SyncPhase, done: Int64, total: Int64) {
        report(SyncStep(phase: phase, done: done, total: total))
    }
}

extension FieldStore {
    /// The ids of records as they change (empty: many changed, e.g. after a sync), until the
    /// consuming task ends.
    public func changes() -> AsyncStream<[String]> {
        AsyncStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let handle = addListener(listener: ChangeRelay(continuation))
            continuation.onTermination = { _ in handle.stop() }
        }
    }

    /// The ledger for `query`, now and after every change (a burst of changes reads it once).
    public func ledger(_ query: LedgerQuery? = nil) -> AsyncThrowingStream<[LedgerRow], Error> {
        AsyncThrowingStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let changes = self.changes()
            let task = Task {
                do {
                    continuation.yield(try await self.list(query: query))
                    for await _ in changes {
                        continuation.yield(try await self.list(query: query))
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// One sync session with the hub. Cancelling the calling task stops the session at once
    /// (what arrived before is kept); `progress` is called on the library's threads.
    public func syncWith(
        _ transport: HubTransport, progress: (@Sendable (SyncStep) -> Void)? = nil
    ) async throws -> SyncReport {
        let token = CancelToken()
        return try await withTaskCancellationHandler {
            try await self.sync(transport: transport, progress: progress.map(ProgressRelay.init), cancel: token)
        } onCancel: {
            token.cancel()
        }
    }

    /// One sync session as a sequence of its steps, like the ledger's: iterating it runs the
    /// session and cancelling the iterating task stops it (what arrived is kept); it ends when
    /// the session does and throws what the session threw.
    public func syncSteps(_ transport: HubTransport) -> AsyncThrowingStream<SyncStep, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    _ = try await self.syncWith(transport) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
