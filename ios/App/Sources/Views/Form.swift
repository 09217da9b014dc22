// A field that shows the core's message for its path under it.
import SwiftUI

struct PathField: View {
    let label: String
    @Binding var text: String
    let error: String?
    var keyboard: UIKeyboardType = .default

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            TextField(label, text: $text).keyboardType(keyboard).textFieldStyle(.roundedBorder)
            if let error { Text(error).font(.footnote).foregroundStyle(.red) }
        }
    }
}
