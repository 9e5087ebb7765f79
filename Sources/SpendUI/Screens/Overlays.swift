import SpendCore

/// The `?` help and `!` diagnostics screens, drawn over the console.
public enum Overlays {
    static func box(_ c: inout Canvas, title: String, lines: [(String, ThemeRole)], theme: Theme) {
        let w = min(c.width - 2, max(50, (lines.map { CharWidth.of($0.0) }.max() ?? 0) + 4))
        let h = min(c.height - 2, lines.count + 2)
        let r = Rect(x: (c.width - w) / 2, y: max(1, (c.height - h) / 2), width: w, height: h)
        c.fill(r, style: theme[.overlay])
        let inner = Box(title: title, rightTitle: "Esc closes", focused: true).render(into: &c, in: r, theme: theme)
        c.fill(inner, style: theme[.overlay])
        for (i, (line, role)) in lines.prefix(inner.height).enumerated() {
            var st = theme[role]
            st.bg = theme[.overlay].bg
            c.put(" " + line, x: inner.x, y: inner.y + i, style: st, clip: inner)
        }
    }

    /// Generated from `Keymap.bindings`: the same table that handles the keys. Two columns when
    /// one does not fit the height (80×24 shows every key).
    public static func help(into c: inout Canvas, theme: Theme) {
        let keyW = Keymap.bindings.map { CharWidth.of($0.label) }.max() ?? 10
        let entries = Keymap.bindings.map { $0.label + String(repeating: " ", count: keyW - CharWidth.of($0.label)) + "  " + $0.help }
        var lines: [(String, ThemeRole)]
        if entries.count + 4 > c.height - 2 {
            let half = (entries.count + 1) / 2
            let colW = max(10, (c.width - 6) / 2)
            lines = (0..<half).map { i in
                let left = CharWidth.truncate(entries[i], to: colW - 1)
                let right = i + half < entries.count ? CharWidth.truncate(entries[i + half], to: colW - 1) : ""
                return (left + String(repeating: " ", count: max(1, colW - CharWidth.of(left))) + right, .text)
            }
        } else {
            lines = entries.map { ($0, .text) }
        }
        lines.append(("", .text))
        lines.append(("mouse: a click selects a row · colour is never the only signal: ▲ ▼ ! mark states", .dim))
        box(&c, title: "Keys", lines: lines, theme: theme)
    }

    public static func diagnostics(_ d: ConsoleSnapshot, alerts: AlertState = AlertState(), into c: inout Canvas, theme: Theme) {
        box(&c, title: "Diagnostics", lines: diagnosticLines(d, alerts: alerts), theme: theme)
    }

    public static func diagnosticLines(_ d: ConsoleSnapshot, alerts: AlertState = AlertState()) -> [(String, ThemeRole)] {
        var lines: [(String, ThemeRole)] = []
        lines.append(("events counted \(d.eventsCounted)", .value))
        for src in d.sources {
            let state: String
            switch src.state {
            case .connecting: state = "connecting"
            case .live: state = "● live"
            case .retrying(let at): state = "○ retrying at \(Timestamp.format(ms: at))"
            case .ended: state = "■ read to end"
            case .failed: state = "! failed"
            }
            lines.append(("source \(TextSanitizer.clean(src.name))  \(state)", .title))
            let s = src.stats
            lines.append(("  lines \(s.lines)  events \(s.events)  gpu samples \(s.gpuSamples)  duplicates \(s.duplicates)  expired \(s.expired)", .text))
            lines.append(("  rejected \(s.rejected)", s.rejected > 0 ? .warn : .text))
            for (reason, n) in s.rejects.sorted(by: { $0.key < $1.key }) { lines.append(("    ! \(reason.rawValue): \(n)", .warn)) }
            if let e = src.lastError { lines.append(("  ! last error: \(TextSanitizer.clean(e))", .rising)) }
        }
        let unpriced = d.unpricedModels.reduce(Int64(0)) { $0 + $1.requests }
        lines.append(("unpriced \(unpriced) requests in \(d.unpricedModels.count) models (their spend is unknown, not $0)",
                      d.unpricedModels.isEmpty ? .text : .warn))
        for (m, n) in d.unpricedModels.prefix(8) { lines.append(("  ! \(m): \(n)", .warn)) }
        for f in d.folded where f.values > 0 {
            lines.append(("\(f.dimension.name): \(f.values) values folded into (other), \(f.events) events", .warn))
        }
        if let e = d.error { lines.append(("! \(e)", .rising)) }
        // Alert delivery: a log that cannot be written or a failing hook is said here, never silently.
        if !alerts.problems.isEmpty {
            lines.append(("alert delivery", .title))
            for p in alerts.problems.suffix(8) { lines.append(("  ! \(TextSanitizer.clean(p))", .rising)) }
        }
        return lines
    }
}
