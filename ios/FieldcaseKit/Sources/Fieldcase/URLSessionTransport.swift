// The phone's way to the hub on iOS: URLSession, with the hub's certificate pinned.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Security) && canImport(CryptoKit)
import CryptoKit
import Security
#endif

/// Sends the library's requests with URLSession (so the phone's proxy, VPN and the certificate
/// authorities installed by device management apply), handing each answer to the library as it
/// arrives. The library calls it on its own threads, never the main one, so it may wait.
///
/// A hub with a pin (the SHA-256 of its certificate, from the join link) is trusted for that
/// certificate alone; one without must carry a certificate the system trusts. Pinning needs the
/// Security framework: where it is missing (Linux, for tests), only plain `http://` to a hub
/// and hubs the system trusts can be reached, and a pinned `https://` hub is refused.
public final class URLSessionTransport: HubTransport, @unchecked Sendable {
    private let configuration: URLSessionConfiguration
    private let lock = NSLock()
    /// One session per pin, kept: its connections are reused from one sync to the next, so a
    /// sync after the first needs no new TLS handshake (about 1.1 KB and a round trip saved).
    private var sessions: [String: (URLSession, TaskRouter)] = [:]

    public init(configuration: URLSessionConfiguration = .ephemeral) {
        configuration.timeoutIntervalForRequest = 60
        self.configuration = configuration
    }

    deinit {
        for (session, _) in sessions.values { session.finishTasksAndInvalidate() }
    }

    private func session(pin: String?) -> (URLSession, TaskRouter) {
        lock.lock()
        defer { lock.unlock() }
        let key = pin ?? ""
        if let kept = sessions[key] { return kept }
        let router = TaskRouter(pin: pin)
        let made = (URLSession(configuration: configuration, delegate: router, delegateQueue: nil), router)
        sessions[key] = made
        return made
    }

    public func send(hub: String, pin: String?, request: HubRequest, response: HubResponse) throws {
        let address = hub.hasSuffix("/") ? hub + request.path : hub + "/" + request.path
        guard let url = URL(string: address) else {
            throw FieldError.Network(detail: "the hub's address \(hub) is not a URL")
        }
        #if !(canImport(Security) && canImport(CryptoKit))
        if pin != nil && url.scheme == "https" {
            throw FieldError.Network(detail: "this platform cannot pin the hub's certificate")
        }
        #endif
        var call = URLRequest(url: url)
        switch request.method {
        case .get: call.httpMethod = "GET"
        case .post: call.httpMethod = "POST"
        case .put: call.httpMethod = "PUT"
        }
        if request.method != .get { call.httpBody = request.body }
        if let auth = request.authorization { call.setValue(auth, forHTTPHeaderField: "Authorization") }
        if let type = request.contentType { call.setValue(type, forHTTPHeaderField: "Content-Type") }

        let (session, router) = self.session(pin: pin?.lowercased())
        let reader = AnswerReader(response: response, hub: hub)
        let task = session.dataTask(with: call)
        router.add(task, reader)
        defer { router.remove(task) }
        task.resume()
        reader.done.wait()
        if let failure = reader.failure { throw failure }
    }
}

/// The delegate of a kept session: hands each task's events to the reader of its answer, and
/// checks the hub's certificate against the pin.
final class TaskRouter: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let pin: String?
    private let lock = NSLock()
    private var readers: [Int: AnswerReader] = [:]

    init(pin: String?) { self.pin = pin }

    func add(_ task: URLSessionTask, _ reader: AnswerReader) {
        lock.lock(); readers[task.taskIdentifier] = reader; lock.unlock()
    }

    func remove(_ task: URLSessionTask) {
        lock.lock(); readers[task.taskIdentifier] = nil; lock.unlock()
    }

    private func reader(_ task: URLSessionTask) -> AnswerReader? {
        lock.lock(); defer { lock.unlock() }
        return readers[task.taskIdentifier]
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive answer: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        guard let reader = reader(dataTask) else { return completionHandler(.cancel) }
        reader.began(answer, completionHandler)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        reader(dataTask)?.received(data, dataTask)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        reader(task)?.ended(error)
    }

    #if canImport(Security) && canImport(CryptoKit)
    /// A server-trust challenge comes here when the session-level method is not implemented:
    /// a kept connection is checked once, when it is made.
    func urlSession(
        _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
        completionHandler: @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
        guard let pin = pin, challenge.protectionSpace.authenticationMethod == NSURLAuthenticationMethodServerTrust,
            let trust = challenge.protectionSpace.serverTrust
        else {
            completionHandler(.performDefaultHandling, nil)
            return
        }
        let chain = SecTrustCopyCertificateChain(trust) as? [SecCertificate] ?? []
        guard let leaf = chain.first else {
            reader(task)?.fail(FieldError.Network(detail: "the hub sent no certificate"))
            completionHandler(.cancelAuthenticationChallenge, nil)
            return
        }
        let der = SecCertificateCopyData(leaf) as Data
        let seen = SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined()
        if seen == pin {
            completionHandler(.useCredential, URLCredential(trust: trust))
        } else {
            reader(task)?.fail(
                FieldError.Network(detail: "the hub's certificate (\(seen)) is not the one this phone joined (\(pin))"))
            completionHandler(.cancelAuthenticationChallenge, nil)
        }
    }
    #endif
}

/// Reads one answer as it arrives and hands it on; remembers why it stopped.
final class AnswerReader: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    private let response: HubResponse
    private let hub: String
    private(set) var failure: Error?

    init(response: HubResponse, hub: String) {
        self.response = response
        self.hub = hub
    }

    func fail(_ error: Error) {
        if failure == nil { failure = error }
    }

    func began(_ answer: URLResponse, _ completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        do {
            try response.status(code: Int32((answer as? HTTPURLResponse)?.statusCode ?? 0))
            completionHandler(.allow)
        } catch {
            failure = error
            completionHandler(.cancel)
        }
    }

    func received(_ data: Data, _ task: URLSessionDataTask) {
        guard failure == nil else { return }
        do {
            // Throws when the session stopped reading (cancelled, or a damaged answer).
            try response.data(bytes: data)
        } catch {
            failure = error
            task.cancel()
        }
    }

    func ended(_ error: Error?) {
        if let error = error, failure == nil {
            failure = FieldError.Network(detail: "the hub at \(hub) could not be reached: \(error.localizedDescription)")
        }
        done.signal()
    }
}
