/// The rollup's answers to the window questions of `SpendQuery` (rows, series, trends, GPUs). Each plans once
/// through `planner`, resolves the filters to interned ids once, then loops over the cells itself.
extension Rollup {
    /// The longest series given minute by minute, empty minutes included.
    static let denseSeriesMinutes: Int64 = 1_100_000

    /// A query planned against the kept groupings: the grouping's slot, where the group-by sits in its cells,
    /// and each filter as (position, allowed interned ids).
    struct Plan {
        var grouping: Grouping
        var slot: Int
        var groupPosition: Int?
        var filters: [(position: Int, ids: Set<Int32>)]

        /// True for a cell whose ids pass every filter.
        @inline(__always)
        func passes(_ a: Int32, _ b: Int32) -> Bool {
            for f in filters where !f.ids.contains(f.position == 0 ? a : b) { return false }
            return true
        }
    }

    /// Interned ids a filter selects: its id's (one or none), else every id shown with its name.
    func internedIDs(_ f: ViewQuery.Filter) -> [Int32] {
        let names = interner(f.dimension)
        if let id = f.id { return names.lookup(hash: id.rawValue).map { [$0] } ?? [] }
        return nameIndex.ids(f.value, in: names)
    }

    func plan(groupBy: Dimension?, filters: [ViewQuery.Filter]) throws -> Plan {
        var dims: [Dimension] = groupBy.map { [$0] } ?? []
        dims += filters.map(\.dimension)
        let g = try planner.require(dims)
        func position(_ d: Dimension) -> Int { g.first == d ? 0 : 1 }
        return Plan(grouping: g, slot: groupingIndex[g]!, groupPosition: groupBy.map(position),
                    filters: filters.map { (position($0.dimension), Set(internedIDs($0))) })
    }

    func range(_ q: ViewQuery, wallMs: Int64) -> (QueryRange, endMs: Int64) {
        let endMs = q.atMs ?? clockMs(wallMs: wallMs)
        var oldest = oldestMs
        // A folded cell holding the oldest event starts before it: `all` covers the whole cell.
        if !compactedBelow.isEmpty, let first = oldestMinute, first < Int64.max / 60_000 {
            oldest = min(oldest, first * 60_000)
        }
        return (QueryRange(q.window, endMs: endMs, oldestMs: oldest == .max ? nil : oldest), endMs)
    }

    /// One grouping's cells summed per cell over `[start, end]`, keeping those `plan` passes. Summed into a
    /// `CellTable` (an open-addressing index and arrays), not a Dictionary: a day's window merges every
    /// minute's cells, and hashing and copying each Measures through a Dictionary cost more than the sums.
    /// With `windowSums`, the settled part of the range comes from the sum kept since the last read.
    func sum(_ p: Plan, fromMinute start: Int64, toMinute end: Int64) -> CellTable {
        let w = cells(p, fromMinute: start, toMinute: end)
        guard var out = w.kept else { return w.fresh }
        for i in 0..<w.fresh.keys.count {
            let (a, b) = CellTable.ids(w.fresh.keys[i])
            out.merge(a, b, w.fresh.cells[i])
        }
        return out
    }

    /// A window's cells in two parts: the kept sum of its settled minutes, shared with `windowSums` (not copied),
    /// and the sum of the minutes after them.
    struct WindowCells {
        var kept: CellTable?
        var fresh: CellTable

        /// At least as many as the distinct cells (room to reserve).
        var capacity: Int { (kept?.keys.count ?? 0) + fresh.keys.count }

        /// Each cell once: a kept cell with the same cell of the newest minutes added, then those new since.
        func forEach(_ body: (UInt64, Measures) -> Void) {
            guard let kept else {
                for i in 0..<fresh.keys.count { body(fresh.keys[i], fresh.cells[i]) }
                return
            }
            for i in 0..<kept.keys.count {
                if let j = fresh.position(of: kept.keys[i]) {
                    var m = kept.cells[i]
                    m.merge(fresh.cells[Int(j)])
                    body(kept.keys[i], m)
                } else {
                    body(kept.keys[i], kept.cells[i])
                }
            }
            for i in 0..<fresh.keys.count where kept.position(of: fresh.keys[i]) == nil {
                body(fresh.keys[i], fresh.cells[i])
            }
        }
    }

