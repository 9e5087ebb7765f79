import SpendCore

/// Draws the console for a state: a pure function from state and theme to a canvas.
public enum ConsoleScreen {
    public static func render(_ s: ConsoleState, theme: Theme) -> Canvas {
        var c = Canvas(width: s.width, height: s.height, style: theme[.text])
        if s.wallboard != nil {
            WallboardScreen.render(s, theme: theme, into: &c)
            return c
        }
        let layout = Layout.compute(width: s.width, height: s.height)
        if layout.mode == .tooSmall {
            let msg = "enlarge the terminal to at least \(Layout.minimum.width)×\(Layout.minimum.height) (now \(s.width)×\(s.height))"
            for (i, part) in wrap(msg, width: max(1, s.width)).prefix(max(0, s.height)).enumerated() {
                c.put(part, x: 0, y: i, style: theme[.warn])
            }
            return c
        }
        header(s, into: &c, in: layout.header, theme: theme)
        guard let d = s.data else {
            c.put(" reading sources…", x: 0, y: 2, style: theme[.dim])
            statusLine(s, into: &c, in: layout.status, theme: theme)
            return c
        }
        if layout.mode == .full {
            kpiStrip(s, d, into: &c, in: layout.kpis, tiles: layout.kpiTiles, theme: theme)
            if let chartRect = layout.chart { chart(s, d, into: &c, in: chartRect, theme: theme) }
        } else {
            compactKPIs(s, d, into: &c, in: layout.kpis, theme: theme)
        }
        for (pane, rect) in layout.place(s.panes, focus: s.focus) {
            paneWidget(s, d, pane, compact: layout.mode == .compact).render(into: &c, in: rect, theme: theme)
        }
        statusLine(s, into: &c, in: layout.status, theme: theme)
        switch s.overlay {
        case .none: break
        case .help: Overlays.help(into: &c, theme: theme)
        case .diagnostics: Overlays.diagnostics(d, into: &c, theme: theme)
        }
        return c
    }

    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && CharWidth.of(line) + 1 + CharWidth.of(String(word)) > width { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    static func clock(_ ms: Int64) -> String {
        let t = Timestamp.format(ms: ms)   // 2026-11-28T14:32:05Z
        return t.replacingOccurrences(of: "T", with: " ")
    }

    static func header(_ s: ConsoleState, into c: inout Canvas, in r: Rect, theme: Theme) {
        c.fill(r, style: theme[.header])
        // (text, priority): the lowest priorities go first when the line is too long.
        var parts: [(String, Int)] = [(" spendtop", 9)]
        if !s.path.isEmpty { parts.append((s.breadcrumb, 8)) }
        if let d = s.data {
            let live = d.sources.filter { $0.state == .live }.count
            let stalled = d.sources.filter(\.stalled).count
            let retrying = d.sources.filter { if case .retrying = $0.state { return !$0.stalled }; return false }.count
            let failed = d.sources.filter { $0.state == .failed }.count
            let ended = d.sources.filter { $0.state == .ended }.count
            var src: [String] = []
            if live > 0 { src.append("● \(live) live") }
            if stalled > 0 { src.append("○ \(stalled) stalled, reconnecting") }
            if retrying > 0 { src.append("○ \(retrying) retrying") }
            if failed > 0 { src.append("! \(failed) failed") }
            if ended > 0 { src.append("■ \(ended) file\(ended == 1 ? "" : "s")") }
            parts.append((src.joined(separator: "  "), stalled > 0 ? 8 : 4))
            if let store = d.storeStatus { parts.append(("! " + store, 9)) }
        }
        parts.append(("window \(s.window)", 7))
        if let d = s.data { parts.append((clock(d.clockMs), 3)) }
        parts.append(("filter " + (s.filter.isEmpty ? "—" : s.filter), s.filter.isEmpty ? 1 : 7))
        if let d = s.data {
            let unpriced = d.unpricedModels.count
            if unpriced > 0 { parts.append(("unpriced \(unpriced)", 5)) }
            let n = d.activeAlerts.count
            parts.append((n > 0 ? "▲ \(n) alert\(n == 1 ? "" : "s")" : "no alerts", n > 0 ? 8 : 2))
        }
        parts.append(("bell \(s.bellOn ? "on" : "off")", 0))
        if s.paused { parts.append(("⏸ PAUSED", 9)) }
        if s.data != nil && s.isStale { parts.append(("⟳ loading", 9)) }
        func line() -> String { parts.map(\.0).joined(separator: "   ") }
        while CharWidth.of(line()) > r.width, let drop = parts.indices.min(by: { parts[$0].1 < parts[$1].1 }), parts.count > 1 {
            parts.remove(at: drop)
        }
        c.put(CharWidth.truncate(line(), to: r.width), x: r.x, y: r.y, style: theme[.header], clip: r)
    }

    static func change(_ now: Double, _ before: Double) -> (String, ThemeRole)? {
        guard before > 0 else { return nil }
        let pct = (now - before) / before * 100
        if abs(pct) < 0.5 { return ("= prev", .dim) }
        return (pct > 0 ? "▲ \(Int(pct.rounded()))%" : "▼ \(Int((-pct).rounded()))%", pct > 0 ? .rising : .falling)
    }

    static func kpiTiles(_ s: ConsoleState, _ d: ConsoleSnapshot) -> [KPITile] {
        let t = d.total, secs = max(d.durationSeconds, 1)
        var tiles: [KPITile] = []
        let ch = change(t.spend, d.previousTotal.spend)
        tiles.append(KPITile(title: "Spend \(s.window)", value: NumberFormat.usd(t.spend),
                             detail: ch.map { "\($0.0) vs prev \(s.window)" } ?? "prev \(s.window): —", detailRole: ch?.1 ?? .dim))
        let perHour = d.spendPerHour
        tiles.append(KPITile(title: "Burn rate", value: NumberFormat.usd(perHour) + "/h", detail: "≈ " + NumberFormat.usd(perHour * 24) + "/day"))
        let tokens = d.series.suffix(10).map { Double($0.measures.inputTokens + $0.measures.outputTokens) }
        tiles.append(KPITile(title: "Tokens/s", value: "in " + NumberFormat.count((Double(t.inputTokens) / secs).rounded()) + "  out "
                                + NumberFormat.count((Double(t.outputTokens) / secs).rounded()),
                             detail: Sparkline.render(tokens, width: 10), detailRole: .chart))
        let hit = t.cacheHitRatio.map { $0 * 100 }
        let prevHit = d.previousTotal.cacheHitRatio.map { $0 * 100 }
        var hitDetail = "gw cache " + (t.gatewayCacheHitRate.map { NumberFormat.percent($0 * 100) } ?? "—")
        var hitRole = ThemeRole.dim
        if let h = hit, let p = prevHit, abs(h - p) >= 1 {
            hitDetail = (h < p ? "▼ " : "▲ ") + "\(Int(abs(h - p).rounded())) pts  " + hitDetail
            hitRole = h < p ? .rising : .falling
        }
        tiles.append(KPITile(title: "Cache hit", value: hit.map { NumberFormat.percent($0) } ?? "—", detail: hitDetail, detailRole: hitRole))
        let err = t.errorRate.map { $0 * 100 } ?? 0
        tiles.append(KPITile(title: "Requests", value: NumberFormat.rate(Double(t.requests) / secs) + "/s   err " + NumberFormat.percent(err),
                             valueRole: err >= 5 ? .rising : .value,
                             detail: "p95 " + (t.latency.percentile(0.95).map { NumberFormat.milliseconds($0) } ?? "—")))
        tiles.append(KPITile(title: "GPUs", value: "util " + (d.gpuUtilPct.map { NumberFormat.percent($0) } ?? "—"),
                             detail: ConsoleScreen.idleDetail(d), detailRole: d.idleGPUs > 0 ? .warn : .dim))
        return tiles
    }

    /// `! 2 idle $4.98/h` with a GPU-hour price in config, `! 2 idle` without, `none idle`.
    static func idleDetail(_ d: ConsoleSnapshot) -> String {
        guard d.idleGPUs > 0 else { return "none idle" }
        guard let price = d.gpuHourlyUSD else { return "! \(d.idleGPUs) idle" }
        return "! \(d.idleGPUs) idle " + NumberFormat.usd(Double(d.idleGPUs) * price) + "/h"
    }

    static func kpiStrip(_ s: ConsoleState, _ d: ConsoleSnapshot, into c: inout Canvas, in r: Rect, tiles n: Int, theme: Theme) {
        let tiles = kpiTiles(s, d)
        // Narrow strips keep spend, burn, cache and requests first.
        let order = n >= 6 ? [0, 1, 2, 3, 4, 5] : [0, 1, 3, 4, 5, 2]
        let chosen = order.prefix(n).sorted().map { tiles[$0] }
        for (tile, rect) in zip(chosen, r.columns(Array(repeating: 1.0 / Double(chosen.count), count: chosen.count))) {
            tile.render(into: &c, in: rect, theme: theme)
        }
    }

    static func compactKPIs(_ s: ConsoleState, _ d: ConsoleSnapshot, into c: inout Canvas, in r: Rect, theme: Theme) {
        let tiles = kpiTiles(s, d)
        let line1 = " \(tiles[0].title) \(tiles[0].value)  \(tiles[0].detail)   \(tiles[1].value)  \(tiles[1].detail)"
        let line2 = " cache \(tiles[3].value)   req \(tiles[4].value)   \(tiles[4].detail)   GPU \(tiles[5].value)"
        c.put(CharWidth.truncate(line1, to: r.width), x: r.x, y: r.y, style: theme[.value], clip: r)
        c.put(CharWidth.truncate(line2, to: r.width), x: r.x, y: r.y + 1, style: theme[.text], clip: r)
    }

    static func chart(_ s: ConsoleState, _ d: ConsoleSnapshot, into c: inout Canvas, in r: Rect, theme: Theme) {
        let plotW = max(1, r.width - 2 - 9)
        let per = max(1, (d.series.count + plotW - 1) / plotW)
        var values: [Double] = []
        var i = 0
        while i < d.series.count {
            values.append(d.series[i..<min(d.series.count, i + per)].reduce(0) { $0 + $1.measures.spend })
            i += per
        }
        let first = d.series.first?.minuteStartMs ?? d.clockMs
        var anomalies = Set<Int>()
        let scopes = Set(d.path.map { "\($0.dimension.name)=\($0.value)" })
        for a in d.activeAlerts + d.alertHistory where scopes.isEmpty || scopes.contains(a.scope) || a.scope == "fleet" {
            let col = Int((a.startedMs - first) / 60_000) / per
            if col >= 0 && col < values.count { anomalies.insert(col) }
        }
        let title = (s.path.isEmpty ? "" : s.breadcrumb + " · ") + "Spend per \(per == 1 ? "minute" : "\(per) min")"
        SpendChart(values: values, firstMinuteMs: first, minutesPerColumn: per, anomalies: anomalies, title: title)
            .render(into: &c, in: r, theme: theme)
    }

    static func paneWidget(_ s: ConsoleState, _ d: ConsoleSnapshot, _ pane: PaneID, compact: Bool) -> TableWidget {
        let table = s.shown[pane] ?? ViewTable(title: "", columns: [], rows: [])
        let pd = d.panes[pane]
        var title: String
        switch pane {
        case .table(let dim): title = "\(dim.title) \(table.rows.count)"
        case .gpus: title = "GPUs \(table.rows.count)"
        case .alerts: title = "Alerts \(d.activeAlerts.count) active"
        }
        if let note = pd?.scopeNote { title += " · \(note)" }
        if compact { title = "◀ " + title + " ▶" }
        let order = s.sortOrder(pane)
        var notes: [String: String] = [:]
        if case .table(let dim) = pane {
            for a in d.activeAlerts where a.scope.hasPrefix(dim.name + "=") {
                notes[String(a.scope.dropFirst(dim.name.count + 1)), default: "▲"] += " " + a.metric.replacingOccurrences(of: "_", with: " ")
            }
        }
        var columns = pane.columns
        if pane == .alerts { columns = ["started", "reason"] }
        let sortTitle = table.column(order.column).map { table.columns[$0].title.lowercased() } ?? order.column
        var w = TableWidget(table: table, columns: columns, sortColumn: pane == .alerts ? nil : order.column, descending: order.descending,
                            selected: s.selected(pane), trends: pd?.trends ?? [:], notes: notes, title: title,
                            rightTitle: pane == .alerts ? "" : "sort \(sortTitle) \(order.descending ? "▼" : "▲")",
                            focused: s.focus == pane)
        if pane == .alerts { w.emptyText = d.alertHistory.isEmpty ? "no alerts" : "no alerts match" }
        if !s.filter.isEmpty && table.rows.isEmpty { w.emptyText = "nothing matches /\(s.filter)" }
        return w
    }

    static func statusLine(_ s: ConsoleState, into c: inout Canvas, in r: Rect, theme: Theme) {
        c.fill(r, style: theme[.status])
        let text: String
        if s.filterEditing {
            text = " / " + s.filter + "█   Enter keeps · Esc clears · narrowing live"
        } else if let st = s.status {
            text = " " + st
        } else {
            text = Keymap.hint(width: r.width)
        }
        c.put(CharWidth.truncate(text, to: r.width), x: r.x, y: r.y, style: theme[.status], clip: r)
    }
}
