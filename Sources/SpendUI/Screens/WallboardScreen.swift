import SpendCore

/// The read-only wallboard: big KPIs and rotating views. A new alert (or budget crossing) takes the whole screen for
/// its first `takeoverMs` on screen; after that, while it holds, a banner line keeps it in sight and the views rotate.
public enum WallboardScreen {
    static let viewNames = ["Overview", "Features", "API keys", "Models", "GPUs"]
    public static let takeoverMs: Int64 = 30_000

    /// Active alerts still in their first `takeoverMs` on screen, newest first.
    public static func newAlerts(_ s: ConsoleState) -> [AlertEvent] {
        s.alerts.active.filter { s.nowMs - (s.alertFirstSeenMs[$0.identity] ?? s.nowMs) < takeoverMs }
            .sorted { $0.startedMs > $1.startedMs }
    }

    public static func render(_ s: ConsoleState, theme: Theme, into c: inout Canvas) {
        let w = s.width, h = s.height
        guard w >= Layout.minimum.width, h >= Layout.minimum.height else {
            c.put(CharWidth.truncate("enlarge the terminal (\(w)×\(h))", to: w), x: 0, y: 0, style: theme[.warn])
            return
        }
        guard let d = s.data else { c.put(" reading sources…", x: 0, y: 1, style: theme[.dim]); return }
        let view = s.wallboard?.view ?? 0
        let fresh = newAlerts(s)
        let alerting = !fresh.isEmpty
        let active = s.alerts.active
        let head = Rect(x: 0, y: 0, width: w, height: 1)
        c.fill(head, style: theme[alerting ? .alert : .header])
        let title = alerting ? " spendtop wallboard   ▲ \(fresh.count) NEW ALERT\(fresh.count == 1 ? "" : "S")"
            : " spendtop wallboard   \(viewNames[view]) (\(view + 1)/\(viewNames.count))"
                + (active.isEmpty ? "" : "   ▲ \(active.count) active")
        c.put(CharWidth.truncate(title + "   window \(s.window)   \(ConsoleScreen.clock(d.clockMs))", to: w), x: 0, y: 0,
              style: theme[alerting ? .alert : .header])
        let foot = Rect(x: 0, y: h - 1, width: w, height: 1)
        c.fill(foot, style: theme[.status])
        c.put(" q quits · read-only wallboard", x: 0, y: h - 1, style: theme[.status], clip: foot)
        var body = Rect(x: 0, y: 1, width: w, height: h - 2)
        if alerting { alerts(fresh, into: &c, in: body, theme: theme); return }
        if !active.isEmpty {
            banner(active, into: &c, in: Rect(x: 0, y: 1, width: w, height: 1), theme: theme)
            body = Rect(x: 0, y: 2, width: w, height: h - 3)
        }
        switch view {
        case 0: overview(s, d, into: &c, in: body, theme: theme)
        case 4: bigTable(d.panes[.gpus]?.table, nameCol: 0, valueCol: "util_pct", into: &c, in: body, theme: theme, title: "GPUs")
        default:
            let dim: Dimension = view == 1 ? .feature : view == 2 ? .apiKey : .model
            bigTable(d.panes[.table(dim)]?.table, nameCol: 0, valueCol: "spend_usd", into: &c, in: body, theme: theme, title: dim.title)
        }
    }

