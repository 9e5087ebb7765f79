import SpendCore

/// The whole state of the console; it changes only through `ConsoleState.reduce`.
public struct ConsoleState: Sendable {
    public enum Overlay: Sendable, Equatable {
        case none, help, diagnostics
        /// One alert or budget row in full (its `id` column: `AlertEvent.identity` or `AlertsPane.budgetID`).
        case alert(String)
    }

    public var width: Int
    public var height: Int
    public var window: TimeWindow
    public var path: [ViewQuery.Filter] = []
    public var focus: PaneID = .table(.feature)
    public var selection: [PaneID: Int] = [:]
    public var sort: [PaneID: SortOrder] = [:]
    public var filter: String = ""
    public var filterEditing = false
    public var paused = false
    public var bellOn = true
    public var themeIndex = 0
    public var themeCount = 1
    public var overlay: Overlay = .none
    public var status: String?
    public var statusUntilMs: Int64 = 0
    public var nowMs: Int64 = 0
    public var wallboard: WallboardState?
    public var exportAllowed = true
    public private(set) var data: ConsoleSnapshot?
    /// What the backend can answer together, as the last snapshot (or the feed at start) said.
    public var capabilities: QueryCapabilities = .unlimited
    /// What the ingest side published about alerts; updated even while paused.
    public internal(set) var alerts = AlertState()
    /// When (wall ms) each active alert was first on screen: the wallboard takes over for a new one's first 30 s.
    public internal(set) var alertFirstSeenMs: [String: Int64] = [:]
    /// Each pane's rows after the `/` filter and the sort: what the pane draws and `e` writes.
    public private(set) var shown: [PaneID: ViewTable] = [:]
    public var quit = false
    /// The row each pane's selection is on, by identity (`ViewTable.rowIDs`): rows re-sort live,
    /// the selection stays with its group; `selection` is that row's index in `shown`.
    public private(set) var selectedIDs: [PaneID: String] = [:]
    /// Panes whose selection the person moved.
    var picked: Set<PaneID> = []
    /// The rows drilled from, innermost last: going back selects the row again.
    var drilledFrom: [String?] = []
    /// Names of the themes `t` cycles through (for its message).
    public var themeNames: [String] = []
    /// Set when the store holds history from sources not given this run (`store: 2 other sources, 24h …`).
    public var storeNote: String?

    public init(width: Int, height: Int, window: TimeWindow = .minutes(5)) {
        self.width = width
        self.height = height
        self.window = window
    }

    public var panes: [PaneID] { PaneID.panes(for: path, capabilities) }

    /// True while the data on screen answers an older question (window or drill path) than the current one.
    public var isStale: Bool { data.map { $0.window != window || $0.path != path } ?? true }

    public func sortOrder(_ p: PaneID) -> SortOrder { sort[p] ?? p.defaultSort }

    public func selected(_ p: PaneID) -> Int {
        let n = shown[p]?.rows.count ?? 0
        return n == 0 ? 0 : min(max(0, selection[p] ?? 0), n - 1)
    }

    /// Drill path as the header and breadcrumb show it: `all › feature support-chat › key sk-…a1b2`.
    public var breadcrumb: String {
        (["all"] + path.map { "\($0.dimension == .apiKey ? "key" : $0.dimension.name) \($0.value)" }).joined(separator: " › ")
    }

    /// The identity of row `i` of a shown table: its group id, else (tables without ids) what names it.
    static func rowID(_ t: ViewTable, _ i: Int) -> String {
        if i < t.rowIDs.count { return t.rowIDs[i] }
        let row = t.rows[i]
        // Alerts: when, where and what, not the state (an alert that ends stays selected).
        let parts = ["started", "scope", "metric"].compactMap { t.column($0) }.compactMap { row[$0].text }
        return parts.isEmpty ? (row.first?.text ?? "#\(i)") : parts.joined(separator: "|")
    }

    static func rowIDs(_ t: ViewTable) -> [String] { t.rows.indices.map { rowID(t, $0) } }

    /// Moves the selection of `p` to row `index` (clamped) and remembers that row's identity.
    mutating func select(_ p: PaneID, _ index: Int) {
        let n = shown[p]?.rows.count ?? 0
        let i = n == 0 ? 0 : min(max(0, index), n - 1)
        selection[p] = i
        if let t = shown[p], i < t.rows.count { selectedIDs[p] = ConsoleState.rowID(t, i) }
    }

    /// A selection the person moved (keys, mouse): from then on it sticks to its row.
    mutating func pick(_ p: PaneID, _ index: Int) {
        picked.insert(p)
        select(p, index)
    }

    /// Forgets every pane's selection (a new drill level starts at the top).
    mutating func clearSelections() {
        selection = [:]
        selectedIDs = [:]
        picked = []
    }

    /// Asks for a row to be selected by identity once it is shown (going back up a level).
    mutating func reselect(_ p: PaneID, id: String?) {
        selection[p] = 0
        selectedIDs[p] = id
    }

    mutating func setData(_ d: ConsoleSnapshot?) {
        data = d
        if let d { capabilities = d.capabilities }
        recomputeShown()
    }

