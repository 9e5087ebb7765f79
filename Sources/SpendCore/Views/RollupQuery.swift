/// The one query interface views read rollups through (SPEC §10), so that another backend
/// (a Prometheus-compatible API, a central SQL store) can answer the same questions later.
public protocol RollupQuery {
    /// The clock for a query without `atMs`.
    func clockMs(wallMs: Int64) -> Int64
    func rows(_ q: ViewQuery, wallMs: Int64) throws -> ViewResult
    func series(_ q: ViewQuery, wallMs: Int64) throws -> [SeriesPoint]
    func gpus(_ q: ViewQuery, wallMs: Int64) -> [GPURow]
    /// Feature×model pairs split by `RequestClass` over the window (what the savings advisor
    /// reprices); `groupBy` is ignored, filters may name a feature and a model.
    func classRows(_ q: ViewQuery, wallMs: Int64) throws -> ClassRowsResult
    /// Each GPU's minutes that hold samples over the window (idle GPU-hours are counted on them).
    func gpuSeries(_ q: ViewQuery, wallMs: Int64) -> [GPUSeries]
}

extension Rollup: RollupQuery {
    /// The longest series given minute by minute, empty minutes included.
    static let denseSeriesMinutes: Int64 = 1_100_000

    public func clockMs(wallMs: Int64) -> Int64 {
        RollupClock.now(newestEventMs: newestMs == .min ? nil : newestMs, wallMs: wallMs)
    }

    /// The minutes a window covers, and its length in seconds up to the clock.
    func range(_ window: TimeWindow, endMs: Int64) -> (start: Int64, end: Int64, startMs: Int64, seconds: Double) {
        let endMinute = Rollup.floorDiv(endMs, 60_000)
        switch window {
        case .minutes(let n):
            let start = endMinute - Int64(n) + 1
            let seconds = Double(endMs - start * 60_000) / 1000
            return (start, endMinute, start * 60_000, max(seconds, 1))
        case .all:
            let first = oldestMs == .max ? endMs : min(oldestMs, endMs)
            let start = Rollup.floorDiv(first, 60_000)
            let seconds = Double(endMs - first) / 1000
            return (start, endMinute, first, max(seconds, 60))
        }
    }

    /// The kept grouping that holds `groupBy` and every filtered dimension, as (grouping, group-by
    /// position, [(filter position, allowed ids)]).
    func plan(_ q: ViewQuery) throws -> (Grouping, Int?, [(Int, Set<Int32>)]) {
        var dims: [Dimension] = []
        if let g = q.groupBy { dims.append(g) }
        for f in q.filters where !dims.contains(f.dimension) { dims.append(f.dimension) }
        let candidates: [Grouping]
        switch dims.count {
        case 0: candidates = [.total]
        case 1: candidates = [.by(dims[0])] + Grouping.pairs.filter { $0.first == dims[0] || $0.second == dims[0] }
        case 2: candidates = [.pair(dims[0], dims[1]), .pair(dims[1], dims[0])]
        default: throw ViewQueryError.combinationNotKept(dims)
        }
        guard let g = candidates.first(where: keeps) else { throw ViewQueryError.combinationNotKept(dims) }
        func position(_ d: Dimension) -> Int { g.first == d ? 0 : 1 }
        let filters = q.filters.map { f -> (Int, Set<Int32>) in
            let names = interner(f.dimension).names
            let ids = names.indices.filter { names[$0] == f.value }.map { Int32($0) }
            return (position(f.dimension), Set(ids))
        }
        return (g, q.groupBy.map(position), filters)
    }

    public func rows(_ q: ViewQuery, wallMs: Int64) throws -> ViewResult {
        let endMs = q.atMs ?? clockMs(wallMs: wallMs)
        let r = range(q.window, endMs: endMs)
        let (g, groupPos, filters) = try plan(q)
        var byID = [Int32: Measures]()
        var featuresPerKey = [Int32: Set<Int32>]()
        var total = Measures()
        for (key, m) in sum(g, fromMinute: r.start, toMinute: r.end) {
            let (a, b) = CellTable.ids(key)
            let ids = [a, b]
            if !filters.allSatisfy({ $0.1.contains(ids[$0.0]) }) { continue }
            let id = groupPos.map { ids[$0] } ?? 0
            byID[id, default: Measures()].merge(m)
            total.merge(m)
        }
        if q.groupBy == .apiKey && keeps(.pair(.feature, .apiKey)) {
            for (key, _) in sum(.pair(.feature, .apiKey), fromMinute: r.start, toMinute: r.end) {
                let (f, k) = CellTable.ids(key)
                featuresPerKey[k, default: []].insert(f)
            }
        }
        let spendTotal = total.spend
        var rows = byID.map { id, m in
            GroupRow(name: q.groupBy.map { name($0, id) } ?? "total", id: id, measures: m,
                     share: spendTotal > 0 ? m.spend / spendTotal : 0,
                     featureCount: featuresPerKey.isEmpty ? nil : featuresPerKey[id]?.count,
                     durationSeconds: r.seconds)
        }
        rows.sort { $0.measures.spend != $1.measures.spend ? $0.measures.spend > $1.measures.spend : $0.name < $1.name }
        let folded = q.groupBy.map { interner($0) }
        return ViewResult(rows: rows, total: total, startMs: r.startMs, endMs: endMs, durationSeconds: r.seconds,
                          foldedEvents: folded?.foldedEvents ?? 0, foldedValues: folded?.foldedValues ?? 0)
    }

    public func series(_ q: ViewQuery, wallMs: Int64) throws -> [SeriesPoint] {
        let endMs = q.atMs ?? clockMs(wallMs: wallMs)
        let r = range(q.window, endMs: endMs)
        var plain = q
        plain.groupBy = nil
        let (g, _, filters) = try plan(plain)
        guard let slot = groupingIndex[g], r.end >= r.start else { return [] }
        // Dense (empty minutes as zero points) up to ~2 years; past that one stray timestamp (year
        // 0001 or 9999) would ask for billions of points, so only minutes holding data are listed.
        let dense = r.end - r.start < Rollup.denseSeriesMinutes
        let minutes: [Int64] = dense ? [] : buckets.keys.filter { $0 >= r.start && $0 <= r.end }.sorted()
        var out: [SeriesPoint] = []
        out.reserveCapacity(dense ? Int(r.end - r.start + 1) : minutes.count)
        for minute in dense ? Array(r.start...r.end) : minutes {
            var m = Measures()
            if let b = buckets[minute] {
                let t = b.tables[slot]
                for i in 0..<t.keys.count {
                    let (a, bb) = CellTable.ids(t.keys[i])
                    let ids = [a, bb]
                    if filters.allSatisfy({ $0.1.contains(ids[$0.0]) }) { m.merge(t.cells[i]) }
                }
            }
            out.append(SeriesPoint(minuteStartMs: minute * 60_000, measures: m))
        }
        return out
    }

    public func gpus(_ q: ViewQuery, wallMs: Int64) -> [GPURow] {
        let endMs = q.atMs ?? clockMs(wallMs: wallMs)
        let r = range(q.window, endMs: endMs)
        return gpuSum(fromMinute: r.start, toMinute: r.end)
            .map { GPURow(name: gpuInterner.name($0.key), measures: $0.value) }
            .sorted { $0.name < $1.name }
    }
}
