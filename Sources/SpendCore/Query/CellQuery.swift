/// A `SpendQuery` over per-minute cells a remote engine aggregated (`RemoteCellWindow`, one per grouping it pushed
/// down, and GPU readings per minute): what the Postgres and Prometheus engines fill from their pushdown results, so
/// that neither writes its own rows, series, trends, scopes or planner. Groups are `DimensionValue`s whose `id` is
/// the `GroupID`; nothing folds into `(other)` (the engine groups by anything it is asked).
///
/// Not thread-safe: the owner replaces its cells (`update`) and readers read under the owner's lock, as a
/// `SpendFeed` does. See docs/query.md, "Implementing SpendQuery for a remote engine".
public final class CellQuery: SpendQuery {
    /// The cells per grouping, keyed by the grouping's dimensions in order (`[]` is the fleet total).
    public private(set) var windows: [[Dimension]: RemoteCellWindow]
    /// GPU readings per minute, by GPU.
    public private(set) var gpuMinutes: [Int64: [DimensionValue: GPUMeasures]]
    /// Which window answers what.
    public private(set) var planner: GroupingPlanner
    /// What the engine counted (requests from the fleet window unless the owner says more).
    public var counters: SpendCounters
    /// Minutes the engine keeps behind its clock (nil: everything it was asked for).
    public var retentionMinutes: Int64?
    /// Event times the engine reported (`extent()`); nil derives them from the minutes held.
    public var reportedNewestMs: Int64?
    public var reportedOldestMs: Int64?
    /// The table the engine's spend was priced with (the owner sets the one it loaded).
    public var prices: PriceTable = .bundled

    public init(windows: [[Dimension]: RemoteCellWindow] = [:], gpuMinutes: [Int64: [DimensionValue: GPUMeasures]] = [:]) {
        self.windows = [:]
        self.gpuMinutes = [:]
        planner = GroupingPlanner(kept: [])
        counters = SpendCounters()
        update(windows: windows, gpuMinutes: gpuMinutes)
    }

    /// The cells a poller read (`RemotePoller.read`, `PromQLPoller.read`): request windows and GPU readings.
    public convenience init(windows: [[Dimension]: RemoteCellWindow], gpus: RemoteGPUWindow) {
        self.init(windows: windows, gpuMinutes: gpus.minutes)
    }

