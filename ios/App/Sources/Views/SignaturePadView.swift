import Fieldcase
// Signing with a finger: the strokes go into the record's `Signing`; confirming keeps them as
// the signature's image.
import FieldcaseScreens
import SwiftUI

struct SignaturePadView: View {
    @Bindable var signing: Signing
    let onConfirm: () -> Void
    @State private var current: [Point] = []

    var body: some View {
        VStack {
            Text("请在框内签名").font(.footnote)
            GeometryReader { geo in
                Canvas { ctx, _ in
                    for line in signing.strokes + [current] where line.count > 1 {
                        var path = Path()
                        path.move(to: CGPoint(x: line[0].x, y: line[0].y))
                        for p in line.dropFirst() { path.addLine(to: CGPoint(x: p.x, y: p.y)) }
                        ctx.stroke(path, with: .color(.primary), lineWidth: 3)
                    }
                }
                .background(Color.white)
                .border(Color.gray)
                .gesture(DragGesture(minimumDistance: 0)
                    .onChanged { current.append(Point(x: $0.location.x, y: $0.location.y)) }
                    .onEnded { _ in signing.strokes.append(current); current = [] })
                .onAppear { signing.padSize = (Int(geo.size.width), Int(geo.size.height)) }
            }
            .frame(height: 160)
            HStack {
                Button("清除") { signing.strokes = [] }
                Button("取消") { signing.closePad() }
                Button("确认签名", action: onConfirm).buttonStyle(.borderedProminent)
            }
        }
    }
}

/// One signer's line: name, whether signed, and the pad when it is their turn.
struct SignRow: View {
    let signing: Signing
    let signer: Signer
    let who: String
    let error: String?
    let enabled: Bool
    let onConfirm: () -> Void

    var body: some View {
        VStack(alignment: .leading) {
            HStack {
                Text(who)
                Spacer()
                if signing.given[signer] != nil { Text("已签名").foregroundStyle(.tint) }
                Button(signing.given[signer] == nil ? "签名" : "重签") { signing.openPad(signer) }.disabled(!enabled)
            }
            if let error { Text(error).font(.footnote).foregroundStyle(.red) }
            if signing.open == signer { SignaturePadView(signing: signing, onConfirm: onConfirm) }
        }
    }
}

/// A sealed record: who, when, the fingerprint, and whether it verifies.
struct SealView: View {
    let seal: SealStatus

    var body: some View {
        VStack(alignment: .leading) {
            Text("已签署封存").font(.headline)
            Text("签署人：\(seal.seal.user)　时间：\(seal.seal.sealedAt.formatted(date: .numeric, time: .shortened))")
            Text("内容指纹：\(seal.seal.hash.prefix(16))…").font(.caption)
            Text(sealVerdict(status: seal)).foregroundStyle(seal.verified ? .green : .red)
        }
        .padding().background(seal.verified ? Color.green.opacity(0.1) : Color.red.opacity(0.1))
    }
}
