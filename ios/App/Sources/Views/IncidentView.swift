import CoreLocation
import FieldcaseScreens
import PhotosUI
import SwiftUI

struct IncidentView: View {
    @Bindable var model: IncidentScreenModel
    @State private var photo: PhotosPickerItem?
    @State private var locator = Locator()

    var body: some View {
        Form {
            Text(model.savedId == nil ? "填得越少越快，其余可以稍后补充" : "已保存，可继续补充").foregroundStyle(.secondary)
            PathField(label: "聚集人数", text: $model.headcount, error: model.errors["headcount"], keyboard: .numberPad)
            PathField(label: "用人单位", text: $model.employer, error: model.errors["employer_name"])
            PathField(label: "欠薪金额（元）", text: $model.amountYuan, error: model.errors["amount_claimed_fen"], keyboard: .decimalPad)
            PathField(label: "欠薪月数", text: $model.monthsOwed, error: model.errors["months_owed"], keyboard: .numberPad)
            PathField(label: "地点", text: $model.address, error: model.errors["address"])
            PathField(label: "诉求", text: $model.demands, error: model.errors["demands"])
            PathField(label: "工人代表姓名", text: $model.representative, error: model.errors["representatives.0.name"])
            PathField(label: "工人代表电话", text: $model.representativePhone, error: model.errors["representatives.0.phone"], keyboard: .phonePad)
            Section("照片与位置") {
                PhotosPicker("拍照或选照片", selection: $photo, matching: .images)
                    .onChange(of: photo) { _, item in
                        Task { if let data = try? await item?.loadTransferable(type: Data.self) { model.addPhoto(data) } }
                    }
                Button("定位") { locator.locate { model.locate(lat: $0, lon: $1, accuracyM: $2) } }
                if let l = model.location { Text(String(format: "位置：%.5f, %.5f", l.lat, l.lon)) }
                if model.photoCount > 0 { Text("照片 \(model.photoCount) 张") }
            }
            Section("风险情形") {
                ForEach(IncidentScreenModel.signs, id: \.self) { sign in
                    Toggle(IncidentScreenModel.label(sign), isOn: Binding(get: { model.riskSigns.contains(sign) }, set: { _ in model.toggle(sign) }))
                }
            }
            Section("处置进展（点一下记下时间）") {
                ForEach(Step.allCases, id: \.self) { step in
                    Button(model.steps[step].map { "\(step.label) \($0.formatted(date: .omitted, time: .shortened))" } ?? step.label) { model.mark(step) }
                }
            }
            if let e = model.errors[""] { Text(e).foregroundStyle(.red) }
            Button(model.savedId == nil ? "保存" : "保存修改") { Task { await model.save() } }.disabled(model.saving)
        }
        .navigationTitle("现场事件速记")
        .task { await model.restoreDraft() }
        // Kept a moment after each change; a newer change cancels the wait.
        .task(id: model.typed) {
            try? await Task.sleep(nanoseconds: 300_000_000)
            if !Task.isCancelled { await model.keepDraft() }
        }
    }
}

/// One position from Core Location, asking for permission the first time.
final class Locator: NSObject, CLLocationManagerDelegate {
    private let manager = CLLocationManager()
    private var done: ((Double, Double, Double?) -> Void)?

    func locate(_ done: @escaping (Double, Double, Double?) -> Void) {
        self.done = done
        manager.delegate = self
        manager.requestWhenInUseAuthorization()
        manager.requestLocation()
    }

    func locationManager(_ manager: CLLocationManager, didUpdateLocations locations: [CLLocation]) {
        guard let l = locations.last else { return }
        done?(l.coordinate.latitude, l.coordinate.longitude, l.horizontalAccuracy >= 0 ? l.horizontalAccuracy : nil)
    }

    func locationManager(_ manager: CLLocationManager, didFailWithError error: Error) {}
}
