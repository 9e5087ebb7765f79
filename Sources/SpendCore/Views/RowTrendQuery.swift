/// Per-row trends for sparklines: a view's rows with their spend per minute, answered by the same
/// groupings as `RollupQuery.rows` so that a pane's trend matches its row.
public protocol RowTrendQuery: RollupQuery {
    /// Spend per minute over the last `minutes` minutes up to the clock, per row name, oldest first.
    func trends(_ q: ViewQuery, minutes: Int, wallMs: Int64) throws -> [String: [Double]]
}

extension Rollup: RowTrendQuery {
    public func trends(_ q: ViewQuery, minutes: Int, wallMs: Int64) throws -> [String: [Double]] {
        guard let dim = q.groupBy, minutes > 0 else { return [:] }
        let endMs = q.atMs ?? clockMs(wallMs: wallMs)
        let end = Rollup.floorDiv(endMs, 60_000)
        let start = end - Int64(minutes) + 1
        let (g, groupPos, filters) = try plan(q)
        guard let slot = groupingIndex[g], let pos = groupPos else { return [:] }
        var byID = [Int32: [Double]]()
        for minute in start...end {
            guard let b = buckets[minute] else { continue }
            let t = b.tables[slot]
            let col = Int(minute - start)
            for i in 0..<t.keys.count {
                let (a, bb) = CellTable.ids(t.keys[i])
                let ids = [a, bb]
                if !filters.allSatisfy({ $0.1.contains(ids[$0.0]) }) { continue }
                byID[ids[pos], default: Array(repeating: 0, count: minutes)][col] += t.cells[i].spend
            }
        }
        var out = [String: [Double]]()
        for (id, v) in byID {
            let n = name(dim, id)
            if let existing = out[n] { out[n] = zip(existing, v).map { $0 + $1 } } else { out[n] = v }
        }
        return out
    }
}