    static func overview(_ s: ConsoleState, _ d: ConsoleSnapshot, into c: inout Canvas, in r: Rect, theme: Theme) {
        let t = d.total, secs = max(1, d.durationSeconds)
        let kpis: [(String, String)] = [
            ("Spend \(s.window)", NumberFormat.money(t.spend)),
            ("Burn $/h, last 5m", NumberFormat.money(d.burnPerHour)),
            ("Projected $/day", NumberFormat.money(d.burnPerHour * 24)),
            ("Requests/s", NumberFormat.rate(Double(t.requests) / secs)),
            ("Cache hit", t.cacheHitRatio.map { NumberFormat.percent($0 * 100) } ?? "—"),
            ("Errors", t.errorRate.map { NumberFormat.percent($0 * 100) } ?? "—"),
        ]
        let cols = r.width >= 150 ? 3 : 2
        let rows = (kpis.count + cols - 1) / cols
        let tileH = max(2, r.height / rows)
        for (i, (label, value)) in kpis.enumerated() {
            let tx = r.x + (i % cols) * (r.width / cols), ty = r.y + (i / cols) * tileH
            let tile = Rect(x: tx, y: ty, width: r.width / cols, height: tileH).inset(0)
            c.put(" " + label, x: tile.x + 1, y: tile.y, style: theme[.title], clip: tile)
            let text = value.replacingOccurrences(of: "/", with: "")
            if BigDigits.width(text) + 2 <= tile.width && tileH >= BigDigits.height + 1 {
                BigDigits.render(text, into: &c, x: tile.x + 2, y: tile.y + 1, style: theme[.bigDigits], clip: tile)
            } else {
                c.put("  " + value, x: tile.x, y: tile.y + 1, style: theme[.value], clip: tile)
            }
        }
    }

    static func bigTable(_ t: ViewTable?, nameCol: Int, valueCol: String, into c: inout Canvas, in r: Rect, theme: Theme, title: String) {
        c.put(" " + title, x: r.x + 1, y: r.y, style: theme[.title], clip: r)
        guard let t, let vi = t.column(valueCol) else { return }
        let top = t.rows.prefix(max(0, (r.height - 2) / 2))
        let hi = top.compactMap { $0[vi].number }.max() ?? 0
        let nameW = min(30, r.width / 3)
        for (i, row) in top.enumerated() {
            let y = r.y + 2 + i * 2
            let name = NumberFormat.cell(row[nameCol], .text)
            c.put(" " + CharWidth.truncate(name, to: nameW), x: r.x + 1, y: y, style: theme[.value], clip: r)
            let v = row[vi].number ?? 0
            let value = NumberFormat.cell(row[vi], t.columns[vi].kind)
            let barW = max(0, r.width - nameW - 16)
            let filled = hi > 0 ? Int((v / hi * Double(barW)).rounded()) : 0
            c.put(String(repeating: "█", count: filled), x: r.x + nameW + 3, y: y, style: theme[.chart], clip: r)
            c.putRight(value, maxX: r.maxX - 1, y: y, style: theme[.value], clip: r)
        }
    }

    /// One line for the alerts still holding after their takeover: the newest first, as many as fit.
    static func banner(_ active: [AlertEvent], into c: inout Canvas, in r: Rect, theme: Theme) {
        c.fill(r, style: theme[.alert])
        let items = active.sorted { $0.startedMs > $1.startedMs }.map {
            String(ConsoleScreen.clock($0.startedMs).dropFirst(11).prefix(5)) + " " + TextSanitizer.clean($0.reason)
        }
        let text = " ▲ \(active.count) active: " + items.joined(separator: "  ·  ")
        c.put(CharWidth.truncate(text, to: r.width), x: r.x, y: r.y, style: theme[.alert], clip: r)
    }

    static func alerts(_ active: [AlertEvent], into c: inout Canvas, in r: Rect, theme: Theme) {
        c.fill(r, style: theme[.text])
        let word = "ALERT"
        let bigFits = r.width >= 40 && r.height >= 12
        var y = r.y + 1
        if bigFits {
            c.put(" ▲ ", x: r.x + 1, y: y + 2, style: theme[.anomaly], clip: r)
            c.put(String(repeating: "█", count: min(r.width - 6, 19)), x: r.x + 4, y: y, style: theme[.anomaly], clip: r)
            c.put(" \(word) ", x: r.x + 6, y: y + 2, style: theme[.alert], clip: r)
            y += 5
        }
        for a in active.prefix(max(1, (r.maxY - y) / 2)) {
            c.put(" ▲ " + ConsoleScreen.clock(a.startedMs).suffix(9) + "  " + TextSanitizer.clean(a.scope), x: r.x + 1, y: y, style: theme[.anomaly], clip: r)
            c.put("   " + TextSanitizer.clean(a.reason), x: r.x + 1, y: y + 1, style: theme[.value], clip: r)
            y += 2
        }
    }
}
