/// The in-memory rollup as the first `SpendQuery`: the minute-level answers (rule and budget scopes, the
/// detector's cells, the explainer's breakdowns), names, counters and capabilities. Window views are in
/// `Rollup+Views.swift`.
extension Rollup: SpendQuery {
    public var extent: QueryExtent {
        QueryExtent(newestMs: newestMs == .min ? nil : newestMs, oldestMs: oldestMs == .max ? nil : oldestMs,
                    oldestMinute: oldestMinute)
    }

    /// Both counters only grow, so their sum moves whenever either does.
    public var revision: UInt64? { layoutRevision &+ contentRevision }

    public func hasData(minute: Int64) -> Bool { bucket(containing: minute) != nil }

    public func cellMinutes(atMinute minute: Int64) -> Int64 { cellSpan(minute) }

    public func total(_ scope: [ViewQuery.Filter], fromMinute from: Int64, toMinute to: Int64) throws -> Measures {
        let p = try plan(groupBy: nil, filters: scope)
        var m = Measures()
        guard to >= from else { return m }
        // One group per filter and a grouping of exactly the scope's dimensions: one cell per minute.
        let exact = p.filters.count == [p.grouping.first, p.grouping.second].compactMap { $0 }.count
        if exact, p.filters.allSatisfy({ $0.ids.count == 1 }) {
            var a: Int32 = 0, b: Int32 = 0
            for f in p.filters { if f.position == 0 { a = f.ids.first! } else { b = f.ids.first! } }
            forEachBucket(fromMinute: from, toMinute: to) { bucket, share in
                if let c = bucket.tables[p.slot].get(a, b) { m.merge(c.share(share, rotation: CellTable.key(a, b))) }
            }
            return m
        }
        if p.filters.contains(where: { $0.ids.isEmpty }) { return m }
        forEachBucket(fromMinute: from, toMinute: to) { bucket, share in
            let t = bucket.tables[p.slot]
            for i in 0..<t.keys.count {
                let (x, y) = CellTable.ids(t.keys[i])
                if p.passes(x, y) { m.merge(t.cells[i].share(share, rotation: t.keys[i])) }
            }
        }
        return m
    }

    public func breakdown(by dimension: Dimension, _ scope: [ViewQuery.Filter], fromMinute from: Int64,
                          toMinute to: Int64) throws -> [GroupID: Measures] {
        let p = try plan(groupBy: dimension, filters: scope)
        guard to >= from, !p.filters.contains(where: { $0.ids.isEmpty }) else { return [:] }
        let pos = p.groupPosition ?? 0
        var byID = [Int32: Measures]()
        let cells = sum(p, fromMinute: from, toMinute: to)
        for i in 0..<cells.keys.count {
            let (a, b) = CellTable.ids(cells.keys[i])
            byID[pos == 0 ? a : b, default: Measures()].merge(cells.cells[i])
        }
        let names = interner(dimension)
        var out = [GroupID: Measures](minimumCapacity: byID.count)
        for (id, m) in byID { out[names.groupID(id)] = m }
        return out
    }

    public func cells(_ g: Grouping, minute: Int64) -> [GroupCell] {
        guard let (bucket, share) = bucket(containing: minute) else { return [] }
        let dims = [g.first, g.second].compactMap { $0 }
        guard let held = planner.grouping(for: dims), let slot = groupingIndex[held] else { return [] }
        let t = bucket.tables[slot]
        let first = g.first.map { interner($0) }, second = g.second.map { interner($0) }
        func id(_ names: Interner?, _ i: Int32) -> GroupID { names?.groupID(i) ?? .none }
        if held == g {
            var out: [GroupCell] = []
            out.reserveCapacity(t.keys.count)
            for i in 0..<t.keys.count {
                let (a, b) = CellTable.ids(t.keys[i])
                let m = t.cells[i].share(share, rotation: t.keys[i])
                out.append(GroupCell(key: CellKey(id(first, a), id(second, b)), measures: m))
            }
            return out
        }
        // A grouping answered by a wider one (a dimension kept only in a pair): its cells summed per projection.
        var merged = [UInt64: Measures]()
        for i in 0..<t.keys.count {
            let (a, b) = CellTable.ids(t.keys[i])
            func at(_ d: Dimension?) -> Int32 { d == nil ? 0 : (held.first == d ? a : b) }
            let m = t.cells[i].share(share, rotation: t.keys[i])
            merged[CellTable.key(at(g.first), at(g.second)), default: Measures()].merge(m)
        }
        return merged.map { key, m in
            let (a, b) = CellTable.ids(key)
            return GroupCell(key: CellKey(id(first, a), id(second, b)), measures: m)
        }
    }

    public func gpuCells(minute: Int64) -> [GPUCell] {
        guard let (b, _) = bucket(containing: minute) else { return [] }
        return b.gpuReadings(minute: minute).map { GPUCell(id: gpuInterner.groupID($0.key), measures: $0.value) }
    }

    public func gpuTotal(_ gpu: ViewQuery.Filter?, fromMinute from: Int64, toMinute to: Int64) -> GPUMeasures {
        var total = GPUMeasures()
        guard to >= from else { return total }
        let wanted: Set<Int32>? = gpu.map { Set(internedIDs($0)) }
        if let w = wanted, w.isEmpty { return total }
        forEachBucket(fromMinute: from, toMinute: to) { b, _ in
            b.forEachGPUMinute(from: from, to: to) { _, readings in
                if let w = wanted, w.count == 1 {
                    if let m = readings[w.first!] { total.merge(m) }
                    return
                }
                for (id, m) in readings where wanted?.contains(id) ?? true { total.merge(m) }
            }
        }
        return total
    }

    public func name(_ d: Dimension, _ id: GroupID) -> String {
        let names = interner(d)
        return names.lookup(hash: id.rawValue).map { names.name($0) } ?? "(unknown)"
    }

    public var counters: SpendCounters {
        var c = SpendCounters()
        c.eventsCounted = eventsCounted
        c.duplicates = duplicates
        c.superseded = superseded
        c.expired = expired
        c.future = future
        c.dedupeForgotten = dedupeForgotten
        c.dedupeHorizon = options.dedupe
        c.gpuSamples = gpuSamples
        c.unpricedModels = unpricedModels.map { SpendCounters.UnpricedModel(model: $0.model, requests: $0.requests) }
        c.folded = folded
        return c
    }

    /// Values folded into `(other)` per request dimension.
    var folded: [SpendCounters.FoldedDimension] {
        Dimension.requestDimensions.map { d in
            let names = interner(d)
            return SpendCounters.FoldedDimension(dimension: d, events: names.foldedEvents, values: names.foldedValues)
        }
    }

    public var capabilities: QueryCapabilities {
        QueryCapabilities(combinations: planner.combinations, cardinality: options.cardinality, folded: folded,
                          retentionMinutes: options.retentionMinutes, requestClasses: keepsClasses)
    }
}
