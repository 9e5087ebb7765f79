import SpendCore

/// A pane of the console: a table of one dimension, the GPUs, or the alerts.
public enum PaneID: Hashable, Sendable, CustomStringConvertible {
    case table(Dimension)
    case gpus
    case alerts

    /// The view name in `spendtop export --view` and in snapshot file names.
    public var viewName: String {
        switch self {
        case .table(let d): return ExportView.allCases.first { $0.dimension == d }?.rawValue ?? d.name
        case .gpus: return "gpus"
        case .alerts: return "alerts"
        }
    }

    public var description: String { viewName }

    /// The columns a pane shows, in display order; the first is the row name.
    public var columns: [String] {
        switch self {
        case .table(.feature):
            return ["feature", "spend_usd", "share_pct", "spend_per_hour", "requests_per_s", "tokens_in_per_s",
                    "tokens_out_per_s", "cache_hit_pct", "error_pct", "retry_pct", "p95_ms", "trend"]
        case .table(.apiKey):
            return ["api_key", "spend_usd", "share_pct", "features", "spend_per_hour", "requests_per_s", "cache_hit_pct",
                    "error_pct", "trend"]
        case .table(let d):
            return [d.name, "spend_usd", "share_pct", "cache_hit_pct", "spend_per_hour", "requests_per_s", "tokens_in_per_s",
                    "tokens_out_per_s", "error_pct", "p95_ms", "trend"]
        case .gpus: return ["gpu", "util_pct", "mem_used_mb", "mem_total_mb", "power_w", "queue_depth", "samples"]
        case .alerts: return ["started", "state", "scope", "metric", "observed", "expected", "reason"]
        }
    }

    /// Columns `s` cycles through (everything shown but the trend).
    public var sortable: [String] { columns.filter { $0 != "trend" } }

    /// The order a pane starts in.
    public var defaultSort: SortOrder {
        switch self {
        case .table: return SortOrder(column: "spend_usd", descending: true)
        case .gpus: return SortOrder(column: "gpu", descending: false)
        // Budgets, then active alerts, then ended ones, newest first (AlertsPane); `s` sorts by a column.
        case .alerts: return SortOrder(column: "", descending: true)
        }
    }

    /// The panes of a drill level: the breakdowns not yet in the path, then alerts and GPUs. At the deepest level
    /// (the backend cannot add another dimension to the path) the first step's dimension comes back as a sibling
    /// breakdown: the key's other features.
    public static func panes(for path: [ViewQuery.Filter], _ capabilities: QueryCapabilities) -> [PaneID] {
        let drillable: [Dimension] = [.feature, .apiKey, .model]
        let inPath = path.map(\.dimension)
        var dims = drillable.filter { !inPath.contains($0) }
        if let first = inPath.first, !dims.contains(where: { canDrill(path, into: $0, capabilities) }) {
            dims.append(first)
        }
        return dims.map { .table($0) } + [.alerts, .gpus]
    }

    /// Whether a row of `dim` can be drilled into from `path`: a new dimension the backend answers with the path.
    public static func canDrill(_ path: [ViewQuery.Filter], into dim: Dimension,
                                _ capabilities: QueryCapabilities) -> Bool {
        let dims = path.map(\.dimension)
        return !dims.contains(dim) && capabilities.answer(groupBy: nil, filters: dims + [dim]).answerable
    }
}

/// A sort: column id and direction.
public struct SortOrder: Hashable, Sendable {
    public var column: String
    public var descending: Bool
    public init(column: String, descending: Bool) {
        self.column = column
        self.descending = descending
    }
}
