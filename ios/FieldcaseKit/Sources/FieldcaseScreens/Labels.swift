// The words the screens show, all from the core (the same on Android and the office's pages):
// names of kinds, statuses and risk levels, and what went wrong (`FieldError.inChinese()`).
import Fieldcase
import Foundation

public enum Labels {
    /// A kind's name, from the core's table (the same on Android and the office's pages).
    public static func kind(_ kind: Kind) -> String { kindName(kind: kind) }

    public static func status(_ status: LedgerStatus) -> String { statusName(status: status) }

    public static func risk(_ risk: RiskLevel) -> String { riskName(risk: risk) }

    /// What went wrong, as a field worker reads it: the core's sentence.
    public static func failure(_ error: Error) -> String {
        ((error as? FieldError) ?? FieldError.Internal(detail: "\(error)")).inChinese()
    }

    /// Each problem at the field it names ("" for the record as a whole).
    public static func atFields(_ error: Error) -> [String: String] {
        if let e = error as? FieldError, !e.problems().isEmpty {
            return Dictionary(grouping: e.problems(), by: \.field).mapValues { $0.map(\.inChinese).joined(separator: "；") }
        }
        return ["": failure(error)]
    }
}

/// Reads what was typed; a slip is put at its field and gives nil, as does an empty field.
struct Typed {
    var errors: [String: String] = [:]

    mutating func count(_ field: String, _ text: String) -> Int32? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return nil }
        guard let n = Int32(t) else { errors[field] = "请输入整数"; return nil }
        return n
    }

    /// 元 as typed, read by the core (the same amounts on Android and the office's pages), in fen.
    mutating func yuan(_ field: String, _ text: String) -> Int64? {
        if text.trimmingCharacters(in: .whitespaces).isEmpty { return nil }
        do { return try readYuan(text: text) } catch {
            errors[field] = Labels.failure(error)
            return nil
        }
    }

    /// A date as YYYY-MM-DD, which the core keeps.
    mutating func date(_ field: String, _ text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return nil }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        f.dateFormat = "yyyy-MM-dd"
        guard let d = f.date(from: t), f.string(from: d) == t else {
            errors[field] = "请按 2026-12-10 的格式填写日期"
            return nil
        }
        return t
    }

    func text(_ value: String) -> String? {
        let t = value.trimmingCharacters(in: .whitespacesAndNewlines)
        return t.isEmpty ? nil : t
    }
}

/// The core refused values or a rule (as opposed to a sealed record, the network, the disk).
func refusedForFields(_ error: Error) -> Bool {
    switch error as? FieldError {
    case .some(.InvalidFields), .some(.Refused): return true
    default: return false
    }
}
