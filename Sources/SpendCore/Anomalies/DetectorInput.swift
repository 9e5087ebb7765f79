/// Everything the detector, the explainer and incident merging read from the rollups, in one place: the
/// cells of one grouping in one minute, sums over a range of minutes, GPU readings and display names. Keyed by
/// (grouping, cell id), never by names, so a query layer can stand behind it later.
struct DetectorInput {
    let rollup: Rollup

    func keeps(_ g: Grouping) -> Bool { rollup.keeps(g) }

    /// Calls `body` for every cell of `g` in `minute` (nothing when the grouping is not kept).
    func forEachCell(_ g: Grouping, minute: Int64, _ body: (UInt64, Measures) -> Void) {
        guard let slot = rollup.groupingIndex[g], let b = rollup.buckets[minute] else { return }
        let t = b.tables[slot]
        for i in 0..<t.keys.count { body(t.keys[i], t.cells[i]) }
    }

    /// One cell in one minute.
    func cell(_ g: Grouping, _ key: UInt64, minute: Int64) -> Measures? {
        guard let slot = rollup.groupingIndex[g], let b = rollup.buckets[minute] else { return nil }
        let (a, c) = CellTable.ids(key)
        return b.tables[slot].get(a, c)
    }

    func gpus(minute: Int64) -> [Int32: GPUMeasures]? { rollup.buckets[minute]?.gpus }

    /// Every cell of `g` summed over `[from, to]`.
    func sum(_ g: Grouping, from: Int64, to: Int64) -> [UInt64: Measures] {
        rollup.sum(g, fromMinute: from, toMinute: to)
    }

    func name(_ d: Dimension, _ id: Int32) -> String { rollup.name(d, id) }
    func gpuName(_ id: Int32) -> String { rollup.gpuInterner.name(id) }
}
