/// The advisor's answer for one window and drill path: the opportunities, largest saving first.
public struct SavingsReport: Sendable, Equatable {
    public var opportunities: [Opportunity]
    /// The window's covered length, which `savingPerMonthUSD` scales from.
    public var durationSeconds: Double
    /// Set when the path is not a savings scope (a key): why the list is empty.
    public var note: String?
    /// False when the backend could not answer the request kinds (no request classes): only idle GPUs are
    /// listed, and no total is claimed.
    public var complete: Bool

    public init(opportunities: [Opportunity], durationSeconds: Double, note: String? = nil, complete: Bool = true) {
        self.opportunities = opportunities
        self.durationSeconds = durationSeconds
        self.note = note
        self.complete = complete
    }

    /// Sum of the priced rows' monthly savings. Rows on the same scope overlap (each is computed as
    /// the only change), so this is an upper bound on doing all of them.
    public var totalPerMonthUSD: Double { opportunities.compactMap(\.savingPerMonthUSD).reduce(0, +) }
}