    /// A one-dimension window's cells as groups, in `WindowCells.forEach` order: the kept sum's cells shared, and
    /// cells made only for groups the newest minutes touched (a kept cell with them added, or a group new since).
    static func groupCells(_ window: WindowCells) -> GroupCells {
        var out = GroupCells()
        guard let kept = window.kept else {
            out.keys = window.fresh.keys
            out.newCells = window.fresh.cells
            return out
        }
        let fresh = window.fresh
        out.keys = kept.keys
        out.keptCells = kept.cells
        var index = [Int32](repeating: -1, count: kept.keys.count)
        var newSince: [Int] = []
        for j in 0..<fresh.keys.count {
            if let i = kept.position(of: fresh.keys[j]) {
                var m = kept.cells[Int(i)]
                m.merge(fresh.cells[j])  // as `WindowCells.forEach` adds them
                index[Int(i)] = Int32(out.newCells.count)
                out.newCells.append(m)
            } else {
                newSince.append(j)
            }
        }
        for j in newSince {
            out.keys.append(fresh.keys[j])
            index.append(Int32(out.newCells.count))
            out.newCells.append(fresh.cells[j])
        }
        out.cellIndex = index
        return out
    }

    func cells(_ p: Plan, fromMinute start: Int64, toMinute end: Int64) -> WindowCells {
        guard let cache = windowSums, let through = settledEnd(fromMinute: start, toMinute: end) else {
            var out = CellTable()
            accumulate(p, fromMinute: start, toMinute: end, into: &out)
            return WindowCells(kept: nil, fresh: out)
        }
        var key = WindowSumCache.Key(slot: p.slot, start: start, filters: [])
        for f in p.filters {
            key.filters.append(Int32(f.position))
            key.filters.append(Int32(f.ids.count))
            key.filters += f.ids.sorted()
        }
        let kept = cache.table(key, stamp(through)) {
            var t = CellTable()
            accumulate(p, fromMinute: start, toMinute: through, into: &t)
            return t
        }
        var fresh = CellTable()
        accumulate(p, fromMinute: through + 1, toMinute: end, into: &fresh)
        return WindowCells(kept: kept, fresh: fresh)
    }

    /// What a sum kept through `through` now is valid for.
    func stamp(_ through: Int64) -> WindowSumCache.Stamp {
        WindowSumCache.Stamp(through: through, settled: settledRevision, layout: layoutRevision)
    }

    /// The last settled minute of `[start, end]` worth keeping a sum through, or nil: none settled, too short a
    /// stretch to be worth keeping, or a folded cell straddling the cut (its share would be split in two).
    func settledEnd(fromMinute start: Int64, toMinute end: Int64) -> Int64? {
        let through = min(end, settledThrough)
        guard settledThrough != .min, through - start >= 30 else { return nil }
        if let (b, _) = bucket(containing: through), b.minute + b.span - 1 > through { return nil }
        return through
    }

    func accumulate(_ p: Plan, fromMinute start: Int64, toMinute end: Int64, into out: inout CellTable) {
        let all = p.filters.isEmpty
        forEachBucket(fromMinute: start, toMinute: end) { b, share in
            let t = b.tables[p.slot]
            for i in 0..<t.keys.count {
                let (a, bb) = CellTable.ids(t.keys[i])
                if all || p.passes(a, bb) { out.merge(a, bb, t.cells[i].share(share, rotation: t.keys[i])) }
            }
        }
    }

    /// A view's groups as summed over its window, before any row is made of them (`GroupCells`), with the spend
    /// total summed in the groups' order, as a full pass sums it.
    struct GroupSums {
        var range: QueryRange
        var endMs: Int64
        var cells = GroupCells()
        var spendTotal = 0.0
        /// The total, where it is summed over the window's cells rather than over the groups (a pair's).
        var cellTotal: Measures?
        /// Features per key id (keys view), when the feature×key pair is kept.
        var featureCounts: [Int32]?

        /// The view's total: the groups' measures merged in their order (what `rows` has always answered).
        var total: Measures {
            if let cellTotal { return cellTotal }
            var t = Measures()
            for r in 0..<cells.count { t.merge(cells.measures(r)) }
            return t
        }
    }

