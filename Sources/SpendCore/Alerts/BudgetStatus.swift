/// Where a budget stands now: what the alerts pane lists and the budget alert's reason reads.
public struct BudgetStatus: Sendable, Equatable {
    public var rule: BudgetRule
    public var periodStartMs: Int64
    /// End of the period (exclusive): midnight UTC, or the first of the next month.
    public var periodEndMs: Int64
    public var spentUSD: Double
    public var usedPct: Double
    /// USD per hour over the last hour (or since the period started, if less).
    public var burnPerHour: Double
    /// When spending reaches the limit at that burn rate (or did, once exhausted); nil if not before the period ends.
    public var runOutMs: Int64?
    /// The end of the last judged minute: the status is as of then.
    public var asOfMs: Int64

    public init(rule: BudgetRule, periodStartMs: Int64, periodEndMs: Int64, spentUSD: Double, usedPct: Double,
                burnPerHour: Double, runOutMs: Int64?, asOfMs: Int64) {
        self.rule = rule
        self.periodStartMs = periodStartMs
        self.periodEndMs = periodEndMs
        self.spentUSD = spentUSD
        self.usedPct = usedPct
        self.burnPerHour = burnPerHour
        self.runOutMs = runOutMs
        self.asOfMs = asOfMs
    }

    public var isExhausted: Bool { spentUSD >= rule.limitUSD }

    /// `agent-planner budget $50/day 80% used ($40); runs out ~15:00Z at $6.7/h`.
    public var reason: String {
        var r = "\(rule.scope.shortName) budget $\(AlertFormat.number(rule.limitUSD))/\(rule.period.rawValue)"
            + " \(AlertFormat.number(usedPct))% used ($\(AlertFormat.number(spentUSD)))"
        if isExhausted, let t = runOutMs {
            r += "; exhausted at \(AlertFormat.clock(t))"
        } else if let t = runOutMs {
            r += "; runs out ~\(AlertFormat.clock(t)) at $\(AlertFormat.number(burnPerHour))/h"
        } else {
            r += "; lasts the \(rule.period.rawValue) at $\(AlertFormat.number(burnPerHour))/h"
        }
        return r
    }

    /// The reason with its period: `… runs out ~15:00Z at $6.7/h · day 2026-11-28` (the alerts pane's line).
    public var summary: String { reason + " · \(rule.period.rawValue) \(periodName)" }

    /// `2026-11-28`, `2026-11`: the period as a person names it.
    public var periodName: String {
        switch rule.period {
        case .day: return String(Timestamp.format(ms: periodStartMs).prefix(10))
        case .month: return String(Timestamp.format(ms: periodStartMs).prefix(7))
        }
    }
}
