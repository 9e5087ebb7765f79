/// The rollup's answers to the savings advisor's two questions (`RollupQuery.classRows`, `gpuSeries`).
/// Both sum minutes in time order, so two processes reading the same data print the same figures.
extension Rollup {
    /// The minutes of `[start, end]` that hold a bucket, in order.
    func bucketsInOrder(fromMinute start: Int64, toMinute end: Int64) -> [MinuteBucket] {
        guard end >= start else { return [] }
        if end - start + 1 <= Int64(buckets.count) { return (start...end).compactMap { buckets[$0] } }
        return buckets.keys.filter { $0 >= start && $0 <= end }.sorted().compactMap { buckets[$0] }
    }

    public func classRows(_ q: ViewQuery, wallMs: Int64) throws -> ClassRowsResult {
        let endMs = q.atMs ?? clockMs(wallMs: wallMs)
        let r = range(q.window, endMs: endMs)
        guard keepsClasses, let pairSlot = groupingIndex[.pair(.feature, .model)] else {
            throw ViewQueryError.combinationNotKept([.feature, .model])
        }
        var features: Set<Int32>?, models: Set<Int32>?
        for f in q.filters {
            let names = interner(f.dimension).names
            let ids = Set(names.indices.filter { names[$0] == f.value }.map { Int32($0) })
            switch f.dimension {
            case .feature: features = (features ?? ids).intersection(ids)
            case .model: models = (models ?? ids).intersection(ids)
            default: throw ViewQueryError.combinationNotKept([.feature, .model, f.dimension])
            }
        }
        func wanted(_ f: Int32, _ m: Int32) -> Bool {
            (features?.contains(f) ?? true) && (models?.contains(m) ?? true)
        }
        var ordinary = [UInt64: Measures]()
        var special = [UInt64: Measures]()
        for b in bucketsInOrder(fromMinute: r.start, toMinute: r.end) {
            let t = b.tables[pairSlot]
            for i in 0..<t.keys.count {
                let (f, m) = CellTable.ids(t.keys[i])
                if wanted(f, m) { ordinary[t.keys[i], default: Measures()].merge(t.cells[i]) }
            }
            let c = b.classes
            for i in 0..<c.keys.count {
                let (f, packed) = CellTable.ids(c.keys[i])
                if wanted(f, RequestClass.unpack(packed).model) {
                    special[c.keys[i], default: Measures()].merge(c.cells[i])
                }
            }
        }
        var rows: [ClassRow] = []
        func row(_ f: Int32, _ m: Int32, _ c: RequestClass, _ measures: Measures) -> ClassRow {
            ClassRow(feature: name(.feature, f), model: name(.model, m), featureID: f, modelID: m, requestClass: c,
                     measures: measures)
        }
        for (key, measures) in special where measures.requests != 0 {
            let (f, packed) = CellTable.ids(key)
            let (m, c) = RequestClass.unpack(packed)
            ordinary[CellTable.key(f, m)]?.subtract(measures)
            rows.append(row(f, m, c, measures))
        }
        for (key, measures) in ordinary where measures.requests != 0 {
            let (f, m) = CellTable.ids(key)
            rows.append(row(f, m, .ordinary, measures))
        }
        rows.sort {
            ($0.feature, $0.featureID, $0.model, $0.modelID, $0.requestClass.rawValue)
                < ($1.feature, $1.featureID, $1.model, $1.modelID, $1.requestClass.rawValue)
        }
        return ClassRowsResult(rows: rows, startMs: r.startMs, endMs: endMs, durationSeconds: r.seconds)
    }

    public func gpuSeries(_ q: ViewQuery, wallMs: Int64) -> [GPUSeries] {
        let endMs = q.atMs ?? clockMs(wallMs: wallMs)
        let r = range(q.window, endMs: endMs)
        var byID = [Int32: [GPUPoint]]()
        for b in bucketsInOrder(fromMinute: r.start, toMinute: r.end) {
            for (id, m) in b.gpus {
                byID[id, default: []].append(GPUPoint(minuteStartMs: b.minute * 60_000, measures: m))
            }
        }
        return byID.map { GPUSeries(name: gpuInterner.name($0.key), points: $0.value) }.sorted { $0.name < $1.name }
    }
}
