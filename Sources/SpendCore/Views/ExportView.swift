/// The view catalogue: what `spendtop export --view` and the console's panes offer, each built by one function
/// into a `ViewTable` (the pane draws it, `e` and `export` write it). Spend views read a `SpendQuery`; `alerts`
/// reads the published alert state (`AlertsTable`); `savings` is the advisor's report (`SavingsView`), read
/// through the same `SpendQuery`. `GroupingPlanner.groupings(for:filters:)` says what a headless
/// run must keep for each.
public enum ExportView: String, CaseIterable, Sendable {
    case features, keys, models, teams, providers, gpus, series, alerts, savings

    public var dimension: Dimension? {
        switch self {
        case .features: return .feature
        case .keys: return .apiKey
        case .models: return .model
        case .teams: return .team
        case .providers: return .provider
        case .gpus: return .gpu
        case .series, .alerts, .savings: return nil
        }
    }

    /// This view over `window` ending at `atMs` (nil: the clock), narrowed by `filters`. `alerts` lists the
    /// incidents of `alerts` (and its budgets) in scope of the filters, in start order; `savings` the advisor's
    /// opportunities with `savings` settings, and throws `classesNotKept` when the backend cannot answer them
    /// (a partial list would read as "nothing else to save").
    public func table(_ source: SpendQuery, window: TimeWindow, atMs: Int64?, filters: [ViewQuery.Filter],
                      wallMs: Int64, alerts: AlertState = AlertState(),
                      savings: SavingsSettings = SavingsSettings()) throws -> ViewTable {
        switch self {
        case .alerts:
            return AlertsTable.table(alerts, scope: filters, order: .started)
        case .savings:
            let report = try SavingsAdvisor(settings: savings, for: source)
                .advise(source, window: window, atMs: atMs, path: filters, wallMs: wallMs)
            guard report.complete else { throw ViewQueryError.classesNotKept }
            return SavingsView.table(report)
        case .gpus:
            return Self.gpuTable(source.gpus(ViewQuery(groupBy: nil, window: window, atMs: atMs), wallMs: wallMs))
        case .series:
            let q = ViewQuery(groupBy: nil, window: window, atMs: atMs, filters: filters)
            return Self.seriesTable(try source.series(q, wallMs: wallMs))
        default:
            let q = ViewQuery(groupBy: dimension, window: window, atMs: atMs, filters: filters)
            return Self.groupTable(try source.rows(q, wallMs: wallMs), dimension: dimension!)
        }
    }

    static let measureColumns: [ViewTable.Column] = [
        .init(id: "spend_usd", title: "SPEND", kind: .usd),
        .init(id: "share_pct", title: "SHARE", kind: .percent),
        .init(id: "spend_per_hour", title: "$/H", kind: .usd),
        .init(id: "projected_per_day", title: "$/DAY", kind: .usd),
        .init(id: "requests", title: "REQ", kind: .count),
        .init(id: "requests_per_s", title: "REQ/S", kind: .rate),
        .init(id: "tokens_in_per_s", title: "TOK IN/S", kind: .rate),
        .init(id: "tokens_out_per_s", title: "TOK OUT/S", kind: .rate),
        .init(id: "input_tokens", title: "TOK IN", kind: .count),
        .init(id: "output_tokens", title: "TOK OUT", kind: .count),
        .init(id: "cache_read_tokens", title: "CACHE RD", kind: .count),
        .init(id: "cache_write_tokens", title: "CACHE WR", kind: .count),
        .init(id: "reasoning_tokens", title: "REASON", kind: .count),
        .init(id: "cache_hit_pct", title: "CACHE", kind: .percent),
        .init(id: "gw_cache_hit_pct", title: "GW CACHE", kind: .percent),
        .init(id: "errors", title: "ERRORS", kind: .count),
        .init(id: "error_pct", title: "ERR", kind: .percent),
        .init(id: "retries", title: "RETRIES", kind: .count),
        .init(id: "retry_pct", title: "RETRY", kind: .percent),
        .init(id: "p50_ms", title: "P50", kind: .milliseconds),
        .init(id: "p95_ms", title: "P95", kind: .milliseconds),
        .init(id: "p99_ms", title: "P99", kind: .milliseconds),
        .init(id: "unpriced_requests", title: "UNPRICED", kind: .count),
    ]

