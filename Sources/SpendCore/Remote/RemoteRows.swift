/// Rows of a view from a remote engine's cells: what `SpendQuery.rows` answers from rollup cells,
/// for cells a server aggregated. Groups are told apart by id (two keys that mask alike stay two
/// rows); `GroupRow.id` is the value's `GroupID`, the same hash every backend uses.
extension ViewResult {
    public static func from(cells: [RemoteCell], position: Int?, startMs: Int64, endMs: Int64) -> ViewResult {
        var groups: [DimensionValue: Measures] = [:]
        var total = Measures()
        for c in cells {
            let key = position.map { c.values[$0] } ?? DimensionValue(id: 0, name: "total")
            groups[key, default: Measures()].merge(c.measures)
            total.merge(c.measures)
        }
        let seconds = max(Double(endMs - startMs) / 1000, 1)
        let spend = total.spend
        var rows = groups.map { v, m in
            GroupRow(name: v.name, id: GroupID(rawValue: v.id), measures: m, share: spend > 0 ? m.spend / spend : 0,
                     featureCount: nil, durationSeconds: seconds)
        }
        rows.sort(by: GroupRow.viewOrder)
        return ViewResult(rows: rows, total: total, startMs: startMs, endMs: endMs, durationSeconds: seconds,
                          foldedEvents: 0, foldedValues: 0)
    }
}
