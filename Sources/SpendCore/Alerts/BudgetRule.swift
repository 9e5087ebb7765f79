/// A spend budget for a scope per UTC day or calendar month; it alerts as spending crosses `alertAtPct`
/// (80% and 100% by default) and projects when the budget runs out at the current burn rate.
public struct BudgetRule: Equatable, Sendable {
    public enum Period: String, Sendable { case day, month }

    public var name: String
    public var scope: AlertScope
    public var period: Period
    public var limitUSD: Double
    public var alertAtPct: [Double]

    public init(name: String? = nil, scope: AlertScope, period: Period, limitUSD: Double, alertAtPct: [Double] = [80, 100]) {
        self.scope = scope
        self.period = period
        self.limitUSD = limitUSD
        self.alertAtPct = alertAtPct.sorted()
        self.name = name ?? "\(scope):budget_per_\(period.rawValue)=\(AlertFormat.number(limitUSD))"
    }

    public var metric: String { "budget_per_\(period.rawValue)" }

    /// The period holding `ms`: [start, end) in ms, UTC.
    public func periodRange(containing ms: Int64) -> (start: Int64, end: Int64) {
        let day: Int64 = 86_400_000
        let d = Rollup.floorDiv(ms, day)
        switch period {
        case .day: return (d * day, (d + 1) * day)
        case .month:
            let (y, m, _) = Timestamp.civilFromDays(Int(d))
            let start = Int64(Timestamp.daysFromCivil(y, m, 1)) * day
            let (ny, nm) = m == 12 ? (y + 1, 1) : (y, m + 1)
            return (start, Int64(Timestamp.daysFromCivil(ny, nm, 1)) * day)
        }
    }
}
