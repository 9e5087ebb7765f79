import SpendCore

/// Reads one frame's data through `SpendQuery` and `ExportView`, the same calls `spendtop export` makes, so that
/// panes and CSV snapshots hold the same rows. Knows no backend: what can be drilled and which filters a pane can
/// apply come from the query's capabilities.
public enum SnapshotBuilder {
    /// Minutes of trend per table row.
    public static let trendMinutes = 8
    /// GPUs below this utilisation count as idle.
    public static let idleUtilPct = 10.0

    /// A frame's data as read from the query, before the group panes' rows are turned into table cells:
    /// `read` runs under the feed's lock (ingest waits meanwhile), `finish` after it is released.
    public struct Pending: Sendable {
        public var snapshot: ConsoleSnapshot
        var groupPanes: [(pane: PaneID, dimension: Dimension, rows: GroupRows, trends: [GroupID: [Double]],
                          filters: [ViewQuery.Filter], note: String?)] = []
    }

    public static func build(_ q: SpendQuery, window: TimeWindow, path: [ViewQuery.Filter], chartMinutes: Int,
                             sources: [SourceStatus], wallMs: Int64,
                             savings: SavingsSettings? = nil) -> ConsoleSnapshot {
        finish(read(q, window: window, path: path, chartMinutes: chartMinutes, sources: sources, wallMs: wallMs,
                    savings: savings))
    }

    /// Formats what `read` left as rows into the panes' tables; touches no query, so needs no lock.
    public static func finish(_ p: Pending) -> ConsoleSnapshot {
        var s = p.snapshot
        for g in p.groupPanes {
            s.panes[g.pane] = PaneData(table: ViewTable(title: g.dimension.title, groups: g.rows), trends: g.trends,
                                       filters: g.filters, scopeNote: g.note)
        }
        return s
    }

    /// Everything a frame reads from the query (the part to run under the feed's lock).
    /// `savingsCache` keeps the advisor's findings between refreshes while the data has not changed.
    public static func read(_ q: SpendQuery, window: TimeWindow, path: [ViewQuery.Filter], chartMinutes: Int,
                            sources: [SourceStatus], wallMs: Int64, savings: SavingsSettings? = nil,
                            savingsCache: SavingsCache? = nil) -> Pending {
        let clock = q.clockMs(wallMs: wallMs)
        var s = ConsoleSnapshot(clockMs: clock, live: q.isLive(wallMs: wallMs), window: window, path: path)
        s.sources = sources
        let counters = q.counters
        s.unpricedModels = counters.unpricedModels.map { ($0.model, $0.requests) }
        s.eventsCounted = counters.eventsCounted
        s.folded = counters.folded.map { ($0.dimension, $0.events, $0.values) }
        let capabilities = q.capabilities
        s.capabilities = capabilities
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
            let span = s.series.first.map { q.cellMinutes(atMinute: $0.minuteStartMs / 60_000) } ?? 1
            if span > 1 {
                let fine = s.series.first { q.cellMinutes(atMinute: $0.minuteStartMs / 60_000) == 1 }
                s.chartCoarse = (span, fine?.minuteStartMs ?? clock)
            }
        } catch {
            s.error = "\(error)"
        }
        // The alerts pane is not read from the query: ConsoleState builds it from the published alert state;
        // the Savings pane is the advisor's, below.
        var pending = Pending(snapshot: s)
        for pane in PaneID.panes(for: path, capabilities) where pane != .alerts && pane != .savings {
            if case .table(let dim) = pane {
                let filters = effectiveFilters(for: dim, path: path, capabilities)
                let dropped = path.filter { p in p.dimension != dim && !filters.contains(p) }
                let note = dropped.isEmpty ? nil : "all " + dropped.map { $0.dimension.title.lowercased() }
                    .joined(separator: ", ")
                do {
                    let q1 = ViewQuery(groupBy: dim, window: window, atMs: clock, filters: filters)
                    // In any order, and as the backend holds them: the pane orders only the rows it shows
                    // (`RowOrder`), after the lock, and makes only their cells.
                    let rows = try q.groupRows(q1, wallMs: wallMs)
                    // Keyed by the rows' group ids, so two keys that mask alike keep two trends.
                    let trends = try q.trends(q1, minutes: trendMinutes, wallMs: wallMs)
                    pending.groupPanes.append((pane, dim, rows, trends, filters, note))
                } catch {
                    s.panes[pane] = PaneData(table: ViewTable(title: dim.title, columns: [], rows: []), filters: filters,
                                             scopeNote: "\(error)")
                }
                continue
            }
            s.panes[pane] = paneData(q, pane: pane, window: window, path: path, capabilities: capabilities,
                                     clock: clock, wallMs: wallMs)
        }
        if let savings {
            let advisor = SavingsAdvisor(settings: savings, for: q)
            let (data, total) = SavingsPane.paneData(q, advisor: advisor, window: window, path: path, clock: clock,
                                                     wallMs: wallMs, cache: savingsCache)
            s.panes[.savings] = data
            s.savingsPerMonthUSD = total
        }
        if let gpus = s.panes[.gpus]?.table, let ui = gpus.column("util_pct") {
            let utils = gpus.rows.compactMap { $0[ui].number }
            s.gpuUtilPct = utils.isEmpty ? nil : utils.reduce(0, +) / Double(utils.count)
            s.idleGPUs = utils.filter { $0 < idleUtilPct }.count
        }
        pending.snapshot = s
        return pending
    }

    /// The filters a pane of `dimension` can apply at `path`: siblings drop their own dimension, and leading
    /// filters drop until the backend can answer the rest with the pane's dimension.
    public static func effectiveFilters(for dim: Dimension, path: [ViewQuery.Filter],
                                        _ capabilities: QueryCapabilities) -> [ViewQuery.Filter] {
        var f = path.filter { $0.dimension != dim }
        while !f.isEmpty && !capabilities.answer(groupBy: dim, filters: f.map(\.dimension)).answerable {
            f.removeFirst()
        }
        return f
    }

    static func paneData(_ q: SpendQuery, pane: PaneID, window: TimeWindow, path: [ViewQuery.Filter],
                         capabilities: QueryCapabilities, clock: Int64, wallMs: Int64) -> PaneData {
        switch pane {
        case .table(let dim):
            let view = ExportView.allCases.first { $0.dimension == dim }!
            let filters = effectiveFilters(for: dim, path: path, capabilities)
            let dropped = path.filter { p in p.dimension != dim && !filters.contains(p) }
            let note = dropped.isEmpty ? nil : "all " + dropped.map { $0.dimension.title.lowercased() }.joined(separator: ", ")
            do {
                let table = try view.table(q, window: window, atMs: clock, filters: filters, wallMs: wallMs)
                // Keyed by the rows' group ids, so two keys that mask alike keep two trends.
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
            return PaneData(table: AlertsTable.table(AlertState(), scope: path, order: .pane))
        case .savings:
            // Built by `build` with the configured advisor; without one the pane is empty.
            return PaneData(table: SavingsView.table(SavingsReport(opportunities: [], durationSeconds: 0)))
        }
    }
}
