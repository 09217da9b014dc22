import Fieldcase
import FieldcaseScreens
import SwiftUI
import VisionKit

struct JoinView: View {
    @Bindable var model: JoinScreenModel
    let onJoined: (FieldStore) -> Void
    @State private var scanning = false

    var body: some View {
        Form {
            Text("请扫描街镇办公室提供的二维码；没有相机时，输入二维码下方的加入链接。")
            if DataScannerViewController.isSupported { Button("扫描二维码") { scanning = true } }
            TextField("加入链接", text: Binding(get: { model.link }, set: { model.enter($0) }), axis: .vertical)
            if let p = model.problem { Text(p).foregroundStyle(.red) }
            if let info = model.info {
                Text("中心端：\(info.hub)")
                Text("加入码：\(info.code)")
            }
            Button(model.joining ? "正在加入…" : "加入并同步") {
                Task {
                    await model.join()
                    if let store = model.joined { onJoined(store) }
                }
            }.disabled(model.joining)
        }
        .navigationTitle("加入街镇中心端")
        .sheet(isPresented: $scanning) { QRScanner { model.enter($0); scanning = false } }
    }
}

/// The camera reading one QR code (VisionKit).
struct QRScanner: UIViewControllerRepresentable {
    let found: (String) -> Void

    func makeUIViewController(context: Context) -> DataScannerViewController {
        let scanner = DataScannerViewController(recognizedDataTypes: [.barcode(symbologies: [.qr])])
        scanner.delegate = context.coordinator
        try? scanner.startScanning()
        return scanner
    }

    func updateUIViewController(_ controller: DataScannerViewController, context: Context) {}

    func makeCoordinator() -> Coordinator { Coordinator(found: found) }

    final class Coordinator: NSObject, DataScannerViewControllerDelegate {
        let found: (String) -> Void
        init(found: @escaping (String) -> Void) { self.found = found }

        func dataScanner(_ scanner: DataScannerViewController, didAdd items: [RecognizedItem], allItems: [RecognizedItem]) {
            for case .barcode(let code) in items {
                if let text = code.payloadStringValue { found(text); return }
            }
        }
    }
}

struct SyncView: View {
    @Bindable var model: SyncScreenModel
    let store: FieldStore

    var body: some View {
        Form {
            Text("中心端：\(model.status?.hub ?? "尚未加入")")
            Text("上次同步：" + (model.status?.lastSyncedAt.map { $0.formatted(date: .numeric, time: .shortened) } ?? "从未同步"))
            Text((model.status?.waiting ?? 0) == 0 ? "本机修改都已上传" : "待上传：\(model.status!.waiting) 条记录")
            if let n = model.status?.conflicts, n > 0 {
                NavigationLink("有 \(n) 处修改冲突，去处理") { ConflictsView(model: ConflictsScreenModel(store: store)) }
            }
            if model.offline { Text("当前离线：记录都保存在本机，有网络时再同步").foregroundStyle(.red) }
            if model.running {
                if let s = model.step, s.total > 0 {
                    ProgressView("正在同步\(s.phase == .attachments ? "附件" : "记录")：\(s.done) / \(s.total)", value: Double(s.done), total: Double(s.total))
                } else {
                    ProgressView("正在连接中心端…")
                }
            }
            if let r = model.report { Text("同步完成：" + model.summary(r)) }
            NavigationLink("没有网络？与同事手机当面交换") {
                ExchangeView(model: ExchangeScreenModel(store: store, radio: HotspotRadio()))
            }
            if let f = model.failure { Text("同步未完成：\(f)").foregroundStyle(.red) }
            HStack {
                Button("立即同步") { Task { await model.syncNow() } }.disabled(model.running)
                Spacer()
                Button("取消") { model.cancel() }.disabled(!model.running)
            }
        }
        .navigationTitle("同步")
        .task { await model.refresh(); await model.follow() }
    }
}

struct ConflictsView: View {
    @Bindable var model: ConflictsScreenModel

    var body: some View {
        List {
            if model.items.isEmpty && !model.loading { Text("没有待处理的冲突") }
            if let p = model.problem { Text(p).foregroundStyle(.red) }
            ForEach(model.items, id: \.path) { c in
                VStack(alignment: .leading) {
                    Text(c.title ?? c.id).font(.headline)
                    Text("冲突项：\(c.fieldName ?? c.path)")
                    if c.rule != nil {
                        Text(c.inChinese ?? c.message ?? "").foregroundStyle(.red)
                    } else {
                        HStack {
                            ForEach(c.choices.indices, id: \.self) { i in
                                let choice = c.choices[i]
                                VStack {
                                    Text(choice.shown).font(.title3)
                                    Text(choice.setBy.map { "\($0.user)　\($0.at.formatted(date: .numeric, time: .shortened))" } ?? "来自未知设备").font(.caption)
                                    Button("保留这个") { Task { await model.choose(c, choice) } }.buttonStyle(.borderedProminent)
                                }
                            }
                        }
                    }
                }
            }
        }
        .navigationTitle("修改冲突")
        .task { await model.load() }
    }
}
