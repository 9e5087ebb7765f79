/// The one alerts table (`ExportView.alerts`): the console's alerts pane draws it, `e` on the pane writes it and
/// `export --view alerts` prints it, with the same columns and cells. Rows: each budget's standing (the pane
/// passes the live budgets; a replay has none), then the incidents, narrowed to those in scope of a drill path.
public enum AlertsTable {
    /// Row order: the pane's (budgets, active newest first, then ended, most recently ended first) or start order
    /// (the export's, so a file's alerts can be compared in CI).
    public enum Order: Sendable { case pane, started }

    /// The first twelve are `export --view alerts`' historical columns, in their order; `state`, `id` and `scopes`
    /// (every scope a merged incident holds) follow.
    public static let columns: [ViewTable.Column] = [
        .init(id: "started", title: "STARTED", kind: .time),
        .init(id: "ended", title: "ENDED", kind: .time),
        .init(id: "kind", title: "KIND", kind: .text),
        .init(id: "scope", title: "SCOPE", kind: .text),
        .init(id: "metric", title: "METRIC", kind: .text),
        .init(id: "observed", title: "OBSERVED", kind: .number),
        .init(id: "expected", title: "EXPECTED", kind: .number),
        .init(id: "score", title: "SCORE", kind: .number),
        .init(id: "reason", title: "REASON", kind: .text),
        .init(id: "budget_limit_usd", title: "BUDGET", kind: .usd),
        .init(id: "budget_used_pct", title: "USED", kind: .percent),
        .init(id: "budget_run_out", title: "RUNS OUT", kind: .time),
        .init(id: "state", title: "STATE", kind: .text),
        .init(id: "id", title: "ID", kind: .text),
        .init(id: "scopes", title: "SCOPES", kind: .text),
    ]

    /// The row id of a budget's standing (incidents use `AlertEvent.identity`).
    public static func budgetID(_ b: BudgetStatus) -> String { "budget:" + b.rule.name }

    /// True when an alert scoped to `scope` concerns the drill path: the path is everything, the alert is
    /// fleet-wide, or each of its filters selects a group the path selects (by id where both know it, so an alert
    /// on one key never shows in the drill of another key that masks alike).
    public static func inScope(_ scope: [ViewQuery.Filter], of path: [ViewQuery.Filter]) -> Bool {
        path.isEmpty || scope.isEmpty || scope.allSatisfy { f in path.contains { $0.overlaps(f) } }
    }

    public static func table(_ a: AlertState, scope path: [ViewQuery.Filter], order: Order) -> ViewTable {
        func time(_ ms: Int64?) -> ViewTable.Cell { ms.map { .text(Timestamp.format(ms: $0)) } ?? .empty }
        func num(_ v: Double?) -> ViewTable.Cell { v.flatMap { $0.isFinite ? .number($0) : nil } ?? .empty }
        func text(_ s: String) -> ViewTable.Cell { .text(TextSanitizer.clean(s)) }
        var rows: [[ViewTable.Cell]] = []
        for b in a.budgets where inScope(b.rule.scope.filters, of: path) {
            let pct = Int(b.usedPct.rounded(.down))
            rows.append([time(b.periodStartMs), time(b.periodEndMs), .text("budget"), text(b.rule.scope.description),
                         .text(b.rule.metric), num(b.spentUSD), num(b.rule.limitUSD), .empty, text(b.summary),
                         num(b.rule.limitUSD), num(b.usedPct), time(b.runOutMs), .text("budget \(pct)%"),
                         text(budgetID(b)), .empty])
        }
        var seen = Set<String>()
        let all = (a.active + a.history).filter {
            seen.insert($0.identity).inserted && inScope($0.scopeFilters, of: path)
        }
        let ordered: [AlertEvent]
        switch order {
        case .pane:
            let ended = all.filter { !$0.isActive }
                .sorted { ($0.endedMs ?? 0, $0.startedMs) > ($1.endedMs ?? 0, $1.startedMs) }
            ordered = all.filter(\.isActive).sorted { $0.startedMs > $1.startedMs } + ended
        case .started:
            ordered = all.enumerated().sorted { ($0.element.startedMs, $0.offset) < ($1.element.startedMs, $1.offset) }
                .map(\.element)
        }
        for e in ordered {
            let state = e.endedMs.map { "ended " + String(AlertEvent.clock($0).dropLast()) } ?? "▲ active"
            rows.append([time(e.startedMs), time(e.endedMs), .text(e.kind.rawValue), text(e.scope), .text(e.metric),
                         num(e.observed), num(e.expected), num(e.score), text(e.reason), num(e.budgetLimit),
                         num(e.budgetUsedPct), time(e.budgetRunOutMs), .text(state), text(e.identity),
                         text((e.scopes ?? []).joined(separator: "; "))])
        }
        // The selection follows an alert by its identity as rows come and go.
        let c = columns.firstIndex { $0.id == "id" }!
        return ViewTable(title: "Alerts", columns: columns, rows: rows, rowIDs: rows.map { $0[c].text ?? "" })
    }
}
