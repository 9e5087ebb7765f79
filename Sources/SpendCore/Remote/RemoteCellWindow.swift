/// Per-minute cells of one grouping answered by a remote engine, kept so that a poll can
/// *replace* the minutes it read again (late rows land in minutes already shown) instead of
/// adding to them. Pure and single-threaded: the poller that owns it takes a lock around it.
public struct RemoteCellWindow: Sendable {
    /// The grouping's dimensions, in the order of every cell's `values`.
    public let dimensions: [Dimension]
    /// minute → group values → measures.
    public private(set) var minutes: [Int64: [[DimensionValue]: Measures]] = [:]
    /// Display names by dimension and id, for filters typed as names (the drill path of today).
    public private(set) var names: [Dimension: [UInt64: String]] = [:]

    public init(dimensions: [Dimension]) {
        self.dimensions = dimensions
    }

    /// Makes `cells` the whole content of minutes `range`: a minute of the range without a cell is
    /// emptied, a minute outside it is left alone. Cells outside the range are ignored.
    public mutating func replace(minutes range: ClosedRange<Int64>, with cells: [RemoteCell]) {
        if range.count <= minutes.count {
            for m in range { minutes[m] = nil }
        } else {
            for m in minutes.keys where range.contains(m) { minutes[m] = nil }
        }
        for c in cells where range.contains(c.minute) && c.values.count == dimensions.count {
            minutes[c.minute, default: [:]][c.values, default: Measures()].merge(c.measures)
            for (d, v) in zip(dimensions, c.values) where names[d]?[v.id] == nil { names[d, default: [:]][v.id] = v.name }
        }
    }

    /// Drops minutes before `minute` (retention).
    public mutating func trim(before minute: Int64) {
        for m in minutes.keys where m < minute { minutes[m] = nil }
    }

    public var newestMinute: Int64? { minutes.keys.max() }
    public var oldestMinute: Int64? { minutes.keys.min() }

    /// Sums over minutes `[start, end]` per group, keeping groups whose values pass `keep`.
    public func sum(fromMinute start: Int64, toMinute end: Int64,
                    where keep: ([DimensionValue]) -> Bool = { _ in true }) -> [[DimensionValue]: Measures] {
        var out: [[DimensionValue]: Measures] = [:]
        for (m, groups) in minutes where m >= start && m <= end {
            for (values, measures) in groups where keep(values) { out[values, default: Measures()].merge(measures) }
        }
        return out
    }

    /// One measure per minute of `[start, end]` that holds data, summed over the groups `keep` passes.
    public func series(fromMinute start: Int64, toMinute end: Int64,
                       where keep: ([DimensionValue]) -> Bool = { _ in true }) -> [(minute: Int64, measures: Measures)] {
        minutes.filter { $0.key >= start && $0.key <= end }.sorted { $0.key < $1.key }.map { m, groups in
            var total = Measures()
            for (values, measures) in groups where keep(values) { total.merge(measures) }
            return (m, total)
        }
    }

    /// The ids of `dimension` whose display name is `name` (several when keys mask alike).
    public func ids(_ dimension: Dimension, named name: String) -> Set<UInt64> {
        Set((names[dimension] ?? [:]).filter { $0.value == name }.map(\.key))
    }
}