    /// Replaces every cell (after a poll), keeping the owner's counters but the fleet's request count.
    public func update(windows: [[Dimension]: RemoteCellWindow], gpuMinutes: [Int64: [DimensionValue: GPUMeasures]]) {
        self.windows = windows
        self.gpuMinutes = gpuMinutes
        // The fleet first, then single dimensions, then pairs, each in dimension order: a stable plan.
        let kept = windows.keys.filter { $0.count <= 2 }
            .sorted { a, b in
                a.count != b.count ? a.count < b.count : a.map(\.rawValue).lexicographicallyPrecedes(b.map(\.rawValue))
            }
            .map { Grouping($0.first, $0.count > 1 ? $0[1] : nil) }
        planner = GroupingPlanner(kept: kept)
        var requests: Int64 = 0
        for groups in windows[[]]?.minutes.values.map({ $0 }) ?? [] {
            for m in groups.values { requests += m.requests }
        }
        counters.eventsCounted = requests
        counters.gpuSamples = gpuMinutes.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.samples } }
    }

    func dims(_ g: Grouping) -> [Dimension] { [g.first, g.second].compactMap { $0 } }

    /// A planned question: the window, where the group-by sits in its values, and the filters by position.
    struct Plan {
        var window: RemoteCellWindow
        var groupPosition: Int?
        var filters: [(position: Int, filter: ViewQuery.Filter)]

        @inline(__always)
        func passes(_ values: [DimensionValue]) -> Bool {
            for (p, f) in filters where !f.matches(id: GroupID(rawValue: values[p].id), name: { values[p].name }) {
                return false
            }
            return true
        }
    }

    func plan(groupBy: Dimension?, filters: [ViewQuery.Filter]) throws -> Plan {
        var asked: [Dimension] = groupBy.map { [$0] } ?? []
        asked += filters.map(\.dimension)
        let g = try planner.require(asked)
        let w = windows[dims(g)]!
        func position(_ d: Dimension) -> Int { w.dimensions.firstIndex(of: d)! }
        return Plan(window: w, groupPosition: groupBy.map(position),
                    filters: filters.map { (position($0.dimension), $0) })
    }

    func range(_ q: ViewQuery, wallMs: Int64) -> (QueryRange, endMs: Int64) {
        let endMs = q.atMs ?? clockMs(wallMs: wallMs)
        return (QueryRange(q.window, endMs: endMs, oldestMs: extent.oldestMs), endMs)
    }

    // MARK: time

    public var extent: QueryExtent {
        var newest: Int64?, oldest: Int64?
        for w in windows.values {
            if let n = w.newestMinute { newest = max(newest ?? n, n) }
            if let o = w.oldestMinute { oldest = min(oldest ?? o, o) }
        }
        for m in gpuMinutes.keys {
            newest = max(newest ?? m, m)
            oldest = min(oldest ?? m, m)
        }
        // Without the engine's own times, a minute's cells stand for events anywhere in it.
        return QueryExtent(newestMs: reportedNewestMs ?? newest.map { $0 * 60_000 + 59_999 },
                           oldestMs: reportedOldestMs ?? oldest.map { $0 * 60_000 }, oldestMinute: oldest)
    }

    public func hasData(minute: Int64) -> Bool {
        gpuMinutes[minute] != nil || windows.values.contains { $0.minutes[minute] != nil }
    }

    public func firstMinuteWithData(after minute: Int64) -> Int64? {
        var best: Int64?
        for w in windows.values { for m in w.minutes.keys where m > minute && m < (best ?? .max) { best = m } }
        for m in gpuMinutes.keys where m > minute && m < (best ?? .max) { best = m }
        return best
    }

    // MARK: views

    public func rows(_ q: ViewQuery, wallMs: Int64) throws -> ViewResult {
        let (r, endMs) = range(q, wallMs: wallMs)
        let p = try plan(groupBy: q.groupBy, filters: q.filters)
        var groups: [DimensionValue: Measures] = [:]
        var total = Measures()
        for (values, m) in p.window.sum(fromMinute: r.startMinute, toMinute: r.endMinute, where: p.passes) {
            groups[p.groupPosition.map { values[$0] } ?? .none, default: Measures()].merge(m)
            total.merge(m)
        }
        var featuresPerKey: [UInt64: Set<UInt64>] = [:]
        if q.groupBy == .apiKey, let pair = windows[[.feature, .apiKey]] ?? windows[[.apiKey, .feature]] {
            let f = pair.dimensions.firstIndex(of: .feature)!, k = 1 - f
            for (values, _) in pair.sum(fromMinute: r.startMinute, toMinute: r.endMinute) {
                featuresPerKey[values[k].id, default: []].insert(values[f].id)
            }
        }
        let spend = total.spend
        var rows = groups.map { v, m in
            GroupRow(name: q.groupBy == nil ? "total" : v.name, id: GroupID(rawValue: v.id), measures: m,
                     share: spend > 0 ? m.spend / spend : 0,
                     featureCount: featuresPerKey.isEmpty ? nil : featuresPerKey[v.id]?.count,
                     durationSeconds: r.seconds)
        }
        rows.sort(by: GroupRow.viewOrder)
        return ViewResult(rows: rows, total: total, startMs: r.startMs, endMs: endMs, durationSeconds: r.seconds)
    }

    public func series(_ q: ViewQuery, wallMs: Int64) throws -> [SeriesPoint] {
        let (r, _) = range(q, wallMs: wallMs)
        let p = try plan(groupBy: nil, filters: q.filters)
        guard r.endMinute >= r.startMinute else { return [] }
        var byMinute: [Int64: Measures] = [:]
        for (m, measures) in p.window.series(fromMinute: r.startMinute, toMinute: r.endMinute, where: p.passes) {
            byMinute[m] = measures
        }
        // Dense (empty minutes as zero points) as the rollup's series, up to the same bound.
        if r.endMinute - r.startMinute >= 1_100_000 {
            return byMinute.keys.sorted().map { SeriesPoint(minuteStartMs: $0 * 60_000, measures: byMinute[$0]!) }
        }
        return (r.startMinute...r.endMinute).map {
            SeriesPoint(minuteStartMs: $0 * 60_000, measures: byMinute[$0] ?? Measures())
        }
    }

    public func trends(_ q: ViewQuery, minutes: Int, wallMs: Int64) throws -> [GroupID: [Double]] {
        guard let dim = q.groupBy, minutes > 0 else { return [:] }
        let end = Rollup.floorDiv(q.atMs ?? clockMs(wallMs: wallMs), 60_000)
        let start = end - Int64(minutes) + 1
        let p = try plan(groupBy: dim, filters: q.filters)
        let pos = p.groupPosition ?? 0
        var out: [GroupID: [Double]] = [:]
        for minute in start...end {
            guard let groups = p.window.minutes[minute] else { continue }
            for (values, m) in groups where p.passes(values) {
                let id = GroupID(rawValue: values[pos].id)
                out[id, default: Array(repeating: 0, count: minutes)][Int(minute - start)] += m.spend
            }
        }
        return out
    }

    public func gpus(_ q: ViewQuery, wallMs: Int64) -> [GPURow] {
        let (r, _) = range(q, wallMs: wallMs)
        var sums: [DimensionValue: GPUMeasures] = [:]
        for (m, gpus) in gpuMinutes where m >= r.startMinute && m <= r.endMinute {
            for (g, v) in gpus { sums[g, default: GPUMeasures()].merge(v) }
        }
        return sums.map { GPURow(name: $0.key.name, id: GroupID(rawValue: $0.key.id), measures: $0.value) }
            .sorted { $0.name != $1.name ? $0.name < $1.name : $0.id < $1.id }
    }

    // MARK: minutes

    public func total(_ scope: [ViewQuery.Filter], fromMinute from: Int64, toMinute to: Int64) throws -> Measures {
        let p = try plan(groupBy: nil, filters: scope)
        var m = Measures()
        for v in p.window.sum(fromMinute: from, toMinute: to, where: p.passes).values { m.merge(v) }
        return m
    }

    public func breakdown(by dimension: Dimension, _ scope: [ViewQuery.Filter], fromMinute from: Int64,
                          toMinute to: Int64) throws -> [GroupID: Measures] {
        let p = try plan(groupBy: dimension, filters: scope)
        let pos = p.groupPosition ?? 0
        var out: [GroupID: Measures] = [:]
        for (values, m) in p.window.sum(fromMinute: from, toMinute: to, where: p.passes) {
            out[GroupID(rawValue: values[pos].id), default: Measures()].merge(m)
        }
        return out
    }

    public func cells(_ g: Grouping, minute: Int64) -> [GroupCell] {
        guard let held = planner.grouping(for: dims(g)), let w = windows[dims(held)],
              let groups = w.minutes[minute] else { return [] }
        let a = g.first.flatMap { w.dimensions.firstIndex(of: $0) }
        let b = g.second.flatMap { w.dimensions.firstIndex(of: $0) }
        func id(_ values: [DimensionValue], _ i: Int?) -> GroupID {
            i.map { GroupID(rawValue: values[$0].id) } ?? .none
        }
        var merged: [CellKey: Measures] = [:]
        for (values, m) in groups {
            merged[CellKey(id(values, a), id(values, b)), default: Measures()].merge(m)
        }
        return merged.map { GroupCell(key: $0.key, measures: $0.value) }
    }

    public func gpuCells(minute: Int64) -> [GPUCell] {
        (gpuMinutes[minute] ?? [:]).map { GPUCell(id: GroupID(rawValue: $0.key.id), measures: $0.value) }
    }

    public func gpuTotal(_ gpu: ViewQuery.Filter?, fromMinute from: Int64, toMinute to: Int64) -> GPUMeasures {
        var total = GPUMeasures()
        guard to >= from else { return total }
        for (m, gpus) in gpuMinutes where m >= from && m <= to {
            for (g, v) in gpus where gpu?.matches(id: GroupID(rawValue: g.id), name: { g.name }) ?? true {
                total.merge(v)
            }
        }
        return total
    }

    // MARK: the savings advisor

    /// Request classes are not pushed down (they would need per-status, batch and tier sums per feature×model),
    /// so the advisor reports savings as not available here rather than as none.
    public func classRows(_ q: ViewQuery, wallMs: Int64) throws -> ClassRowsResult {
        throw ViewQueryError.classesNotKept
    }

    public func gpuSeries(_ q: ViewQuery, wallMs: Int64) -> [GPUSeries] {
        let (r, _) = range(q, wallMs: wallMs)
        var byGPU: [DimensionValue: [GPUPoint]] = [:]
        for m in gpuMinutes.keys.sorted() where m >= r.startMinute && m <= r.endMinute {
            for (g, v) in gpuMinutes[m]! {
                byGPU[g, default: []].append(GPUPoint(minuteStartMs: m * 60_000, measures: v))
            }
        }
        return byGPU.map { GPUSeries(name: $0.key.name, id: GroupID(rawValue: $0.key.id), points: $0.value) }
            .sorted(by: GPUSeries.order)
    }

    // MARK: names, capability

    public func name(_ d: Dimension, _ id: GroupID) -> String {
        if id == .none { return Interner.noneName }
        if d == .gpu {
            for gpus in gpuMinutes.values {
                if let g = gpus.keys.first(where: { $0.id == id.rawValue }) { return g.name }
            }
            return "(unknown)"
        }
        for w in windows.values { if let n = w.names[d]?[id.rawValue] { return n } }
        return "(unknown)"
    }

    public var capabilities: QueryCapabilities {
        QueryCapabilities(combinations: planner.combinations, cardinality: nil, retentionMinutes: retentionMinutes)
    }
}
