/// What a rollup table is keyed by: everything (`total`), one dimension, or a pair of dimensions.
public struct Grouping: Hashable, Sendable, CustomStringConvertible {
    public let first: Dimension?
    public let second: Dimension?

    public static let total = Grouping(nil, nil)
    public static func by(_ d: Dimension) -> Grouping { Grouping(d, nil) }
    public static func pair(_ a: Dimension, _ b: Dimension) -> Grouping { Grouping(a, b) }

    public init(_ a: Dimension?, _ b: Dimension?) {
        first = a
        second = b
    }

    /// The dimensions grouped by, in order (empty for the total): how a remote engine is asked for it.
    public var dimensions: [Dimension] { [first, second].compactMap { $0 } }

    /// The pairs SPEC §5 keeps, so that a drill-down (feature → key → model) can be answered.
    public static let pairs: [Grouping] = [.pair(.feature, .apiKey), .pair(.feature, .model), .pair(.apiKey, .model)]
    /// Everything the console needs: SPEC §5's groups (users and gateways are dimensions for
    /// filters and importers, not panes), the drill-down pairs, and provider×model (which models belong to
    /// which provider, for the anomaly detector's incident merging; a dozen cells a minute).
    public static let console: [Grouping] = [.total, .by(.feature), .by(.apiKey), .by(.model), .by(.team), .by(.provider)] + pairs
        + [.pair(.provider, .model)]

    /// Latency histograms are kept for the fleet and the low-cardinality groupings only.
    public var keepsLatency: Bool {
        second == nil && first != .apiKey && first != .user
    }

    public var description: String {
        switch (first, second) {
        case (nil, _): return "total"
        case let (a?, nil): return a.name
        case let (a?, b?): return "\(a.name)×\(b.name)"
        }
    }
}
