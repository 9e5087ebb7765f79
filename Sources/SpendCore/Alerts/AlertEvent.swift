/// One incident: a threshold rule, a budget or an anomaly that started holding, until it ends.
/// The alerts pane, the chart markers, `alerts.jsonl`, `--on-alert` and `export --view alerts` all show these.
public struct AlertEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case threshold, budget, anomaly
        /// A key, model or feature with no spend baseline that reaches a material share of fleet burn.
        case newSpender = "new_spender"
    }

    /// Stable identity of the incident's source (rule name, or `anomaly:feature=x:spend`).
    public var key: String
    public var kind: Kind
    public var startedMs: Int64
    public var endedMs: Int64?
    /// `feature=support-chat`, `api_key=sk-…a1b2` (always masked), or `fleet`.
    public var scope: String
    /// The scope as filters, with group ids where the engine knows them (empty: the fleet): what the alerts pane
    /// matches against the drill path and Enter drills to, so two keys that mask alike stay apart.
    public var scopeFilters: [ViewQuery.Filter]
    public var metric: String
    public var observed: Double
    /// The threshold, or the baseline an anomaly departs from.
    public var expected: Double?
    /// Anomaly score (robust z or ratio), nil for thresholds.
    public var score: Double?
    /// One line a person reads first: "agent-planner spend 11.8× baseline; retries 9×".
    public var reason: String
    /// Budgets: the limit in USD for the period, the share spent (0–100+) and when the budget runs out at the
    /// current burn rate (nil when it lasts past the period's end).
    public var budgetLimit: Double? = nil
    public var budgetUsedPct: Double? = nil
    public var budgetRunOutMs: Int64? = nil
    /// Anomalies: how many other series (symptoms on linked scopes) were merged into this incident.
    public var related: Int? = nil
    /// Anomalies: every scope the incident holds, its own first (`feature=support-chat`, `api_key=sk-…a1b2`).
    public var scopes: [String]? = nil

    /// Found by the anomaly detector (an anomaly or a new spender), not by a rule or budget.
    public var isDetected: Bool { kind == .anomaly || kind == .newSpender }

    /// Without `scopeFilters` the scope text is read as filters by display name.
    public init(key: String, kind: Kind, startedMs: Int64, endedMs: Int64? = nil, scope: String,
                scopeFilters: [ViewQuery.Filter]? = nil, metric: String,
                observed: Double, expected: Double? = nil, score: Double? = nil, reason: String,
                budgetLimit: Double? = nil, budgetUsedPct: Double? = nil, budgetRunOutMs: Int64? = nil) {
        self.scopeFilters = scopeFilters ?? (try? AlertScope(parsing: scope))?.filters ?? []
        self.budgetLimit = budgetLimit
        self.budgetUsedPct = budgetUsedPct
        self.budgetRunOutMs = budgetRunOutMs
        self.key = key
        self.kind = kind
        self.startedMs = startedMs
        self.endedMs = endedMs
        self.scope = scope
        self.metric = metric
        self.observed = observed
        self.expected = expected
        self.score = score
        self.reason = reason
    }

    public var isActive: Bool { endedMs == nil }
}

/// Evaluates rules and detectors against a `SpendQuery` as time passes (`AlertEngine`).
public protocol AlertEvaluating: AnyObject {
    /// Advances to `nowMs` and returns the incidents that started since the last call (each rings the bell once).
    func evaluate(_ query: SpendQuery, nowMs: Int64) -> [AlertEvent]
    /// Incidents still holding.
    var active: [AlertEvent] { get }
    /// Every incident so far, oldest first (bounded).
    var history: [AlertEvent] { get }
}

extension AlertEvent {
    /// Identity of the incident within a run: its source and the minute it started.
    public var identity: String { "\(key)@\(startedMs)" }
}
