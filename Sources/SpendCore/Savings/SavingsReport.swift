/// The advisor's answer for one window and drill path: the opportunities, largest saving first.
public struct SavingsReport: Sendable, Equatable {
    public var opportunities: [Opportunity]
    /// The window's covered length, which `savingPerMonthUSD` scales from.
    public var durationSeconds: Double
    /// Set when the path is not a savings scope (a key): why the list is empty.
    public var note: String?

    public init(opportunities: [Opportunity], durationSeconds: Double, note: String? = nil) {
        self.opportunities = opportunities
        self.durationSeconds = durationSeconds
        self.note = note
    }

    /// Sum of the priced rows' monthly savings. Rows on the same scope overlap (each is computed as
    /// the only change), so this is an upper bound on doing all of them.
    public var totalPerMonthUSD: Double { opportunities.compactMap(\.savingPerMonthUSD).reduce(0, +) }
}
