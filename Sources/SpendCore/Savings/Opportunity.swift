/// One thing the traffic in a window says could be saved: a row of the savings view.
public struct Opportunity: Sendable, Equatable {
    public var kind: OpportunityKind
    public var scope: SavingsScope
    /// One line, the numbers that justify it (`412 failed of 9.1k (4.5%), 61% of them retries`).
    public var evidence: String
    /// The scope's spend in the window (for a GPU: its hours in the window at its price); nil when unknown.
    public var spendUSD: Double?
    /// What the window's traffic would have cost less; nil when no price is known (a GPU without a price).
    public var savingUSD: Double?
    /// `savingUSD` × 30 days ÷ the window's covered length.
    public var savingPerMonthUSD: Double?
    /// What the estimate assumes; empty when it is exact.
    public var assumption: String

    public init(kind: OpportunityKind, scope: SavingsScope, evidence: String, spendUSD: Double?, savingUSD: Double?,
                savingPerMonthUSD: Double?, assumption: String) {
        self.kind = kind
        self.scope = scope
        self.evidence = evidence
        self.spendUSD = spendUSD
        self.savingUSD = savingUSD
        self.savingPerMonthUSD = savingPerMonthUSD
        self.assumption = assumption
    }
}