    func groupSums(_ q: ViewQuery, wallMs: Int64) throws -> GroupSums {
        let (r, endMs) = range(q, wallMs: wallMs)
        let p = try plan(groupBy: q.groupBy, filters: q.filters)
        var out = GroupSums(range: r, endMs: endMs)
        // Per group: a one-dimension grouping's cells are its groups already; a pair's are summed by the group-by.
        let window = cells(p, fromMinute: r.startMinute, toMinute: r.endMinute)
        if p.grouping.second == nil && p.groupPosition == 0 {
            out.cells = Self.groupCells(window)
            for i in 0..<out.cells.count { out.spendTotal += out.cells.spend(i) }
        } else {
            var byID = CellTable(), total = Measures()
            window.forEach { key, m in
                let (a, b) = CellTable.ids(key)
                byID.merge(p.groupPosition.map { $0 == 0 ? a : b } ?? 0, 0, m)
                total.merge(m)
            }
            out.cells.keys = byID.keys
            out.cells.newCells = byID.cells
            out.cellTotal = total
            out.spendTotal = total.spend
        }
        // Features per key, counted per interned key id (an array: a dictionary of a day's 20k keys cost more).
        if q.groupBy == .apiKey, let slot = groupingIndex[.pair(.feature, .apiKey)] {
            var counts = [Int32](repeating: 0, count: interner(.apiKey).names.count)
            var any = false
            forEachPairKey(slot: slot, fromMinute: r.startMinute, toMinute: r.endMinute) { key in
                counts[Int(CellTable.ids(key).1)] += 1
                any = true
            }
            if any { out.featureCounts = counts }
        }
        return out
    }

    public func groupRows(_ q: ViewQuery, wallMs: Int64) throws -> GroupRows {
        guard let dimension = q.groupBy else { preconditionFailure("groupRows needs a groupBy") }
        let s = try groupSums(q, wallMs: wallMs)
        let names = interner(dimension)
        return GroupRows(GroupColumns(cells: s.cells, names: names.names, hashes: names.hashes,
                                      featureCounts: s.featureCounts, spendTotal: s.spendTotal,
                                      durationSeconds: s.range.seconds), dimension: dimension)
    }

    public func rows(_ q: ViewQuery, wallMs: Int64) throws -> ViewResult {
        let sums = try groupSums(q, wallMs: wallMs)
        let r = sums.range, endMs = sums.endMs, total = sums.total
        let groups = sums.cells, groupKeys = groups.keys, featureCounts = sums.featureCounts
        let spendTotal = total.spend
        let names = q.groupBy.map { interner($0) }
        func row(_ index: Int) -> GroupRow {
            let id = CellTable.ids(groupKeys[index]).0, m = groups.measures(index)
            let features = featureCounts.flatMap { $0[Int(id)] > 0 ? Int($0[Int(id)]) : nil }
            return GroupRow(name: names?.name(id) ?? "total", id: names?.groupID(id) ?? .none,
                            measures: m, share: spendTotal > 0 ? m.spend / spendTotal : 0,
                            featureCount: features, durationSeconds: r.seconds)
        }
        guard q.ordered else {
            // In any order: the console orders only the rows it shows (`RowOrder`).
            var result = ViewResult(rows: groupKeys.indices.map(row), total: total, startMs: r.startMs, endMs: endMs,
                                    durationSeconds: r.seconds, foldedEvents: names?.foldedEvents ?? 0,
                                    foldedValues: names?.foldedValues ?? 0)
            result.ordered = false
            return result
        }
        // Sorted as (spend, index) pairs, names compared only on ties, then each row built once in place: sorting
        // the rows themselves moved 20k Measures-sized values about per refresh of a day's keys. View order
        // (`GroupRow.viewOrder`).
        var order = (0..<groupKeys.count).map { (spend: groups.spend($0), index: $0) }
        func name(_ i: Int) -> String { names?.name(CellTable.ids(groupKeys[i]).0) ?? "total" }
        order.sort { x, y in
            if x.spend != y.spend { return x.spend > y.spend }
            let nx = name(x.index), ny = name(y.index)
            if nx != ny { return nx < ny }
            let a = CellTable.ids(groupKeys[x.index]).0, b = CellTable.ids(groupKeys[y.index]).0
            return (names?.groupID(a) ?? .none) < (names?.groupID(b) ?? .none)
        }
        let rows = order.map { row($0.index) }
        return ViewResult(rows: rows, total: total, startMs: r.startMs, endMs: endMs, durationSeconds: r.seconds,
                          foldedEvents: names?.foldedEvents ?? 0, foldedValues: names?.foldedValues ?? 0)
    }

    /// Each distinct cell of a grouping over `[start, end]` (which pairs occur, not their sums). Where sums are kept
    /// between reads, the settled minutes' keys are kept too (`CellKeySet`), and only the newest minutes are read.
    func forEachPairKey(slot: Int, fromMinute start: Int64, toMinute end: Int64, _ body: (UInt64) -> Void) {
        func collect(_ from: Int64, _ to: Int64, into set: inout CellKeySet, skipping kept: CellKeySet? = nil) {
            forEachBucket(fromMinute: from, toMinute: to) { b, _ in
                for key in b.tables[slot].keys where kept?.contains(key) != true { set.insert(key) }
            }
        }
        guard let cache = windowSums, let through = settledEnd(fromMinute: start, toMinute: end) else {
            var set = CellKeySet()
            collect(start, end, into: &set)
            return set.keys.forEach(body)
        }
        let key = WindowSumCache.Key(slot: slot, start: start, filters: [], kind: .cellKeys)
        let kept = cache.keySet(key, stamp(through)) {
            var k = CellKeySet()
            collect(start, through, into: &k)
            return k
        }
        var fresh = CellKeySet()
        collect(through + 1, end, into: &fresh, skipping: kept)
        kept.keys.forEach(body)
        fresh.keys.forEach(body)
    }