    /// A group view's table; its rows are formatted into cells as they are read (`GroupRows`).
    public static func groupTable(_ result: ViewResult, dimension: Dimension) -> ViewTable {
        ViewTable(title: dimension.title, groups: GroupRows(result, dimension: dimension))
    }

    public static func seriesTable(_ points: [SeriesPoint]) -> ViewTable {
        let columns: [ViewTable.Column] = [
            .init(id: "minute", title: "MINUTE", kind: .time),
            .init(id: "spend_usd", title: "SPEND", kind: .usd),
            .init(id: "requests", title: "REQ", kind: .count),
            .init(id: "errors", title: "ERRORS", kind: .count),
            .init(id: "retries", title: "RETRIES", kind: .count),
            .init(id: "input_tokens", title: "TOK IN", kind: .count),
            .init(id: "output_tokens", title: "TOK OUT", kind: .count),
            .init(id: "cache_read_tokens", title: "CACHE RD", kind: .count),
            .init(id: "cache_hit_pct", title: "CACHE", kind: .percent),
            .init(id: "p95_ms", title: "P95", kind: .milliseconds),
            .init(id: "unpriced_requests", title: "UNPRICED", kind: .count),
        ]
        let rows = points.map { p -> [ViewTable.Cell] in
            let m = p.measures
            return [.text(Timestamp.format(ms: p.minuteStartMs, withSeconds: false)), .number(m.spend),
                    .number(Double(m.requests)), .number(Double(m.errors)), .number(Double(m.retries)),
                    .number(Double(m.inputTokens)), .number(Double(m.outputTokens)), .number(Double(m.cacheReadTokens)),
                    m.cacheHitRatio.map { .number($0 * 100) } ?? .empty,
                    m.latency.percentile(0.95).map { .number($0) } ?? .empty, .number(Double(m.unpriced))]
        }
        return ViewTable(title: "Spend per minute", columns: columns, rows: rows)
    }

    public static func gpuTable(_ gpus: [GPURow]) -> ViewTable {
        let columns: [ViewTable.Column] = [
            .init(id: "gpu", title: "GPU", kind: .text),
            .init(id: "util_pct", title: "UTIL", kind: .percent),
            .init(id: "mem_used_mb", title: "MEM USED", kind: .megabytes),
            .init(id: "mem_total_mb", title: "MEM TOTAL", kind: .megabytes),
            .init(id: "power_w", title: "POWER W", kind: .number),
            .init(id: "queue_depth", title: "QUEUE", kind: .number),
            .init(id: "running", title: "RUNNING", kind: .number),
            .init(id: "kv_cache_pct", title: "KV CACHE", kind: .percent),
            .init(id: "prefix_cache_hit_pct", title: "PREFIX HIT", kind: .percent),
            .init(id: "samples", title: "SAMPLES", kind: .count),
        ]
        let rows = gpus.map { g -> [ViewTable.Cell] in
            let m = g.measures
            func n(_ v: Double?) -> ViewTable.Cell { v.map { .number($0) } ?? .empty }
            return [.text(g.name), n(m.utilPct), n(m.memUsedMB), n(m.memTotalMB), n(m.powerW), n(m.queueDepth),
                    n(m.runningRequests), n(m.kvCachePct), n(m.prefixCacheHitRate.map { $0 * 100 }),
                    .number(Double(m.samples))]
        }
        return ViewTable(title: "GPUs", columns: columns, rows: rows, rowIDs: gpus.map { GroupID.rowID(.gpu, $0.id) })
    }
}

import Foundation
