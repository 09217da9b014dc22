// The radio for exchanging with a colleague (issue 22).
//
// HotspotRadio: an Android colleague opened a local-only hotspot and its code names it; the
// iPhone joins it with NEHotspotConfiguration (the Hotspot Configuration entitlement) and the
// library's socket then reaches the Android phone's address.
//
// PeerLink: two iPhones, no hotspot: the showing iPhone advertises a Bonjour service over
// Network.framework's peer-to-peer Wi-Fi (`includePeerToPeer`) and puts the service's name in
// its code; the other browses for it, connects, and both pass the bytes of one `PeerExchange`
// between the connection and the library until it is finished. Needs the local network usage
// description and the `_fieldcase._tcp` Bonjour service in Info.plist.
import Fieldcase
import FieldcaseScreens
import Foundation
import Network
import NetworkExtension

final class HotspotRadio: LocalRadio, @unchecked Sendable {
    func join(name: String, password: String) async throws {
        let config = NEHotspotConfiguration(ssid: name, passphrase: password, isWEP: false)
        config.joinOnce = true
        do {
            try await NEHotspotConfigurationManager.shared.apply(config)
        } catch let e as NSError where e.domain == NEHotspotConfigurationErrorDomain
            && e.code == NEHotspotConfigurationError.alreadyAssociated.rawValue {
            // Already on it.
        }
    }
}

/// One exchange between two iPhones over Network.framework.
final class PeerLink: @unchecked Sendable {
    static let service = "_fieldcase._tcp"
    private let queue = DispatchQueue(label: "org.fieldcase.peer")
    private var listener: NWListener?

    private static var parameters: NWParameters {
        let p = NWParameters.tcp
        p.includePeerToPeer = true
        return p
    }

    /// The showing iPhone: advertises `name`, takes one connection, runs the session on it.
    func show(store: FieldStore, code: ExchangeCode, name: String) async throws -> ExchangeReport {
        let listener = try NWListener(using: Self.parameters)
        listener.service = NWListener.Service(name: name, type: Self.service)
        self.listener = listener
        let session = try store.peerExchange(code: code.text, listening: true)
        let connection: NWConnection = try await withCheckedThrowingContinuation { cont in
            var resumed = false
            listener.newConnectionHandler = { c in
                guard !resumed else { c.cancel(); return }
                resumed = true
                listener.cancel()
                cont.resume(returning: c)
            }
            listener.stateUpdateHandler = { state in
                if case .failed(let e) = state, !resumed {
                    resumed = true
                    cont.resume(throwing: e)
                }
            }
            listener.start(queue: queue)
        }
        return try await run(session, over: connection)
    }

    /// The scanning iPhone: finds the service the code names and runs the session with it.
    func connect(store: FieldStore, code: ExchangeCode, name: String) async throws -> ExchangeReport {
        let endpoint = NWEndpoint.service(name: name, type: Self.service, domain: "local.", interface: nil)
        let connection = NWConnection(to: endpoint, using: Self.parameters)
        let session = try store.peerExchange(code: code.text, listening: false)
        return try await run(session, over: connection)
    }

    private func run(_ session: PeerExchange, over connection: NWConnection) async throws -> ExchangeReport {
        connection.start(queue: queue)
        defer { connection.cancel() }
        while !session.finished() {
            try Task.checkCancellation()
            let out = session.output()
            if !out.isEmpty { try await send(out, on: connection) }
            if session.finished() { break }
            let got = try await receive(on: connection)
            try await session.receive(bytes: got)
        }
        let last = session.output()
        if !last.isEmpty { try? await send(last, on: connection) }
        return session.report()
    }

    private func send(_ data: Data, on c: NWConnection) async throws {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Void, Error>) in
            c.send(content: data, completion: .contentProcessed { e in
                if let e { cont.resume(throwing: e) } else { cont.resume() }
            })
        }
    }

    private func receive(on c: NWConnection) async throws -> Data {
        try await withCheckedThrowingContinuation { cont in
            c.receive(minimumIncompleteLength: 1, maximumLength: 64 * 1024) { data, _, done, e in
                if let e { cont.resume(throwing: e) } else if let data, !data.isEmpty { cont.resume(returning: data) } else if done {
                    cont.resume(throwing: FieldError.Network(detail: "the other iPhone closed the connection; what arrived is kept"))
                } else { cont.resume(returning: Data()) }
            }
        }
    }
}