    public func series(_ q: ViewQuery, wallMs: Int64) throws -> [SeriesPoint] {
        let (r, _) = range(q, wallMs: wallMs)
        let p = try plan(groupBy: nil, filters: q.filters)
        guard r.endMinute >= r.startMinute else { return [] }
        // Dense (empty minutes as zero points) up to ~2 years; past that one stray timestamp (year
        // 0001 or 9999) would ask for billions of points, so only minutes holding data are listed.
        let dense = r.endMinute - r.startMinute < Rollup.denseSeriesMinutes
        let minutes: [Int64] = dense ? [] : buckets.values.flatMap { b in (b.minute..<(b.minute + b.span)) }
            .filter { $0 >= r.startMinute && $0 <= r.endMinute }.sorted()
        func point(_ minute: Int64) -> SeriesPoint {
            var m = Measures()
            // A folded span's cells are spread evenly over its minutes (`CellShare`).
            if let (b, share) = bucket(containing: minute) {
                let t = b.tables[p.slot]
                for i in 0..<t.keys.count {
                    let (a, bb) = CellTable.ids(t.keys[i])
                    if p.passes(a, bb) { m.merge(t.cells[i].share(share, rotation: t.keys[i])) }
                }
            }
            return SeriesPoint(minuteStartMs: minute * 60_000, measures: m)
        }
        guard dense else { return minutes.map(point) }
        // The chart asks a day of minutes four times a second: the settled minutes' points are kept between reads
        // (each minute's point is its own cells, so kept points are the points), the newest made afresh.
        var out: [SeriesPoint] = []
        var next = r.startMinute
        if let cache = windowSums, let through = settledEnd(fromMinute: r.startMinute, toMinute: r.endMinute) {
            var key = WindowSumCache.Key(slot: p.slot, start: r.startMinute, filters: [], kind: .series)
            for f in p.filters {
                key.filters.append(Int32(f.position))
                key.filters.append(Int32(f.ids.count))
                key.filters += f.ids.sorted()
            }
            out = cache.points(key, stamp(through)) { (r.startMinute...through).map(point) }
            next = through + 1
        }
        out.reserveCapacity(Int(r.endMinute - r.startMinute + 1))
        if next <= r.endMinute { out += (next...r.endMinute).map(point) }
        return out
    }

    public func trends(_ q: ViewQuery, minutes: Int, wallMs: Int64) throws -> [GroupID: [Double]] {
        guard let dim = q.groupBy, minutes > 0 else { return [:] }
        let endMs = q.atMs ?? clockMs(wallMs: wallMs)
        let end = Rollup.floorDiv(endMs, 60_000)
        let start = end - Int64(minutes) + 1
        let p = try plan(groupBy: dim, filters: q.filters)
        let pos = p.groupPosition ?? 0
        var byID = [Int32: [Double]]()
        for minute in start...end {
            guard let (b, share) = bucket(containing: minute) else { continue }
            let t = b.tables[p.slot]
            let col = Int(minute - start)
            for i in 0..<t.keys.count {
                let (a, bb) = CellTable.ids(t.keys[i])
                if !p.passes(a, bb) { continue }
                let spend = share.part(t.cells[i].spend)
                byID[pos == 0 ? a : bb, default: Array(repeating: 0, count: minutes)][col] += spend
            }
        }
        let names = interner(dim)
        var out = [GroupID: [Double]](minimumCapacity: byID.count)
        for (id, v) in byID { out[names.groupID(id)] = v }
        return out
    }

    public func gpus(_ q: ViewQuery, wallMs: Int64) -> [GPURow] {
        let (r, _) = range(q, wallMs: wallMs)
        return gpuSum(fromMinute: r.startMinute, toMinute: r.endMinute)
            .map { GPURow(name: gpuInterner.name($0.key), id: gpuInterner.groupID($0.key), measures: $0.value) }
            .sorted { $0.name != $1.name ? $0.name < $1.name : $0.id < $1.id }
    }
}
