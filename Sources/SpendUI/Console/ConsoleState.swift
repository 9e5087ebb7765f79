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

    /// The position of the row identified as `id` in a shown table, or nil when it is not there. A table with ids
    /// is not put in order for this (`ViewTable.Rows.position(ofRowID:)`).
    static func position(of id: String, in t: ViewTable) -> Int? {
        if !t.rowIDs.isEmpty { return t.rows.position(ofRowID: id) }
        return t.rows.indices.first { rowID(t, $0) == id }
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
        for (pane, pd) in d.panes where pane != .alerts {
            let t = pd.table
            // Rows are ordered and formatted as they are read: a page of a day's keys, not all of them.
            let order = sortOrder(pane)
            shown[pane] = t.arranged(matching: t.columns.isEmpty ? "" : filter, in: [0], sortBy: t.column(order.column),
                                     descending: order.descending)
        }
        for pane in shown.keys { reanchor(pane, before: before[pane]) }
        recomputeAlertsPane()
    }

    /// The alerts pane from the published alert state (it holds no spend data, so it never waits for a snapshot).
    mutating func recomputeAlertsPane() {
        let before = shown[.alerts]
        guard panes.contains(.alerts) else { shown[.alerts] = nil; return }
        let t = AlertsTable.table(alerts, scope: path, order: .pane)
        let sortBy = sort[.alerts].flatMap { t.column($0.column) }
        let out = t.arranged(matching: filter, in: [t.column("scope")!, t.column("reason")!], sortBy: sortBy,
                             descending: sort[.alerts]?.descending ?? false)
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
        guard let want = selectedIDs[p] else { select(p, selection[p] ?? 0); return }
        if let i = ConsoleState.position(of: want, in: t) { selection[p] = i; return }
        // The group left the table: the nearest row that is still there, as the person last saw the rows.
        if let before, let j = ConsoleState.position(of: want, in: before) {
            let old = ConsoleState.rowIDs(before)
            let ids = ConsoleState.rowIDs(t)
            let present = Dictionary(ids.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
            for k in 1..<max(2, old.count) {
                for n in [j + k, j - k] where n >= 0 && n < old.count {
                    if let i = present[old[n]] { select(p, i); return }
                }
            }
        }
        select(p, selection[p] ?? 0)
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
