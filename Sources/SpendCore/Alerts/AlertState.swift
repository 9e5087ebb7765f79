/// What the alert engine has found, as readers see it: published by the ingest side after each evaluation, so the
/// console, the wallboard and a headless `check --follow` read the same thing without evaluating anything.
public struct AlertState: Sendable, Equatable {
    /// Incidents still holding, oldest first.
    public var active: [AlertEvent] = []
    /// Every incident so far (active ones included), oldest first, bounded.
    public var history: [AlertEvent] = []
    /// Each `[[budget]]` as of the last judged minute.
    public var budgets: [BudgetStatus] = []
    /// Incidents delivered as starting so far: the console rings once each time this grows.
    public var started = 0
    /// End of the last judged minute (data time); nil before the first evaluation.
    public var judgedThroughMs: Int64?
    /// While the history at start is being judged (or the sources' backlog is still being read: 0), the share
    /// done (0…1); nil otherwise.
    public var catchUp: Double?
    /// Delivery problems (alert log, `--on-alert`), oldest first, each once with a count: for the `!` screen.
    public var problems: [String] = []

    public init() {}

    /// Incidents that started on the UTC day of `ms` (the alerts pane's "today").
    public func startedOnDay(of ms: Int64) -> Int {
        let day = Rollup.floorDiv(ms, 86_400_000)
        return history.filter { Rollup.floorDiv($0.startedMs, 86_400_000) == day }.count
    }
}

/// Something that publishes alert state (the ingest side's `AlertDelivery`); readers only read.
public protocol AlertSource: AnyObject {
    var alertState: AlertState { get }
}

extension AlertEvent {
    /// A value of this alert's metric as its reason writes it (`$44/h`, `12.3%`, `$0.35/min`).
    public func format(_ v: Double) -> String {
        if kind == .budget { return "$" + AlertFormat.number(v) }
        if kind == .anomaly, let m = AnomalyMetric(rawValue: metric) { return m.format(v) }
        if let m = AlertMetric(rawValue: metric) { return m.format(v) }
        return AlertFormat.number(v)
    }

    /// `14:32Z`: a time of day as reason lines write it.
    public static func clock(_ ms: Int64) -> String { AlertFormat.clock(ms) }
}
