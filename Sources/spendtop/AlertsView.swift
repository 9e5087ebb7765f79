import SpendCore

/// `export --view alerts`: what the alert engine reports over a replay of the sources, as a table.
enum AlertsView {
    static let columns: [ViewTable.Column] = [
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
        .init(id: "scopes", title: "SCOPES", kind: .text),
    ]

    static func table(_ events: [AlertEvent]) -> ViewTable {
        func time(_ ms: Int64?) -> ViewTable.Cell { ms.map { .text(Timestamp.format(ms: $0)) } ?? .empty }
        func num(_ v: Double?) -> ViewTable.Cell { v.flatMap { $0.isFinite ? .number($0) : nil } ?? .empty }
        let rows = events.map { e -> [ViewTable.Cell] in
            [time(e.startedMs), time(e.endedMs), .text(e.kind.rawValue), .text(e.scope), .text(e.metric), num(e.observed),
             num(e.expected), num(e.score), .text(e.reason), num(e.budgetLimit), num(e.budgetUsedPct), time(e.budgetRunOutMs),
             .text((e.scopes ?? []).joined(separator: "; "))]
        }
        return ViewTable(title: "Alerts", columns: columns, rows: rows)
    }
}
