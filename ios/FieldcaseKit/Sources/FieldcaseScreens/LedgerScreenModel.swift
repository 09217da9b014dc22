// The ledger (home) screen's state: rows by deadline, read 50 at a time by cursor, filters,
// search from two characters. The same behaviour as the Android app's LedgerModel.
import Fieldcase
import Foundation
import Observation

public enum LedgerFilter: CaseIterable, Sendable {
    case all, cases, incidents, overdue, dueSoon, mine

    public var label: String {
        switch self {
        case .all: return "全部"
        case .cases: return "案件"
        case .incidents: return "事件"
        case .overdue: return "已逾期"
        case .dueSoon: return "7日内到期"
        case .mine: return "我负责的"
        }
    }
}

@MainActor
@Observable
public final class LedgerScreenModel {
    public static let page: Int32 = 50
    public private(set) var rows: [LedgerRow] = []
    public private(set) var loading = false
    public private(set) var endReached = false
    public private(set) var problem: String?
    public private(set) var filter: LedgerFilter = .all
    public private(set) var search = ""
    private let store: FieldStore
    private let me: String

    public init(store: FieldStore, me: String) {
        self.store = store
        self.me = me
    }

    private func query(after: String?) -> LedgerQuery {
        var q = LedgerQuery()
        switch filter {
        case .all: break
        case .cases: q.kind = .case
        case .incidents: q.kind = .incident
        case .overdue: q.overdue = true
        case .dueSoon: q.dueWithinDays = 7
        case .mine: q.responsible = me
        }
        q.after = after
        q.limit = Self.page
        return q
    }

    public func choose(_ f: LedgerFilter) async {
        filter = f
        search = ""
        await refresh()
    }

    public func type(_ text: String) async {
        search = text
        await refresh()
    }

    /// The first page (or the search's matches, newest first).
    public func refresh() async {
        loading = true
        problem = nil
        defer { loading = false }
        do {
            let words = search.trimmingCharacters(in: .whitespaces)
            if words.count >= 2 {
                rows = try await store.search(text: words, limit: 200)
                endReached = true
            } else {
                let page = try await store.list(query: query(after: nil))
                rows = page
                endReached = page.count < Int(Self.page)
            }
        } catch {
            problem = Labels.failure(error)
        }
    }

    /// The next page, after the last row shown.
    public func loadMore() async {
        guard !loading, !endReached, search.trimmingCharacters(in: .whitespaces).isEmpty, let last = rows.last else { return }
        loading = true
        defer { loading = false }
        do {
            let page = try await store.list(query: query(after: last.cursor))
            rows += page
            endReached = page.count < Int(Self.page)
        } catch {
            problem = Labels.failure(error)
        }
    }
}
