import SpendCore

/// Enter on an alerts-pane row: the alert (or budget) in full, drawn over the console. Enter again drills to its
/// scope; Esc closes. The lines come from `lines(…)`, one function per kind of row, so new fields of `AlertEvent`
/// (the scopes a merged incident holds) only add a line there.
public enum AlertDetail {
    public static func render(_ s: ConsoleState, id: String, into c: inout Canvas, theme: Theme) {
        let width = min(c.width - 2, 100)
        let (title, body) = lines(s, id: id, width: width - 4)
        Overlays.box(&c, title: title, lines: body, theme: theme)
    }

    public static func lines(_ s: ConsoleState, id: String, width: Int) -> (String, [(String, ThemeRole)]) {
        let clock = s.alertClockMs
        if let b = s.alerts.budgets.first(where: { AlertsPane.budgetID($0) == id }) {
            return ("Budget", budget(b, width: width) + footer(scope: b.rule.scope.description))
        }
        let e = s.alerts.active.first { $0.identity == id } ?? s.alerts.history.first { $0.identity == id }
        guard let e else { return ("Alert", [("this alert is no longer in the history", .dim)]) }
        return ("Alert · \(e.kind.rawValue)", alert(e, clockMs: clock, width: width) + footer(scope: e.scope))
    }

    static func field(_ name: String, _ value: String, _ role: ThemeRole = .text) -> (String, ThemeRole) {
        (name.padding(toLength: 10, withPad: " ", startingAt: 0) + TextSanitizer.clean(value), role)
    }

    static func wrapped(_ name: String, _ text: String, width: Int) -> [(String, ThemeRole)] {
        let parts = ConsoleScreen.wrap(TextSanitizer.clean(text), width: max(10, width - 10))
        return parts.enumerated().map { i, p in field(i == 0 ? name : "", p, .value) }
    }

    static func clock(_ ms: Int64) -> String { ConsoleScreen.clock(ms) }

    /// `12m`, `2h05m`, `3d4h`.
    static func duration(_ ms: Int64) -> String {
        let m = max(0, ms / 60_000)
        if m < 60 { return "\(m)m" }
        if m < 1440 { return "\(m / 60)h" + (m % 60 < 10 ? "0" : "") + "\(m % 60)m" }
        return "\(m / 1440)d\((m % 1440) / 60)h"
    }

    static func alert(_ e: AlertEvent, clockMs: Int64, width: Int) -> [(String, ThemeRole)] {
        var out: [(String, ThemeRole)] = []
        out.append(field("started", clock(e.startedMs)))
        if let end = e.endedMs {
            out.append(field("ended", "\(clock(end))  (lasted \(duration(end - e.startedMs)))", .dim))
        } else {
            out.append(field("state", "▲ active for \(duration(clockMs - e.startedMs))", .anomaly))
        }
        out.append(field("scope", e.scope))
        out.append(field("metric", e.metric))
        var observed = "observed \(e.format(e.observed))"
        if let x = e.expected { observed += "   expected \(e.format(x))" + (e.kind == .anomaly ? " (baseline)" : " (threshold)") }
        if let z = e.score, z.isFinite { observed += "   score \((z * 10).rounded() / 10)" }
        out.append(field("value", observed))
        out += wrapped("reason", e.reason, width: width)
        out += related(e)
        if e.kind == .budget, let limit = e.budgetLimit {
            var b = "limit " + NumberFormat.usd(limit)
            if let p = e.budgetUsedPct { b += "   \(Int(p.rounded(.down)))% used" }
            if let t = e.budgetRunOutMs { b += "   runs out \(clock(t))" }
            out.append(field("budget", b))
        }
        return out
    }

    /// Other series or scopes the incident holds (today `related`, a count of merged series).
    static func related(_ e: AlertEvent) -> [(String, ThemeRole)] {
        guard let n = e.related, n > 0 else { return [] }
        return [field("related", "\(n) other series merged into this incident")]
    }

    static func budget(_ b: BudgetStatus, width: Int) -> [(String, ThemeRole)] {
        var out: [(String, ThemeRole)] = []
        out.append(field("scope", b.rule.scope.description))
        out.append(field("period", "\(b.rule.period.rawValue) \(b.periodName) (\(clock(b.periodStartMs)) – \(clock(b.periodEndMs)))"))
        out.append(field("used", "\(NumberFormat.usd(b.spentUSD)) of \(NumberFormat.usd(b.rule.limitUSD))"
                         + " (\(Int(b.usedPct.rounded(.down)))%)", b.isExhausted ? .rising : b.usedPct >= 80 ? .warn : .text))
        out.append(field("burn", "\(NumberFormat.usd(b.burnPerHour))/h over the last hour"))
        if b.isExhausted, let t = b.runOutMs {
            out.append(field("runs out", "exhausted at \(clock(t))", .rising))
        } else if let t = b.runOutMs {
            out.append(field("runs out", "~\(clock(t)) at this burn"))
        } else {
            out.append(field("runs out", "lasts the \(b.rule.period.rawValue) at this burn"))
        }
        out.append(field("marks", b.rule.alertAtPct.map { "\(Int($0))%" }.joined(separator: ", ")))
        out += wrapped("reason", b.reason, width: width)
        return out
    }

    static func footer(scope: String) -> [(String, ThemeRole)] {
        let drillable = scope != "fleet" && !scope.hasPrefix("gpu=")
        return [("", .text), (drillable ? "⏎ open \(TextSanitizer.clean(scope)) · Esc closes" : "Esc closes", .dim)]
    }
}
