import Foundation
import SpendCore

/// The SOURCEs that are remote engines (`postgres://`, `promql:`), answered by aggregates the engine computes, and
/// how to open them with what config.toml says (`[postgres]`, `[promql]`, the source's own headers and TLS).
public enum RemoteEngine {
    /// True for a SOURCE read by pushdown rather than as events.
    public static func isRemote(_ spec: SourceSpec) -> Bool {
        switch spec {
        case .postgres, .promql: return true
        default: return false
        }
    }

    /// The console's groupings as dimension lists (the fleet total first).
    public static var consoleGroupings: [[SpendCore.Dimension]] {
        Grouping.console.map(\.dimensions)
    }

    /// A reader of the engine (not connected yet).
    public static func reader(_ spec: SourceSpec, source: SourceSettings, config: ConfigValue) throws -> RemoteCellReading {
        switch spec {
        case .postgres(let url, let table):
            return PostgresSpendLogsReader(url: url, table: table, settings: try PostgresSettings(config: config))
        case .promql(let url):
            return PromQLReader(settings: try PromQLSettings.load(url: url, config: config, source: source))
        default:
            throw ConfigError("\(spec.name) is not a remote engine")
        }
    }

    /// A live poller of the engine over `groupings`, keeping `retentionMinutes` behind its clock.
    public static func poller(_ spec: SourceSpec, source: SourceSettings, config: ConfigValue,
                              groupings: [[SpendCore.Dimension]] = consoleGroupings,
                              retentionMinutes: Int64 = 24 * 60) throws -> RemoteEnginePolling {
        let reader = try reader(spec, source: source, config: config)
        if let pg = reader as? PostgresSpendLogsReader {
            var s = RemotePoller.Settings(source: source, postgres: pg.settings)
            s.retentionMinutes = retentionMinutes
            return RemotePoller(name: spec.name, reader: pg, groupings: groupings, settings: s)
        }
        let promql = reader as! PromQLReader
        var s = PromQLPoller.Settings(source: source, promql: promql.settings, follow: true)
        s.retentionMinutes = retentionMinutes
        return PromQLPoller(reader: promql, groupings: groupings, settings: s)
    }
}

extension RemoteEngine {
    /// One read of the engine for a headless view (export, check): the cells of `groupings` over `window` ending at
    /// `atMs` (default: the engine's clock, as the console's), in a `CellQuery` that answers the view. Per minute
    /// when `perMinute` (series, alerts); otherwise one cell per group for the whole window where the engine can
    /// aggregate so (Postgres), which is all an export of totals needs. Nil when the engine holds no requests.
    public static func snapshot(_ reader: RemoteCellReading, groupings: [[SpendCore.Dimension]], window: TimeWindow,
                                atMs: Int64?, perMinute: Bool, wallMs: Int64) throws -> CellQuery? {
        try reader.connect()
        defer { reader.disconnect() }
        var extent = try reader.extent()
        var window = window
        let isPromQL = reader is PromQLReader
        if isPromQL {
            // A metrics engine knows its newest sample, not its oldest: `all` is the console's 24 h, and a window
            // ending at `--at` needs no recent sample.
            if extent == nil, let atMs { extent = (atMs, atMs) }
            if case .all = window { window = .minutes(24 * 60) }
        }
        guard let e = extent else { return nil }
        let endMs = atMs ?? QueryClock.now(newestEventMs: e.newestMs, wallMs: wallMs)
        let r = QueryRange(window, endMs: endMs, oldestMs: e.oldestMs)
        var minutes = r.startMinute...max(r.startMinute, r.endMinute)
        let fromMs = minutes.lowerBound * 60_000, toMs = (minutes.upperBound + 1) * 60_000
        var gpus = RemoteGPUWindow()
        let cells: [[SpendCore.Dimension]: [RemoteCell]]
        if let promql = reader as? PromQLReader {
            let grid = promql.grid(fromMinute: minutes.lowerBound, toMinute: minutes.upperBound)
            let read = try promql.read(grid: grid, groupings: groupings)
            minutes = grid.minutes
            cells = read.cells
            gpus.replace(minutes: minutes, with: read.gpus)
        } else if perMinute {
            cells = try reader.consistently { try reader.cells(fromMs: fromMs, toMs: toMs, groupings: groupings) }
        } else {
            let (asked, derived) = RemoteEngine.derivable(groupings)
            var read = try reader.consistently { try reader.windowCells(fromMs: fromMs, toMs: toMs, groupings: asked) }
            for (g, from) in derived { read[g] = RemoteEngine.fold(read[from] ?? [], from: from, to: g) }
            cells = read
        }
        var windows: [[SpendCore.Dimension]: RemoteCellWindow] = [:]
        for g in groupings {
            var w = RemoteCellWindow(dimensions: g)
            w.replace(minutes: minutes, with: cells[g] ?? [])
            windows[g] = w
        }
        let q = CellQuery(windows: windows, gpuMinutes: gpus.minutes)
        q.reportedNewestMs = e.newestMs
        q.reportedOldestMs = isPromQL ? nil : e.oldestMs
        return q
    }
}

extension RemoteEngine {
    /// Which groupings must be asked for and which can be summed from another asked one (`[]` from `[feature]`):
    /// every row has one value per dimension, so a grouping's cells are the sums of any grouping holding its
    /// dimensions, latency buckets included when that one keeps them. Fewer aggregates, one scan less each.
    static func derivable(_ groupings: [[SpendCore.Dimension]]) -> (asked: [[SpendCore.Dimension]],
                                                                   derived: [([SpendCore.Dimension], [SpendCore.Dimension])]) {
        func latency(_ g: [SpendCore.Dimension]) -> Bool { SpendLogsSQL.keepsLatency(g) }
        var asked: [[SpendCore.Dimension]] = [], derived: [([SpendCore.Dimension], [SpendCore.Dimension])] = []
        for g in groupings where !asked.contains(g) && !derived.contains(where: { $0.0 == g }) {
            let holder = groupings.first { h in
                h.count > g.count && g.allSatisfy(h.contains) && (!latency(g) || latency(h))
                    && !groupings.contains { k in k.count > h.count && h.allSatisfy(k.contains) }
            }
            if let h = holder { derived.append((g, h)) } else { asked.append(g) }
        }
        for (_, h) in derived where !asked.contains(h) { asked.append(h) }
        return (asked, derived)
    }

    /// `cells` of grouping `from` summed into grouping `to` (whose dimensions `from` holds).
    static func fold(_ cells: [RemoteCell], from: [SpendCore.Dimension], to: [SpendCore.Dimension]) -> [RemoteCell] {
        let positions = to.map { from.firstIndex(of: $0)! }
        var sums: [Int64: [[DimensionValue]: Measures]] = [:]
        for c in cells { sums[c.minute, default: [:]][positions.map { c.values[$0] }, default: Measures()].merge(c.measures) }
        return sums.flatMap { minute, groups in groups.map { RemoteCell(minute: minute, values: $0.key, measures: $0.value) } }
    }
}
