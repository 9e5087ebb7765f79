/// The savings view as a table: what `export --view savings` writes, the console's Savings pane
/// shows and its `e` writes (columns in docs/export.md).
public enum SavingsView {
    public static let columns: [ViewTable.Column] = [
        .init(id: "kind", title: "KIND OF SAVING", kind: .text),
        .init(id: "scope", title: "SCOPE", kind: .text),
        .init(id: "evidence", title: "EVIDENCE", kind: .text),
        .init(id: "spend_usd", title: "SPEND", kind: .usd),
        .init(id: "saving_usd", title: "SAVING", kind: .usd),
        .init(id: "saving_per_month_usd", title: "SAVING/MO", kind: .usd),
        .init(id: "assumption", title: "ASSUMPTION", kind: .text),
    ]

    public static func table(_ report: SavingsReport) -> ViewTable {
        func money(_ v: Double?) -> ViewTable.Cell { v.map { .number($0) } ?? .empty }
        let rows = report.opportunities.map { o -> [ViewTable.Cell] in
            [.text(o.kind.rawValue), .text(o.scope.description), .text(o.evidence), money(o.spendUSD),
             money(o.savingUSD), money(o.savingPerMonthUSD), .text(o.assumption)]
        }
        // A row is its kind on its scope's ids (one of each at most): the selection follows it as rows re-sort.
        return ViewTable(title: "Savings", columns: columns, rows: rows,
                         rowIDs: report.opportunities.map { $0.scope.rowID($0.kind) })
    }
}
