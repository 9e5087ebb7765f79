/// What a backend can answer, as a value readers keep (the console decides drill levels and sibling panes from
/// it without asking the backend each key press): which dimensions it can group and filter by together, and
/// which fold rare values into `(other)`.
public struct QueryCapabilities: Sendable, Equatable {
    /// The sets of dimensions answerable together (each kept grouping's); nil when every combination is (a SQL
    /// engine that groups by anything).
    public var combinations: [Set<Dimension>]?
    /// Distinct values per dimension before new ones fold into `(other)`; nil when nothing folds.
    public var cardinality: Int?
    /// Folded so far, per request dimension (empty when nothing folded).
    public var folded: [SpendCounters.FoldedDimension]
    /// Minutes of history held behind the newest event; nil keeps everything.
    public var retentionMinutes: Int64?

    public init(combinations: [Set<Dimension>]?, cardinality: Int? = nil, folded: [SpendCounters.FoldedDimension] = [],
                retentionMinutes: Int64? = nil) {
        self.combinations = combinations
        self.cardinality = cardinality
        self.folded = folded
        self.retentionMinutes = retentionMinutes
    }

    /// Answers everything (the default before a backend has said otherwise).
    public static let unlimited = QueryCapabilities(combinations: nil)

    /// Whether `groupBy` with `filters` on these dimensions can be answered, and how the grouped dimension folds.
    public func answer(groupBy: Dimension?, filters: [Dimension]) -> Capability {
        var dims = Set(filters)
        if let g = groupBy { dims.insert(g) }
        let ok = dims.isEmpty || combinations.map { c in c.contains { dims.isSubset(of: $0) } } ?? true
        let fold = groupBy.flatMap { g in folded.first { $0.dimension == g } }
        return Capability(answerable: ok, dimensions: dims, folds: cardinality != nil && groupBy != nil,
                          foldedEvents: fold?.events ?? 0, foldedValues: fold?.values ?? 0,
                          kept: combinations.map { $0.filter { $0.count > 1 }.map(Self.describe) } ?? [])
    }

    static func describe(_ dims: Set<Dimension>) -> String {
        dims.sorted { $0.rawValue < $1.rawValue }.map(\.name).joined(separator: "×")
    }
}

/// The answer to one capability question.
public struct Capability: Sendable, Equatable {
    public var answerable: Bool
    /// The dimensions asked about together.
    public var dimensions: Set<Dimension>
    /// True when the grouped dimension folds rare values into `(other)` (an in-memory cap).
    public var folds: Bool
    public var foldedEvents: Int
    public var foldedValues: Int
    /// The multi-dimension combinations the backend keeps, for the message when `answerable` is false.
    public var kept: [String]

    /// `no rollup combines feature, api_key and model; kept pairs: …`, nil when answerable.
    public var reason: String? {
        guard !answerable else { return nil }
        let names = dimensions.sorted { $0.rawValue < $1.rawValue }.map(\.name)
        return "no rollup combines \(names.joined(separator: ", ")); kept pairs: \(kept.joined(separator: ", "))"
    }
}
