// The words the screens show: names of kinds, statuses and risk levels from the core's table, and
// rule problems in the core's own Chinese sentence (`Problem.inChinese`), the same on Android and
// the office pages; the other error kinds are named here once, as in the Android app's Labels.kt.
import Fieldcase
import Foundation

public enum Labels {
    /// A kind's name, from the core's table (the same on Android and the office's pages).
    public static func kind(_ kind: Kind) -> String { kindName(kind: kind) }

    public static func status(_ code: String) -> String { statusName(status: code) }

    public static func risk(_ code: String) -> String { riskName(risk: code) }

    /// What went wrong, as a field worker reads it.
    public static func failure(_ error: Error) -> String {
        guard let e = error as? FieldError else { return "程序出错，内容未保存" }
        switch e {
        case .InvalidFields(let problems), .Refused(let problems):
            return problems.map(\.inChinese).joined(separator: "；")
        case .Sealed: return "这条记录已签署封存，不能再修改；如需更正，请另作补充记录"
        case .NotFound: return "找不到这条记录"
        case .WrongKey: return "本机数据无法用当前密钥打开"
        case .DiskFull: return "手机存储空间已满：已保存的内容没有丢失，请清理空间后重试"
        case .Cancelled: return "已取消：已收到的内容都已保存"
        case .Network: return "连不上街镇中心端，请有网络时再试"
        case .Unauthorised: return "本设备未加入街镇中心端，或已被停用"
        case .Storage: return "本机数据读写出错"
        case .Internal: return "程序出错，内容未保存"
        }
    }

    /// Each problem at the field it names ("" for the record as a whole).
    public static func atFields(_ error: Error) -> [String: String] {
        if let e = error as? FieldError {
            switch e {
            case .InvalidFields(let problems), .Refused(let problems):
                return Dictionary(grouping: problems, by: \.field).mapValues { $0.map(\.inChinese).joined(separator: "；") }
            default: break
            }
        }
        return ["": failure(error)]
    }
}

/// Reads what was typed; a slip is put at its field and gives nil, as does an empty field.
struct Typed {
    var errors: [String: String] = [:]

    mutating func count(_ field: String, _ text: String) -> UInt32? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return nil }
        guard let n = UInt32(t) else { errors[field] = "请输入整数"; return nil }
        return n
    }

    /// 元 as typed (up to two decimals), kept in fen.
    mutating func yuan(_ field: String, _ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return nil }
        guard let d = Decimal(string: t, locale: Locale(identifier: "en_US_POSIX")), d >= 0 else {
            errors[field] = "请输入金额（元），最多两位小数"
            return nil
        }
        var fen = d * 100
        var whole = Decimal()
        NSDecimalRound(&whole, &fen, 0, .plain)
        guard whole == fen else { errors[field] = "请输入金额（元），最多两位小数"; return nil }
        return NSDecimalNumber(decimal: whole).int64Value
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

/// Fen as 元 with two decimals.
public func yuan(_ fen: Int64) -> String {
    String(format: "%.2f", Double(fen) / 100)
}

/// The core refused values or a rule (as opposed to a sealed record, the network, the disk).
func refusedForFields(_ error: Error) -> Bool {
    switch error as? FieldError {
    case .some(.InvalidFields), .some(.Refused): return true
    default: return false
    }
}
