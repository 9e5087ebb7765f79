import SpendCore

/// How the alerts pane reads: its title, row roles and clock. Its rows are the one alerts table
/// (`AlertsTable`, `ExportView.alerts`), the same `e` and `export --view alerts` write.
public enum AlertsPane {
    /// The row id of a budget (alerts use `AlertEvent.identity`).
    public static func budgetID(_ b: BudgetStatus) -> String { AlertsTable.budgetID(b) }

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
