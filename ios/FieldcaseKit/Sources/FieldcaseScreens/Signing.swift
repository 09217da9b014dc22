// A signature drawn with a finger, kept as an SVG image attachment of the record (the same
// format the Android app writes), and the signatures of one record: who signed, when, and the
// image's SHA-256; the images stay in the record's attachments on every save.
import Fieldcase
import Foundation
import Observation

public struct Point: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) { self.x = x; self.y = y }
}

/// Who signs a record.
public enum Signer: Hashable, Sendable {
    case inspector(Int)
    case representative
    case interviewee
    /// The parties to a mediation agreement, its mediator and the organisation's seal.
    case worker(Int)
    case employer
    case mediator
    case organisationSeal
}

/// The strokes drawn on the pad, as the SVG of the pad's size the core writes (the same bytes
/// on Android).
public func signatureSVG(_ strokes: [[Point]], width: Int, height: Int) -> Data {
    signatureSvg(strokes: strokes.map { $0.map { PadPoint(x: $0.x, y: $0.y) } }, width: Int32(clamping: width), height: Int32(clamping: height))
}

@MainActor
@Observable
public final class Signing {
    public private(set) var given: [Signer: Signature] = [:]
    public private(set) var attached: [AttachmentRef] = []
    /// The signer whose pad is open, and what is drawn on it.
    public private(set) var open: Signer?
    public var strokes: [[Point]] = []
    public var padSize = (width: 600, height: 200)
    private let store: FieldStore
    private let now: () -> Date

    init(store: FieldStore, now: @escaping () -> Date) {
        self.store = store
        self.now = now
    }

    public func openPad(_ signer: Signer) {
        strokes = []
        open = signer
    }

    public func closePad() {
        strokes = []
        open = nil
    }

    /// What is wrong before the drawing can be kept, or nil.
    func problem(name: String) -> String? {
        if !strokes.contains(where: { $0.count > 1 }) { return "请先在框内签名" }
        if name.trimmingCharacters(in: .whitespaces).isEmpty { return "请先填写签名人姓名" }
        return nil
    }

    /// Keeps the drawing with record `id` as `name`'s signature, now.
    func keep(id: String, name: String) async throws {
        guard let signer = open else { return }
        let ref = try await store.attach(
            id: id, bytes: signatureSVG(strokes, width: padSize.width, height: padSize.height),
            name: "signature.svg", mime: "image/svg+xml", purpose: "signature")
        if !attached.contains(where: { $0.sha256 == ref.sha256 }) { attached.append(ref) }
        given[signer] = Signature(name: name.trimmingCharacters(in: .whitespaces), signedAt: now(), imageSha256: ref.sha256)
        closePad()
    }

    /// The signatures and images of a saved draft record, back after the app was killed.
    func restore(_ images: [AttachmentRef], interviewee: Signature?, inspectors: [Signature], names: [String]) {
        attached = images
        if let s = interviewee { given[.interviewee] = s }
        for s in inspectors {
            if let i = names.firstIndex(of: s.name) { given[.inspector(i)] = s }
        }
    }

    func workers() -> [Signature] {
        given.compactMap { k, v -> (Int, Signature)? in
            if case .worker(let i) = k { return (i, v) }
            return nil
        }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    func inspectors() -> [Signature] {
        given.compactMap { k, v -> (Int, Signature)? in
            if case .inspector(let i) = k { return (i, v) }
            return nil
        }.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
