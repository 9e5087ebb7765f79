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
    /// What the ingest side published about alerts; updated even while paused.
    public internal(set) var alerts = AlertState()
    /// When (wall ms) each active alert was first on screen: the wallboard takes over for a new one's first 30 s.
    public internal(set) var alertFirstSeenMs: [String: Int64] = [:]
    /// Each pane's rows after the `/` filter and the sort: what the pane draws and `e` writes.
    public private(set) var shown: [PaneID: ViewTable] = [:]
    public var quit = false
    /// After going back up, the row name to select again once the new data arrives.
    public var pendingReselect: String?

    public init(width: Int, height: Int, window: TimeWindow = .minutes(5)) {
        self.width = width
        self.height = height
        self.window = window
    }

    public var panes: [PaneID] { PaneID.panes(for: path) }

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

    mutating func setData(_ d: ConsoleSnapshot?) {
        data = d
        recomputeShown()
        if let name = pendingReselect, let t = shown[focus], let i = t.rows.firstIndex(where: { $0.first?.text == name }) {
            selection[focus] = i
            pendingReselect = nil
        }
    }

    /// Applies the `/` filter (case-insensitive substring of the row name) and the sort to every pane.
    mutating func recomputeShown() {
        shown = [:]
        guard let d = data else { return }
        let needle = filter.lowercased()
        for (pane, pd) in d.panes where pane != .alerts {
            var t = pd.table
            if !needle.isEmpty, !t.columns.isEmpty {
                t.rows = t.rows.filter { row in row[0].text?.lowercased().contains(needle) ?? false }
            }
            let order = sortOrder(pane)
            if let c = t.column(order.column) {
                t.rows = ConsoleState.sorted(t.rows, by: c, descending: order.descending)
            }
            shown[pane] = t
        }
        recomputeAlertsPane()
    }

    /// The alerts pane from the published alert state (it holds no rollup data, so it never waits for a snapshot).
    mutating func recomputeAlertsPane() {
        guard panes.contains(.alerts) else { shown[.alerts] = nil; return }
        var t = AlertsPane.table(alerts, path: path, clockMs: alertClockMs)
        let needle = filter.lowercased()
        if !needle.isEmpty {
            let si = t.column("scope")!, ri = t.column("reason")!
            t.rows = t.rows.filter { ($0[si].text ?? "").lowercased().contains(needle) || ($0[ri].text ?? "").lowercased().contains(needle) }
        }
        if let o = sort[.alerts], let c = t.column(o.column) {
            t.rows = ConsoleState.sorted(t.rows, by: c, descending: o.descending)
        }
        shown[.alerts] = t
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

    /// A stable sort: numbers numerically, text lexicographically, empty cells last in either direction.
    static func sorted(_ rows: [[ViewTable.Cell]], by c: Int, descending: Bool) -> [[ViewTable.Cell]] {
        let indexed = rows.enumerated().map { ($0.offset, $0.element) }
        return indexed.sorted { a, b in
            let x = a.1[c], y = b.1[c]
            switch (x, y) {
            case (.number(let p), .number(let q)) where p != q: return descending ? p > q : p < q
            case (.text(let p), .text(let q)) where p != q: return descending ? p > q : p < q
            case (.empty, .empty): break
            case (.empty, _): return false
            case (_, .empty): return true
            default: break
            }
            return a.0 < b.0
        }.map(\.1)
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