    /// Applies the `/` filter (case-insensitive substring of the row name) and the sort to every pane,
    /// then puts each selection back on its row; a row that left goes to its nearest neighbour as shown before.
    mutating func recomputeShown() {
        let before = shown
        shown = [:]
        guard let d = data else { return }
        let needle = filter.lowercased()
        for (pane, pd) in d.panes where pane != .alerts {
            let t = pd.table
            var order = Array(t.rows.indices)
            if !needle.isEmpty, !t.columns.isEmpty {
                order = order.filter { i in t.rows[i][0].text?.lowercased().contains(needle) ?? false }
            }
            let sortBy = sortOrder(pane)
            if let c = t.column(sortBy.column) {
                order = ConsoleState.sortedIndices(order, t.rows, by: c, descending: sortBy.descending)
            }
            // Shown as read (no filter, already in order): the table itself, not a copy of its rows.
            if order.count == t.rows.count && order.elementsEqual(t.rows.indices) {
                shown[pane] = t
                continue
            }
            var out = ViewTable(title: t.title, columns: t.columns, rows: order.map { t.rows[$0] })
            if !t.rowIDs.isEmpty { out.rowIDs = order.map { t.rowIDs[$0] } }
            shown[pane] = out
        }
        for pane in shown.keys { reanchor(pane, before: before[pane]) }
        recomputeAlertsPane()
    }

    /// The alerts pane from the published alert state (it holds no spend data, so it never waits for a snapshot).
    mutating func recomputeAlertsPane() {
        let before = shown[.alerts]
        guard panes.contains(.alerts) else { shown[.alerts] = nil; return }
        let t = AlertsTable.table(alerts, scope: path, order: .pane)
        var order = Array(t.rows.indices)
        let needle = filter.lowercased()
        if !needle.isEmpty {
            let si = t.column("scope")!, ri = t.column("reason")!
            order = order.filter { i in
                (t.rows[i][si].text ?? "").lowercased().contains(needle) || (t.rows[i][ri].text ?? "").lowercased().contains(needle)
            }
        }
        if let o = sort[.alerts], let c = t.column(o.column) {
            order = ConsoleState.sortedIndices(order, t.rows, by: c, descending: o.descending)
        }
        var out = ViewTable(title: t.title, columns: t.columns, rows: order.map { t.rows[$0] })
        if !t.rowIDs.isEmpty { out.rowIDs = order.map { t.rowIDs[$0] } }
        shown[.alerts] = out
        reanchor(.alerts, before: before)
    }

    /// The clock alerts are read against ("active for 12m", "5 today").
    public var alertClockMs: Int64 { AlertsPane.clock(alerts, dataClockMs: data?.clockMs) }

    /// Takes newly published alerts: the pane, the header and the chart markers follow at once (paused or not).
    /// Returns true when more incidents have started than last seen (the bell rings once for them all).
    mutating func setAlerts(_ a: AlertState) -> Bool {
        let rang = a.started > alerts.started
        alerts = a
        let active = Set(a.active.map(\.identity))
        alertFirstSeenMs = alertFirstSeenMs.filter { active.contains($0.key) }
        if nowMs > 0 { for id in active where alertFirstSeenMs[id] == nil { alertFirstSeenMs[id] = nowMs } }
        recomputeAlertsPane()
        return rang
    }

    mutating func reanchor(_ p: PaneID, before: ViewTable?) {
        guard let t = shown[p], !t.rows.isEmpty else { return }
        // Until the person picks an alert, the newest incident (the pane's top row) is the selected one.
        if p == .alerts && !picked.contains(p) { select(p, 0); return }
        let ids = ConsoleState.rowIDs(t)
        guard let want = selectedIDs[p] else { select(p, selection[p] ?? 0); return }
        if let i = ids.firstIndex(of: want) { selection[p] = i; return }
        // The group left the table: the nearest row that is still there, as the person last saw the rows.
        let old = before.map(ConsoleState.rowIDs) ?? []
        if let j = old.firstIndex(of: want) {
            let present = Dictionary(ids.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
            for k in 1..<max(2, old.count) {
                for n in [j + k, j - k] where n >= 0 && n < old.count {
                    if let i = present[old[n]] { select(p, i); return }
                }
            }
        }
        select(p, selection[p] ?? 0)
    }

    /// Row indices in a stable sort: numbers numerically, text lexicographically, empty cells last in either direction.
    static func sortedIndices(_ order: [Int], _ rows: [[ViewTable.Cell]], by c: Int, descending: Bool) -> [Int] {
        // Stable: ties keep their order (`offset`).
        func less(_ a: (offset: Int, element: Int), _ b: (offset: Int, element: Int)) -> Bool {
            let x = rows[a.element][c], y = rows[b.element][c]
            switch (x, y) {
            case (.number(let p), .number(let q)) where p != q: return descending ? p > q : p < q
            case (.text(let p), .text(let q)) where p != q: return descending ? p > q : p < q
            case (.empty, .empty): break
            case (.empty, _): return false
            case (_, .empty): return true
            default: break
            }
            return a.offset < b.offset
        }
        // Rows mostly come in the order asked for (by spend, as the query sorts them): one pass says so.
        if order.indices.dropFirst().allSatisfy({ !less(($0, order[$0]), ($0 - 1, order[$0 - 1])) }) { return order }
        return order.enumerated().sorted(by: less).map(\.element)
    }
}

/// The wallboard's rotation.
public struct WallboardState: Sendable, Equatable {
    public var rotateMs: Int64
    public var view = 0
    public var lastRotateMs: Int64 = 0
    public static let views = 6

    public init(rotateMs: Int64) { self.rotateMs = rotateMs }
}
