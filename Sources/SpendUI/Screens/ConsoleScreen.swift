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
        for (pane, rect) in layout.place(PaneID.arranged(s.panes, focus: s.focus), focus: s.focus) {
            paneWidget(s, d, pane, compact: layout.mode == .compact, width: rect.width).render(into: &c, in: rect, theme: theme)
        }
        statusLine(s, into: &c, in: layout.status, theme: theme)
        switch s.overlay {
        case .none: break
        case .help: Overlays.help(into: &c, theme: theme)
        case .diagnostics: Overlays.diagnostics(d, alerts: s.alerts, into: &c, theme: theme)
        case .alert(let id): AlertDetail.render(s, id: id, into: &c, theme: theme)
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
        HeaderLine.render(s, into: &c, in: r, theme: theme)
    }

    /// The change of a rate against the previous window's: `▲ 31%`, `▼ 12%`, `= prev`, `▲ 15.2×`.
    static func change(_ now: Double, _ before: Double) -> (String, ThemeRole)? {
        guard before > 0, now.isFinite, before.isFinite else { return nil }
        let pct = (now - before) / before * 100
        if abs(pct) < 0.5 { return ("=", .dim) }
        let size = abs(pct) >= 1000 ? NumberFormat.rate(now / before) + "×" : "\(Int(abs(pct).rounded()))%"
        return ((pct > 0 ? "▲ " : "▼ ") + size, pct > 0 ? .rising : .falling)
    }

    /// The tiles of the KPI strip. Spend compares its rate with the previous window's (the current
    /// window's last minute is still open, the previous window's are all closed); the burn rate is the
    /// last five minutes' at every window, with the window's average beside it.
    static func kpiTiles(_ s: ConsoleState, _ d: ConsoleSnapshot) -> [KPITile] {
        let t = d.total, secs = max(d.durationSeconds, 1), w = "\(s.window)"
        var tiles: [KPITile] = []
        let unknown = t.requests > 0 && t.unpriced == t.requests && t.spend == 0
        let ch = change(t.spend / secs, d.previousTotal.spend / max(d.previousDurationSeconds, 1))
        let spendDetails: [String]
        if let (text, _) = ch {
            spendDetails = text == "=" ? ["= prev \(w)", "= prev"] : [text + " vs prev " + w, text + " vs prev", text]
        } else {
            spendDetails = ["prev \(w): —", "prev: —"]
        }
        tiles.append(KPITile(title: "Spend \(w)", values: [unknown ? "unpriced" : NumberFormat.money(t.spend)],
                             valueRole: unknown ? .warn : .value, details: spendDetails, detailRole: ch?.1 ?? .dim))
        let now = d.burnPerHour
        let burnDetails = burnDetails(s, d)
        tiles.append(KPITile(title: "Burn rate", values: [NumberFormat.money(now) + "/h last 5m", NumberFormat.money(now) + "/h 5m",
                                                          NumberFormat.money(now) + "/h"],
                             details: SavingsPane.inTile(s, d, burnDetails) ? SavingsPane.withFragment(burnDetails, d)
                                 : burnDetails))
        let tokens = d.series.suffix(10).map { Double($0.measures.inputTokens + $0.measures.outputTokens) }
        let inRate = NumberFormat.rate(Double(t.inputTokens) / secs), outRate = NumberFormat.rate(Double(t.outputTokens) / secs)
        var tokenTile = KPITile(title: "Tokens/s in/out", values: [inRate + " / " + outRate, inRate + "/" + outRate],
                                details: [Sparkline.render(tokens, width: 10, openFraction: d.openMinuteFraction)], detailRole: .chart)
        tokenTile.dimDetailTail = tokens.isEmpty || d.openMinuteFraction >= 1 ? 0 : 1
        tiles.append(tokenTile)
        let hit = t.cacheHitRatio.map { $0 * 100 }
        let prevHit = d.previousTotal.cacheHitRatio.map { $0 * 100 }
        let gw = t.gatewayCacheHitRate.map { NumberFormat.percent($0 * 100) } ?? "—"
        var hitDetails = ["gw cache " + gw, "gw " + gw]
        var hitRole = ThemeRole.dim
        if let h = hit, let p = prevHit, abs(h - p) >= 1 {
            let delta = (h < p ? "▼ " : "▲ ") + NumberFormat.points(abs(h - p).rounded())
            hitDetails = [delta + "  gw cache " + gw, delta + "  gw " + gw, delta]
            hitRole = h < p ? .rising : .falling
        }
        tiles.append(KPITile(title: "Cache hit", values: [hit.map { NumberFormat.percent($0) } ?? "—"], details: hitDetails,
                             detailRole: hitRole))
        let err = t.errorRate.map { $0 * 100 } ?? 0
        let rps = NumberFormat.rate(Double(t.requests) / secs) + "/s", errText = "err " + NumberFormat.percent(err)
        tiles.append(KPITile(title: "Requests", values: [rps + "   " + errText, rps + "  " + errText, rps + " " + errText, rps],
                             valueRole: err >= 5 ? .rising : .value,
                             details: ["p95 " + (t.latency.percentile(0.95).map { NumberFormat.duration(ms: $0) } ?? "—")]))
        tiles.append(KPITile(title: "GPUs", values: ["util " + (d.gpuUtilPct.map { NumberFormat.percent($0) } ?? "—")],
                             details: ConsoleScreen.idleDetails(d), detailRole: d.idleGPUs > 0 ? .warn : .dim))
        return tiles
    }

    /// The burn tile's second line, most complete first: the projected day at 5m, else the window's average.
    static func burnDetails(_ s: ConsoleState, _ d: ConsoleSnapshot) -> [String] {
        let w = "\(s.window)", average = d.spendPerHour
        return s.window == .minutes(5) ? ["≈ " + NumberFormat.money(d.burnPerHour * 24) + "/day"]
            : ["\(w) avg " + NumberFormat.money(average) + "/h", "avg " + NumberFormat.money(average) + "/h"]
    }

    /// `! 2 idle $4.98/h` with a GPU-hour price in config, `! 2 idle` without, `none idle`.
    static func idleDetail(_ d: ConsoleSnapshot) -> String { idleDetails(d)[0] }

    static func idleDetails(_ d: ConsoleSnapshot) -> [String] {
        guard d.idleGPUs > 0 else { return ["none idle"] }
        guard let price = d.gpuHourlyUSD else { return ["! \(d.idleGPUs) idle"] }
        return ["! \(d.idleGPUs) idle " + NumberFormat.money(Double(d.idleGPUs) * price) + "/h", "! \(d.idleGPUs) idle"]
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
        for a in s.alerts.history where AlertsTable.inScope(a.scopeFilters, of: d.path) {
            let col = Int((a.startedMs - first) / 60_000) / per
            if col >= 0 && col < values.count { anomalies.insert(col) }
        }
        var title = (s.path.isEmpty ? "" : s.breadcrumb + " · ") + "Spend per \(per == 1 ? "minute" : "\(per) min")"
        // Older minutes are even shares of folded cells: the chart says how coarse, and up to when.
        if let coarse = d.chartCoarse {
            let hhmm = ConsoleScreen.clock(coarse.untilMs).dropFirst(11).prefix(5)
            title += " · \(coarse.minutes)-min cells before \(hhmm)"
        }
        // The newest minute is still open: the last column covers its closed minutes plus that fraction.
        let inLast = d.series.count - (values.count - 1) * per
        let coverage = values.isEmpty ? 1 : (Double(max(0, inLast - 1)) + d.openMinuteFraction) / Double(per)
        SpendChart(values: values, firstMinuteMs: first, minutesPerColumn: per, anomalies: anomalies, title: title,
                   openFraction: coverage < 1 ? coverage : nil)
            .render(into: &c, in: r, theme: theme)
    }

    static func paneWidget(_ s: ConsoleState, _ d: ConsoleSnapshot, _ pane: PaneID, compact: Bool, width: Int = .max) -> TableWidget {
        let table = s.shown[pane] ?? ViewTable(title: "", columns: [], rows: [])
        let pd = d.panes[pane]
        var title: String
        switch pane {
        case .table(let dim): title = "\(dim.title) \(table.rows.count)"
        case .gpus: title = "GPUs \(table.rows.count)"
        // Room for the box corners, the title's padding and the compact arrows.
        case .alerts: title = AlertsPane.title(s.alerts, clockMs: s.alertClockMs, width: width - (compact ? 10 : 6))
        case .savings: title = SavingsPane.title(table, d)
        }
        if let note = pd?.scopeNote { title += " · \(note)" }
        if compact { title = "◀ " + title + " ▶" }
        let order = s.sortOrder(pane)
        var notes: [String: String] = [:]
        if case .table(let dim) = pane {
            // By row identity: an alert on one key marks that key's row, not another key that masks alike.
            for a in s.alerts.active where a.scopeFilters.count == 1 && a.scopeFilters[0].dimension == dim {
                let f = a.scopeFilters[0]
                // Names compared in any order: no row is sorted or formatted for this.
                let rows = f.id.map { [GroupID.rowID(dim, $0)] } ?? table.rowIDs(named: f.value)
                for r in rows { notes[r, default: "▲"] += " " + a.metric.replacingOccurrences(of: "_", with: " ") }
            }
        }
        var columns = pane.columns
        // The reason first: a narrow pane drops the state column (ended rows are dim anyway), never the reason.
        if pane == .alerts { columns = ["started", "reason", "state"] }
        let sortTitle = table.column(order.column).map { table.columns[$0].title.lowercased() } ?? order.column
        var w = TableWidget(table: table, columns: columns, sortColumn: pane == .alerts ? nil : order.column, descending: order.descending,
                            selected: s.selected(pane), trends: pd?.trends ?? [:], notes: notes, title: title,
                            rightTitle: pane == .alerts ? "" : "sort \(sortTitle) \(order.descending ? "▼" : "▲")",
                            focused: s.focus == pane)
        w.openFraction = d.openMinuteFraction
        if pane == .alerts {
            w.emptyText = s.alerts.catchUp != nil ? "judging history…" : s.alerts.history.isEmpty && s.alerts.budgets.isEmpty ? "no alerts" : "no alerts match"
            w.rowRoles = table.rows.map { AlertsPane.role($0, in: table) }
            w.flexColumn = "reason"
        }
        if pane == .savings { SavingsPane.style(&w, d) }
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
