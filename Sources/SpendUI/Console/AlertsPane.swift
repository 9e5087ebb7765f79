import SpendCore

/// The alerts pane's rows, built from the published alert state: each budget (% used, projected run-out, period),
/// then the active alerts, then the ended ones, newest first, narrowed to the drill path's scope. The same table is
/// drawn and written by `e` (what is exported is what is shown).
public enum AlertsPane {
    public static let columns: [ViewTable.Column] = [
        .init(id: "started", title: "STARTED", kind: .time), .init(id: "state", title: "STATE", kind: .text),
        .init(id: "ended", title: "ENDED", kind: .time), .init(id: "kind", title: "KIND", kind: .text),
        .init(id: "scope", title: "SCOPE", kind: .text), .init(id: "metric", title: "METRIC", kind: .text),
        .init(id: "observed", title: "OBSERVED", kind: .number), .init(id: "expected", title: "EXPECTED", kind: .number),
        .init(id: "reason", title: "REASON", kind: .text), .init(id: "id", title: "ID", kind: .text),
    ]

    /// The row id of a budget (alerts use `AlertEvent.identity`).
    public static func budgetID(_ b: BudgetStatus) -> String { "budget:" + b.rule.name }

    static func inScope(_ scope: String, _ path: [ViewQuery.Filter]) -> Bool {
        let scopes = Set(path.map { "\($0.dimension.name)=\($0.value)" })
        return scopes.isEmpty || scopes.contains(scope) || scope == "fleet"
    }

    public static func table(_ a: AlertState, path: [ViewQuery.Filter], clockMs: Int64) -> ViewTable {
        func time(_ ms: Int64?) -> ViewTable.Cell { ms.map { .text(Timestamp.format(ms: $0)) } ?? .empty }
        var rows: [[ViewTable.Cell]] = []
        for b in a.budgets where inScope(b.rule.scope.description, path) {
            let pct = Int(b.usedPct.rounded(.down))
            rows.append([time(b.periodStartMs), .text("budget \(pct)%"), time(b.periodEndMs), .text("budget"),
                         .text(TextSanitizer.clean(b.rule.scope.description)), .text(b.rule.metric), .number(b.spentUSD),
                         .number(b.rule.limitUSD), .text(TextSanitizer.clean(b.summary)), .text(TextSanitizer.clean(budgetID(b)))])
        }
        var seen = Set<String>()
        let all = (a.active + a.history).filter { seen.insert($0.identity).inserted && inScope($0.scope, path) }
        let ordered = all.filter(\.isActive).sorted { $0.startedMs > $1.startedMs }
            + all.filter { !$0.isActive }.sorted { ($0.endedMs ?? 0, $0.startedMs) > ($1.endedMs ?? 0, $1.startedMs) }
        for e in ordered {
            let state = e.endedMs.map { "ended " + String(AlertEvent.clock($0).dropLast()) } ?? "▲ active"
            rows.append([time(e.startedMs), .text(state), time(e.endedMs), .text(e.kind.rawValue), .text(TextSanitizer.clean(e.scope)),
                         .text(e.metric), .number(e.observed), e.expected.map { .number($0) } ?? .empty,
                         .text(TextSanitizer.clean(e.reason)), .text(TextSanitizer.clean(e.identity))])
        }
        var t = ViewTable(title: "Alerts", columns: columns, rows: rows)
        // The selection follows an alert by its identity as rows come and go.
        if let c = t.column("id") { t.rowIDs = rows.map { $0[c].text ?? "" } }
        return t
    }

    /// `Alerts 2 active · 5 today` (with the catch-up's progress while history is being judged at start), or the
    /// longest shorter form that fits `width`.
    public static func title(_ a: AlertState, clockMs: Int64, width: Int = .max) -> String {
        let n = a.active.count, today = a.startedOnDay(of: clockMs)
        var forms = ["Alerts \(n) active · \(today) today", "Alerts \(n) · \(today) today", "Alerts \(n) active", "Alerts \(n)"]
        if let p = a.catchUp {
            // While history is judged the counts are not final: the progress is what must show.
            let pct = "\(Int((p * 100).rounded(.down)))%"
            forms = [forms[0] + " · judging history \(pct)", "Alerts \(n) · \(today) today · judging \(pct)",
                     "Alerts · judging history \(pct)", "Alerts · judging \(pct)", "Alerts …"]
        }
        return forms.first { CharWidth.of($0) <= width } ?? forms.last!
    }

    /// How each row reads: ended alerts dim, budgets by how much is used.
    public static func role(_ row: [ViewTable.Cell], in t: ViewTable) -> ThemeRole? {
        guard let si = t.column("state"), let state = row[si].text else { return nil }
        if state.hasPrefix("ended") { return .dim }
        if state.hasPrefix("budget"), let o = t.column("observed"), let e = t.column("expected"),
           let spent = row[o].number, let limit = row[e].number, limit > 0 {
            return spent >= limit ? .rising : spent >= 0.8 * limit ? .warn : nil
        }
        return nil
    }

    /// The clock alerts are read against: the end of the last judged minute, else the data's clock.
    public static func clock(_ a: AlertState, dataClockMs: Int64?) -> Int64 { a.judgedThroughMs ?? dataClockMs ?? 0 }
}
