import SpendCore

/// Every way two rollups differ, cell by cell: minutes, each grouping's cells (by the identity of their values, not
/// by interned ids, which depend on the order values were first seen) with all their measures and latency buckets,
/// request classes, GPU readings and counters. Empty when they hold the same state.
public enum RollupDifferences {
    /// `storedDuplicates`: `a` was read from a store, which keeps counted events only, so it saw no duplicates.
    public static func between(_ a: Rollup, _ b: Rollup, storedDuplicates: Bool = false, limit: Int = 20) -> [String] {
        var out: [String] = []
        func note(_ s: @autoclosure () -> String) { if out.count < limit { out.append(s()) } }
        var ac = a.counters, bc = b.counters
        if storedDuplicates { ac.duplicates = bc.duplicates }
        if ac != bc { note("counters \(ac) vs \(bc)") }
        for d in Dimension.allCases {
            let x = a.interner(d), y = b.interner(d)
            if x.foldedEvents != y.foldedEvents || x.foldedValues != y.foldedValues { note("\(d.name) folds differ") }
        }
        if a.tableGroupings != b.tableGroupings { note("groupings differ") }
        if a.unpricedRequests != b.unpricedRequests { note("unpriced \(a.unpricedRequests) vs \(b.unpricedRequests)") }
        let minutes = a.buckets.keys.sorted()
        if minutes != b.buckets.keys.sorted() {
            note("minutes \(minutes.count) vs \(b.buckets.count)")
            return out
        }
        for m in minutes {
            let x = a.buckets[m]!, y = b.buckets[m]!
            if x.span != y.span { note("minute \(m): span \(x.span) vs \(y.span)") }
            if x.tables.count != y.tables.count { note("minute \(m): tables \(x.tables.count) vs \(y.tables.count)") }
            for (slot, (s, t)) in zip(x.tables, y.tables).enumerated() {
                let g = a.tableGroupings[slot]
                func identity(_ r: Rollup) -> (UInt64) -> [UInt64] {
                    { key in
                        let (i, j) = CellTable.ids(key)
                        return [g.first.map { r.interner($0).hashes[Int(i)] } ?? 0,
                                g.second.map { r.interner($0).hashes[Int(j)] } ?? 0]
                    }
                }
                compare(s, t, identity(a), identity(b)) { note("minute \(m) \(g): \($0)") }
            }
            func classIdentity(_ r: Rollup) -> (UInt64) -> [UInt64] {
                { key in
                    let (feature, packed) = CellTable.ids(key)
                    let (model, c) = RequestClass.unpack(packed)
                    return [r.interner(.feature).hashes[Int(feature)], r.interner(.model).hashes[Int(model)],
                            UInt64(c.rawValue)]
                }
            }
            compare(x.classes, y.classes, classIdentity(a), classIdentity(b)) { note("minute \(m) classes: \($0)") }
            if x.gpuByMinute.keys.sorted() != y.gpuByMinute.keys.sorted() { note("minute \(m): GPU minutes differ") }
            for k in x.minute..<(x.minute + x.span) {
                let mine = x.gpuReadings(minute: k), theirs = y.gpuReadings(minute: k)
                compareGPUs(mine, theirs, a, b) { note("minute \(k): \($0)") }
            }
        }
        return out
    }

    static func compareGPUs(_ x: [Int32: GPUMeasures], _ y: [Int32: GPUMeasures], _ a: Rollup, _ b: Rollup,
                            _ note: (String) -> Void) {
        let theirs = Dictionary(uniqueKeysWithValues: y.map { (b.gpuInterner.hashes[Int($0.key)], $0.value) })
        if x.count != y.count { note("GPUs differ") }
        for (id, g) in x {
            guard let h = theirs[a.gpuInterner.hashes[Int(id)]] else {
                note("GPU missing")
                continue
            }
            if g.samples != h.samples || g.utilSum != h.utilSum || g.memUsedSum != h.memUsedSum
                || g.utilCount != h.utilCount || g.memTotalCount != h.memTotalCount {
                note("GPU \(id) readings differ")
            }
        }
    }

    static func compare(_ s: CellTable, _ t: CellTable, _ mine: (UInt64) -> [UInt64], _ their: (UInt64) -> [UInt64],
                        _ note: (String) -> Void) {
        var theirs: [[UInt64]: Measures] = [:]
        for (k, c) in zip(t.keys, t.cells) { theirs[their(k)] = c }
        if s.keys.count != t.keys.count { note("\(s.keys.count) cells vs \(t.keys.count)") }
        for (k, x) in zip(s.keys, s.cells) {
            guard let y = theirs[mine(k)] else { note("cell \(CellTable.ids(k)) missing"); continue }
            let same = x.requests == y.requests && x.errors == y.errors && x.retries == y.retries
                && x.gatewayCacheHits == y.gatewayCacheHits && x.batchRequests == y.batchRequests
                && x.unpriced == y.unpriced && x.inputTokens == y.inputTokens && x.outputTokens == y.outputTokens
                && x.cacheReadTokens == y.cacheReadTokens && x.cacheWriteTokens == y.cacheWriteTokens
                && x.reasoningTokens == y.reasoningTokens && x.spend == y.spend && x.latencySumMs == y.latencySumMs
                && x.latency.total == y.latency.total && x.shapedRequests == y.shapedRequests
                && x.logTokensSum == y.logTokensSum && x.cacheShareSum == y.cacheShareSum
                && (0..<LatencyHistogram.bucketCount).allSatisfy {
                    x.latency.count(bucket: $0) == y.latency.count(bucket: $0)
                }
            if !same {
                note("cell \(CellTable.ids(k)): \(x.requests) requests $\(x.spend) vs \(y.requests) $\(y.spend)")
            }
        }
    }
}
