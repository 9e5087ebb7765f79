/// The planner of a backend that keeps cells per grouping (the in-memory rollup, `CellQuery` over a remote
/// engine's cells): which kept grouping answers a question on a set of dimensions (group-by and filters
/// together), and its inverse, which groupings a headless run must keep to answer a view. Each backend has one,
/// made from what it keeps; every read plans through it (rows, series, trends, rule and budget scopes, the
/// detector's breakdowns, the console's drill levels via `capabilities`), so nothing else knows "pairs only".
public struct GroupingPlanner: Sendable, Equatable {
    /// The groupings the backend keeps, in its own order.
    public let kept: [Grouping]

    public init(kept: [Grouping]) { self.kept = kept }

    /// The console's rollup: SPEC §5's groups and the drill-down pairs.
    public static let console = GroupingPlanner(kept: Grouping.console)

    /// The kept grouping holding every dimension of `dims` (the fleet total for none; the grouping of exactly
    /// those dimensions before a pair that also holds them), or nil.
    public func grouping(for dims: [Dimension]) -> Grouping? {
        var unique: [Dimension] = []
        for d in dims where !unique.contains(d) { unique.append(d) }
        if unique.isEmpty { return kept.contains(.total) ? .total : nil }
        func holdsAll(_ g: Grouping) -> Bool { unique.allSatisfy { $0 == g.first || $0 == g.second } }
        func width(_ g: Grouping) -> Int { (g.first == nil ? 0 : 1) + (g.second == nil ? 0 : 1) }
        if let exact = kept.first(where: { width($0) == unique.count && holdsAll($0) }) { return exact }
        return kept.first(where: holdsAll)
    }

    /// Throws `combinationNotKept` when `grouping(for:)` has no answer.
    public func require(_ dims: [Dimension]) throws -> Grouping {
        guard let g = grouping(for: dims) else {
            var unique: [Dimension] = []
            for d in dims where !unique.contains(d) { unique.append(d) }
            throw ViewQueryError.combinationNotKept(unique, kept: keptPairs)
        }
        return g
    }

    /// `feature×api_key`, … for messages.
    public var keptPairs: [String] { kept.filter { $0.second != nil }.map(\.description) }

    /// The dimension sets answerable together (what `QueryCapabilities.combinations` reports).
    public var combinations: [Set<Dimension>] {
        kept.map { Set([$0.first, $0.second].compactMap { $0 }) }
    }

    /// The groupings a headless run must keep to answer `view` with `filters` (the inverse of `grouping(for:)`
    /// over the console's groupings): the fleet total always, the view's dimension with the filtered ones, and
    /// for the keys view the feature×key pair its `features` column counts.
    public static func groupings(for view: ExportView, filters: [ViewQuery.Filter]) -> [Grouping] {
        if view == .alerts { return Grouping.console }
        // The advisor reads the feature×model pair, which carries the request classes (`RequestClass`).
        if view == .savings { return [.total, .pair(.feature, .model)] }
        var dims: [Dimension] = []
        if let d = view.dimension, d != .gpu { dims.append(d) }
        for f in filters where !dims.contains(f.dimension) { dims.append(f.dimension) }
        var out: [Grouping] = [.total]
        switch dims.count {
        case 0: break
        case 1: out.append(.by(dims[0]))
        default:
            // Every pair the console keeps (the drill pairs and provider×model) that holds these dimensions.
            out += Grouping.console.filter { p in p.second != nil && dims.allSatisfy { $0 == p.first || $0 == p.second } }
        }
        if view == .keys { out.append(.pair(.feature, .apiKey)) }
        return out
    }

    /// Whether a scope of these dimensions can ever be answered by the console's rollup (config validation).
    public static func consoleAnswers(_ dims: [Dimension]) -> Bool { console.grouping(for: dims) != nil }
}
