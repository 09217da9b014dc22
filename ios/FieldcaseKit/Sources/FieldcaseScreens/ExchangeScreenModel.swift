// Exchange with a colleague, phone to phone, with no network: show this phone's one-time code
// and wait, or take the colleague's (scanned or typed) and run the exchange; then what came and
// went, in the core's words, and what was refused and why. As the Android ExchangeModel. The
// radio is the app's: joining an Android colleague's hotspot (NEHotspotConfiguration), or
// carrying the stream itself between iPhones (Network.framework, through `PeerExchange`).
import Fieldcase
import Foundation
import Observation

/// What an exchange needs of the phone's radio; the app gives one, the tests none (loopback).
public protocol LocalRadio: AnyObject, Sendable {
    /// Joins the hotspot a scanned code names.
    func join(name: String, password: String) async throws
}

@MainActor
@Observable
public final class ExchangeScreenModel {
    /// The code this phone shows while it waits for its colleague.
    public private(set) var shown: ExchangeCode?
    /// The code typed or scanned from the colleague's screen.
    public var typed = ""
    public private(set) var running = false
    public private(set) var report: ExchangeReport?
    public private(set) var failure: String?
    private let store: FieldStore
    private let radio: LocalRadio?
    private let listenAt: String
    private var task: Task<Void, Never>?

    public init(store: FieldStore, radio: LocalRadio? = nil, listenAt: String = "0.0.0.0:0") {
        self.store = store
        self.radio = radio
        self.listenAt = listenAt
    }

    /// Shows this phone's code and waits for the colleague who scans it.
    public func show() async {
        guard !running else { return }
        begin()
        defer { end() }
        do {
            let listener = try store.listenForColleague(address: listenAt)
            shown = listener.code()
            report = try await listener.accept()
        } catch {
            failure = Labels.failure(error)
        }
    }

    /// Runs the exchange with the colleague whose code was scanned or typed.
    public func connect(_ code: String? = nil) async {
        guard !running else { return }
        begin()
        defer { end() }
        do {
            let read = try readExchangeCode(text: (code ?? typed).trimmingCharacters(in: .whitespacesAndNewlines))
            if let radio, let name = read.networkName, let password = read.networkPassword {
                try await radio.join(name: name, password: password)
            }
            report = try await store.exchangeWith(code: read.text)
            typed = ""
        } catch {
            failure = Labels.failure(error)
        }
    }

    /// Starts `show` or `connect` as a task the screen can cancel.
    public func start(_ work: @escaping @MainActor (ExchangeScreenModel) async -> Void) {
        task = Task { await work(self) }
    }

    /// Stops waiting or exchanging; what arrived stays.
    public func cancel() { task?.cancel() }

    private func begin() {
        running = true
        report = nil
        failure = nil
    }

    private func end() {
        running = false
        shown = nil
    }
}
