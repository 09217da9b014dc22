// Exchange with a colleague, with no network (issue 22): show my code as a QR code (drawn from
// the core's modules) and wait, or scan the colleague's; then what came and went. Joining an
// Android colleague's hotspot goes through NEHotspotConfiguration (HotspotRadio); between two
// iPhones the same code names a Bonjour service and PeerLink carries the session over
// Network.framework's peer-to-peer link.
import Fieldcase
import FieldcaseScreens
import SwiftUI

struct ExchangeView: View {
    @Bindable var model: ExchangeScreenModel
    @State private var scanning = false

    var body: some View {
        Form {
            Text("没有网络时，两部手机当面交换：一方显示交换码，另一方扫描。只交换本街镇的记录，双方都要是中心端登记过的设备。")
            if let code = model.shown {
                Section("请同事扫描这个交换码（只能用一次）") {
                    QRPicture(text: code.text).frame(width: 240, height: 240).frame(maxWidth: .infinity)
                    if let name = code.networkName { Text("热点：\(name)") }
                    ProgressView("等待同事连接…")
                }
            } else if !model.running {
                Button("显示我的交换码") { model.start { await $0.show() } }
                Button("扫描同事的交换码") { scanning = true }
                TextField("或输入同事屏幕上的交换码", text: $model.typed)
                Button("开始交换") { model.start { await $0.connect() } }.disabled(model.typed.isEmpty)
            }
            if model.running {
                if model.shown == nil { ProgressView("正在交换…") }
                Button("取消", role: .cancel) { model.cancel() }
            }
            if let r = model.report {
                Text(r.said)
                ForEach(r.refused, id: \.id) { Text("未接收 \($0.id.prefix(8))…：\($0.reason)").foregroundStyle(.red) }
            }
            if let f = model.failure { Text("交换未完成：\(f)").foregroundStyle(.red) }
        }
        .navigationTitle("与同事交换")
        .sheet(isPresented: $scanning) {
            QRScanner { text in
                scanning = false
                model.start { await $0.connect(text) }
            }
        }
    }
}

/// A QR code as the core draws it (`qrCode`), with its quiet zone.
struct QRPicture: View {
    let text: String

    var body: some View {
        Canvas { context, size in
            guard let code = try? qrCode(text: text) else { return }
            let side = Int(code.side)
            let cell = min(size.width, size.height) / CGFloat(side + 8)
            context.fill(Path(CGRect(origin: .zero, size: size)), with: .color(.white))
            for y in 0..<side {
                for x in 0..<side where code.dark[y * side + x] {
                    context.fill(Path(CGRect(x: CGFloat(x + 4) * cell, y: CGFloat(y + 4) * cell, width: cell, height: cell)), with: .color(.black))
                }
            }
        }
    }
}
