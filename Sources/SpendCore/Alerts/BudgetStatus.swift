/// Where a budget stands now: what the console's header and the alerts pane show.
public struct BudgetStatus: Sendable, Equatable {
    public var rule: BudgetRule
    public var periodStartMs: Int64
    public var spentUSD: Double
    public var usedPct: Double
    /// USD per hour over the last hour (or since the period started, if less).
    public var burnPerHour: Double
    /// When spending reaches the limit at that burn rate; nil if not before the period ends.
    public var runOutMs: Int64?
}
