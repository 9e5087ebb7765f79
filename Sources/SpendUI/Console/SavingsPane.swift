import SpendCore

/// The Savings pane: the advisor's opportunities for the window and drill path, the same
/// `SavingsView` table `spendtop export --view savings` writes (so `e` writes that CSV), its
/// total as a KPI fragment, and Enter to open a row's scope.
public enum SavingsPane {
    /// Display order; the scope names the row, the evidence takes the width left.
    public static let columns = ["scope", "saving_per_month_usd", "kind", "saving_usd", "evidence", "spend_usd"]

    /// Reads the pane through the advisor (which reads only the query interface).
    static func paneData(_ q: SpendQuery, advisor: SavingsAdvisor, window: TimeWindow, path: [ViewQuery.Filter],
                         clock: Int64, wallMs: Int64, cache: SavingsCache? = nil) -> (PaneData, Double?) {
        do {
            let report = try advisor.advise(q, window: window, atMs: clock, path: path, wallMs: wallMs, cache: cache)
            // A partial report (a backend without request classes) claims no total.
            let total = report.opportunities.isEmpty || !report.complete ? nil : report.totalPerMonthUSD
            return (PaneData(table: SavingsView.table(report), filters: path, scopeNote: report.note), total)
        } catch {
            let empty = SavingsView.table(SavingsReport(opportunities: [], durationSeconds: 0))
            return (PaneData(table: empty, filters: path, scopeNote: "\(error)"), nil)
        }
    }

    /// `save ≈ $2.1k/mo`, or nil when nothing priced is to be saved.
    public static func fragment(_ d: ConsoleSnapshot) -> String? {
        guard let total = d.savingsPerMonthUSD, total > 0 else { return nil }
        return "save ≈ " + NumberFormat.money(total) + "/mo"
    }

    /// A tile line's alternatives (most complete first) with the savings fragment after each, ahead of
    /// them: the tile draws the first that fits, so the fragment shows where there is room for it.
    static func withFragment(_ alternatives: [String], _ d: ConsoleSnapshot) -> [String] {
        guard let f = fragment(d) else { return alternatives }
        return alternatives.map { $0 + "  " + f } + alternatives
    }

    /// Whether the burn tile has room for the fragment after its first line (`≈ $17.7k/day  save ≈ $2.1k/mo`):
    /// from ~190 columns. Otherwise the header carries it, so it shows once at every size.
    static func inTile(_ s: ConsoleState, _ d: ConsoleSnapshot, _ burnDetails: [String]) -> Bool {
        let layout = Layout.compute(width: s.width, height: s.height)
        guard let f = fragment(d), layout.mode == .full, layout.kpiTiles > 0, let first = burnDetails.first else { return false }
        let room = layout.kpis.width / layout.kpiTiles - 3  // the box's sides and the line's leading space
        return CharWidth.of(first) + 2 + CharWidth.of(f) <= room
    }

    /// The header's part when the burn tile has no room for the fragment.
    static func headerPart(_ s: ConsoleState) -> HeaderLine.Part? {
        guard let d = s.data, let f = fragment(d), !inTile(s, d, ConsoleScreen.burnDetails(s, d)) else { return nil }
        return HeaderLine.Part(text: f, priority: 2, role: .header)  // after the clock, before the filter and bell
    }

    /// `Savings 7 · save ≈ $2.1k/mo`.
    static func title(_ t: ViewTable, _ d: ConsoleSnapshot) -> String {
        "Savings \(t.rows.count)" + (fragment(d).map { " · " + $0 } ?? "")
    }

    static func style(_ w: inout TableWidget, _ d: ConsoleSnapshot) {
        w.flexColumn = "evidence"
        w.emptyText = d.panes[.savings]?.scopeNote == nil ? "nothing to save found in this window" : "no savings here"
        // A row without a price (an idle GPU with no GPU-hour price) reads dim: its money is unknown.
        if let si = w.table.column("saving_usd") {
            w.rowRoles = w.table.rows.map { $0[si] == .empty ? .dim : nil }
        }
    }
}

extension ConsoleState {
    /// Enter on a savings row: opens its scope (`feature=…`, `feature=… model=…`) as the drill path.
    mutating func drillToSavingsScope(_ row: [ViewTable.Cell], in t: ViewTable) -> [Effect] {
        guard let c = t.column("scope"), let text = row[c].text,
              let scope = SavingsScope(text: text, rowID: ConsoleState.rowID(t, selected(focus))) else { return [] }
        if scope.gpu != nil {
            say("GPUs have no breakdown by feature or key", seconds: 4)
            return []
        }
        path = scope.filters
        // The path is replaced, not extended: going back up has no row of its own to select again.
        drilledFrom = Array(repeating: nil, count: path.count)
        focus = panes[0]
        clearSelections()
        return [.refresh]
    }
}
