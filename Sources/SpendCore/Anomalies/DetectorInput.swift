/// Everything the detector, the explainer and incident merging read, in one place, and only through the query
/// boundary (`SpendQuery`, docs/query.md): the cells of one grouping in one minute, a scope's totals and
/// breakdowns over a range of minutes, GPU readings and display names. Groups are `GroupID`s, never names.
struct DetectorInput {
    let query: SpendQuery

    /// Whether the backend can answer grouping `g` (its dimensions together).
    func keeps(_ g: Grouping) -> Bool {
        switch (g.first, g.second) {
        case (nil, _): return true
        case let (a?, nil): return query.capability(groupBy: a, filters: []).answerable
        case let (a?, b?): return query.capability(groupBy: b, filters: [a]).answerable
        }
    }

    /// Calls `body` for every cell of `g` in `minute` (nothing when the grouping cannot be answered).
    func forEachCell(_ g: Grouping, minute: Int64, _ body: (CellKey, Measures) -> Void) {
        for c in query.cells(g, minute: minute) { body(c.key, c.measures) }
    }

    func gpus(minute: Int64) -> [GPUCell] { query.gpuCells(minute: minute) }

    /// The exact filter (by id) of one group.
    func filter(_ d: Dimension, _ id: GroupID) -> ViewQuery.Filter {
        ViewQuery.Filter(d, id: id, value: query.name(d, id))
    }

    /// The filters of a watched scope (none for the fleet).
    func filters(_ s: AnomalyScope) -> [ViewQuery.Filter] {
        if s.isGPU { return [filter(.gpu, s.id)] }
        return s.dimension.map { [filter($0, s.id)] } ?? []
    }

    /// A scope's measures over `[from, to]`; nil when the backend cannot answer those dimensions together.
    func total(_ scope: [ViewQuery.Filter], from: Int64, to: Int64) -> Measures? {
        guard to >= from else { return Measures() }
        return try? query.total(scope, fromMinute: from, toMinute: to)
    }

    /// The scope's measures over `[from, to]` per group of `d`; nil when that cannot be answered.
    func breakdown(by d: Dimension, _ scope: [ViewQuery.Filter], from: Int64, to: Int64) -> [GroupID: Measures]? {
        guard to >= from else { return [:] }
        return try? query.breakdown(by: d, scope, fromMinute: from, toMinute: to)
    }

    func name(_ d: Dimension, _ id: GroupID) -> String { query.name(d, id) }
    func gpuName(_ id: GroupID) -> String { query.name(.gpu, id) }
}
