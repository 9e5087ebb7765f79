import SpendCore

/// Reads one frame's data from the rollups through `RollupQuery` and `ExportView`, the same calls
/// `spendtop export` makes, so that panes and CSV snapshots hold the same rows.
public enum SnapshotBuilder {
    /// Minutes of trend per table row.
    public static let trendMinutes = 8
    /// GPUs below this utilisation count as idle.
    public static let idleUtilPct = 10.0

    public static func build(_ q: RowTrendQuery, window: TimeWindow, path: [ViewQuery.Filter], chartMinutes: Int,
                             sources: [SourceStatus], unpriced: [(model: String, requests: Int64)],
                             eventsCounted: Int64, folded: [(dimension: Dimension, events: Int, values: Int)],
                             wallMs: Int64) -> ConsoleSnapshot {
        let clock = q.clockMs(wallMs: wallMs)
        var s = ConsoleSnapshot(clockMs: clock, live: RollupClock.isLive(newestEventMs: clock, wallMs: wallMs), window: window, path: path)
        s.sources = sources
        s.unpricedModels = unpriced
        s.eventsCounted = eventsCounted
        s.folded = folded
        do {
            let totals = try q.rows(ViewQuery(groupBy: nil, window: window, atMs: clock, filters: path), wallMs: wallMs)
            s.total = totals.total
            s.durationSeconds = totals.durationSeconds
            if case .minutes(let m) = window {
                let prev = try q.rows(ViewQuery(groupBy: nil, window: window, atMs: clock - Int64(m) * 60_000, filters: path), wallMs: wallMs)
                s.previousTotal = prev.total
                s.previousDurationSeconds = Double(m) * 60
            }
            let recent = window == .minutes(5) ? totals
                : try q.rows(ViewQuery(groupBy: nil, window: .minutes(5), atMs: clock, filters: path), wallMs: wallMs)
            s.recent = recent.total
            s.recentDurationSeconds = recent.durationSeconds
            s.series = try q.series(ViewQuery(groupBy: nil, window: .minutes(max(1, chartMinutes)), atMs: clock, filters: path), wallMs: wallMs)
        } catch {
            s.error = "\(error)"
        }
        // The alerts pane is not read from the rollups: ConsoleState builds it from the published alert state.
        for pane in PaneID.panes(for: path) where pane != .alerts {
            s.panes[pane] = paneData(q, pane: pane, window: window, path: path, clock: clock, wallMs: wallMs)
        }
        if let gpus = s.panes[.gpus]?.table, let ui = gpus.column("util_pct") {
            let utils = gpus.rows.compactMap { $0[ui].number }
            s.gpuUtilPct = utils.isEmpty ? nil : utils.reduce(0, +) / Double(utils.count)
            s.idleGPUs = utils.filter { $0 < idleUtilPct }.count
        }
        return s
    }

    /// The filters a pane of `dimension` can apply at `path`: siblings drop their own dimension,
    /// and leading filters drop until a kept rollup answers (`ExportView.groupings`).
    public static func effectiveFilters(for dim: Dimension, path: [ViewQuery.Filter]) -> [ViewQuery.Filter] {
        var f = path.filter { $0.dimension != dim }
        while !f.isEmpty {
            let dims = Set(f.map(\.dimension)).union([dim])
            if dims.count <= 2 { break }
            f.removeFirst()
        }
        return f
    }

    static func paneData(_ q: RowTrendQuery, pane: PaneID, window: TimeWindow, path: [ViewQuery.Filter], clock: Int64,
                         wallMs: Int64) -> PaneData {
        switch pane {
        case .table(let dim):
            let view = ExportView.allCases.first { $0.dimension == dim }!
            let filters = effectiveFilters(for: dim, path: path)
            let dropped = path.filter { p in p.dimension != dim && !filters.contains(p) }
            let note = dropped.isEmpty ? nil : "all " + dropped.map { $0.dimension.title.lowercased() }.joined(separator: ", ")
            do {
                let table = try view.table(q, window: window, atMs: clock, filters: filters, wallMs: wallMs)
                let trends = try q.trends(ViewQuery(groupBy: dim, window: window, atMs: clock, filters: filters),
                                          minutes: trendMinutes, wallMs: wallMs)
                return PaneData(table: table, trends: trends, filters: filters, scopeNote: note)
            } catch {
                return PaneData(table: ViewTable(title: dim.title, columns: [], rows: []), filters: filters, scopeNote: "\(error)")
            }
        case .gpus:
            let t = (try? ExportView.gpus.table(q, window: window, atMs: clock, filters: [], wallMs: wallMs))
                ?? ViewTable(title: "GPUs", columns: [], rows: [])
            return PaneData(table: t)
        case .alerts:
            return PaneData(table: AlertsPane.table(AlertState(), path: path, clockMs: clock))
        }
    }
}
