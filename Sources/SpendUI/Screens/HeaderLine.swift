import SpendCore

/// The console's first line: sources and their state, drill path, window, clock, filter, unpriced
/// models, alerts, bell. A broken source is named in the alert colour, never counted as `● live`;
/// a store holding other runs' history says so.
public enum HeaderLine {
    /// One fragment: its text, how much it matters (the lowest go first when the line is too long), its style.
    public struct Part: Equatable {
        public var text: String
        public var priority: Int
        public var role: ThemeRole
    }

    public static func parts(_ s: ConsoleState) -> [Part] {
        var parts = [Part(text: " spendtop", priority: 9, role: .header)]
        if !s.path.isEmpty { parts.append(Part(text: s.breadcrumb, priority: 8, role: .header)) }
        if let d = s.data {
            parts += sourceParts(d.sources)
            if let store = d.storeStatus { parts.append(Part(text: "! " + store, priority: 9, role: .alert)) }
        }
        if let note = s.storeNote { parts.append(Part(text: note, priority: 8, role: .warn)) }
        parts.append(Part(text: "window \(s.window)", priority: 7, role: .header))
        if let d = s.data { parts.append(Part(text: ConsoleScreen.clock(d.clockMs), priority: 3, role: .header)) }
        parts.append(Part(text: "filter " + (s.filter.isEmpty ? "—" : s.filter), priority: s.filter.isEmpty ? 1 : 7, role: .header))
        if let d = s.data {
            let unpriced = d.unpricedModels.count
            if unpriced > 0 { parts.append(Part(text: "unpriced \(unpriced)", priority: 5, role: .header)) }
            let n = s.alerts.active.count
            parts.append(Part(text: n > 0 ? "▲ \(n) alert\(n == 1 ? "" : "s")" : "no alerts", priority: n > 0 ? 8 : 2, role: .header))
            if !s.alerts.problems.isEmpty { parts.append(Part(text: "! alert delivery (see !)", priority: 6, role: .warn)) }
        }
        parts.append(Part(text: "bell \(s.bellOn ? "on" : "off")", priority: 0, role: .header))
        if s.paused { parts.append(Part(text: "⏸ PAUSED", priority: 9, role: .header)) }
        if s.data != nil && s.isStale { parts.append(Part(text: "⟳ loading", priority: 9, role: .header)) }
        return parts
    }

    /// What a source has shown so far, as the header says it.
    enum Health: Equatable {
        case live, retrying, ended, failed(String?), connecting(String?), noLines
        /// Lines came, none valid: the most common reason.
        case noneValid(lines: Int64, reason: RejectReason)
    }

    static func health(_ src: SourceStatus) -> Health {
        let st = src.stats
        let valid = st.events + st.gpuSamples + st.duplicates + st.expired
        if valid == 0, st.rejected > 0, let top = st.rejects.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }) {
            return .noneValid(lines: max(st.lines, st.rejected), reason: top.key)
        }
        switch src.state {
        case .live: return valid == 0 && st.lines == 0 ? .noLines : .live
        case .retrying: return .retrying
        case .ended: return .ended
        case .failed: return .failed(src.lastError)
        case .connecting: return .connecting(src.lastError)
        }
    }

    /// The reject reason in a few words for the header (`not JSON`).
    public static func shortReason(_ r: RejectReason) -> String {
        switch r {
        case .invalidJSON: return "not JSON"
        case .notAnObject: return "not JSON objects"
        case .missingTimestamp: return "no readable timestamp"
        case .unknownFormat: return "unrecognised format"
        case .invalidUTF8: return "not UTF-8"
        case .lineTooLong: return "lines too long"
        case .badField: return "fields of the wrong type"
        case .unreadableMetric: return "unreadable metrics"
        case .futureTimestamp: return "timestamps in the future"
        }
    }

    /// `app.log` for a path, the whole name for URLs and `sqlite:`.
    static func shortName(_ name: String) -> String {
        let clean = TextSanitizer.clean(name)
        guard !clean.contains("://"), !clean.hasPrefix("sqlite:"), let slash = clean.lastIndex(of: "/"),
              clean.index(after: slash) < clean.endIndex else { return clean }
        return String(clean[clean.index(after: slash)...])
    }

    static func sourceParts(_ sources: [SourceStatus]) -> [Part] {
        var live = 0, retrying = 0, ended = 0, stalled = 0
        var named: [Part] = []
        for src in sources {
            let name = shortName(src.name)
            // Connected but silent past the idle timeout: it is being reconnected, and says so.
            if src.stalled { stalled += 1; continue }
            switch health(src) {
            case .live: live += 1
            case .retrying: retrying += 1
            case .ended: ended += 1
            case .noneValid(let lines, let reason):
                named.append(Part(text: "✗ \(name): \(lines) line\(lines == 1 ? "" : "s"), none valid: \(shortReason(reason))",
                                  priority: 8, role: .alert))
            case .failed(let e):
                named.append(Part(text: "✗ \(name): " + (e.map { TextSanitizer.clean($0) } ?? "failed"), priority: 8, role: .alert))
            case .connecting(let e):
                named.append(Part(text: "○ \(name): " + (e.map { "waiting (\(TextSanitizer.clean($0)))" } ?? "connecting"),
                                  priority: 6, role: .warn))
            case .noLines:
                // Followed, nothing read this run: an empty file, or one resumed at its end from the store.
                named.append(Part(text: "● \(name): no new lines yet", priority: 6, role: .header))
            }
        }
        var counts: [String] = []
        if live > 0 { counts.append("● \(live) live") }
        if stalled > 0 { counts.append("○ \(stalled) stalled, reconnecting") }
        if retrying > 0 { counts.append("○ \(retrying) retrying") }
        if ended > 0 { counts.append("■ \(ended) file\(ended == 1 ? "" : "s")") }
        var out: [Part] = []
        if !counts.isEmpty { out.append(Part(text: counts.joined(separator: "  "), priority: stalled > 0 ? 8 : 4,
                                          role: retrying + stalled > 0 ? .warn : .header)) }
        return out + named
    }

    public static func render(_ s: ConsoleState, into c: inout Canvas, in r: Rect, theme: Theme) {
        c.fill(r, style: theme[.header])
        var parts = self.parts(s)
        func width() -> Int { parts.reduce(0) { $0 + CharWidth.of($1.text) } + max(0, parts.count - 1) * 3 }
        while width() > r.width, parts.count > 1, let drop = parts.indices.min(by: { parts[$0].priority < parts[$1].priority }) {
            parts.remove(at: drop)
        }
        var x = r.x
        for (i, p) in parts.enumerated() {
            if i > 0 { x += c.put("   ", x: x, y: r.y, style: theme[.header], clip: r) }
            var style = theme[p.role]
            // Warnings keep the header's background; the alert colour is its own block.
            if p.role == .warn { style.bg = theme[.header].bg; style.attributes.formUnion(theme[.header].attributes) }
            x += c.put(CharWidth.truncate(p.text, to: max(0, r.maxX - x)), x: x, y: r.y, style: style, clip: r)
        }
    }
}
