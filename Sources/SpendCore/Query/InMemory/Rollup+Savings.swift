/// The rollup's answers to the savings advisor's questions (`SpendQuery.classRows`, `gpuSeries`). Both sum
/// minutes in time order, so two processes reading the same data print the same figures.
extension Rollup {
    /// The buckets overlapping `[start, end]` in time order, with the share of each the range covers.
    func bucketsInOrder(fromMinute start: Int64, toMinute end: Int64) -> [(MinuteBucket, CellShare)] {
        var out: [(MinuteBucket, CellShare)] = []
        forEachBucket(fromMinute: start, toMinute: end) { out.append(($0, $1)) }
        return out.sorted { $0.0.minute < $1.0.minute }
    }

    public func classRows(_ q: ViewQuery, wallMs: Int64) throws -> ClassRowsResult {
        let (r, endMs) = range(q, wallMs: wallMs)
        guard keepsClasses, let pairSlot = groupingIndex[.pair(.feature, .model)] else {
            throw ViewQueryError.classesNotKept
        }
        var features: Set<Int32>?, models: Set<Int32>?
        for f in q.filters {
            let ids = Set(internedIDs(f))
            switch f.dimension {
            case .feature: features = (features ?? ids).intersection(ids)
            case .model: models = (models ?? ids).intersection(ids)
            default: throw ViewQueryError.combinationNotKept([.feature, .model, f.dimension], kept: planner.keptPairs)
            }
        }
        func wanted(_ f: Int32, _ m: Int32) -> Bool {
            (features?.contains(f) ?? true) && (models?.contains(m) ?? true)
        }
        func accumulate(fromMinute start: Int64, toMinute end: Int64, into sums: inout ClassSums) {
            for (b, share) in bucketsInOrder(fromMinute: start, toMinute: end) {
                sums.add(b, share, pairSlot: pairSlot, wanted)
            }
        }
        var sums = ClassSums()
        if let cache = windowSums, let through = settledEnd(fromMinute: r.startMinute, toMinute: r.endMinute) {
            // The settled minutes' sums as kept, then the newest minutes added to them one by one in time order:
            // the same additions in the same order as summing the whole window, so the same figures to the bit.
            var key = WindowSumCache.Key(slot: pairSlot, start: r.startMinute, filters: [], kind: .classSums)
            for set in [features, models] {
                key.filters.append(set == nil ? -1 : Int32(set!.count))
                key.filters += (set ?? []).sorted()
            }
            sums = cache.classSums(key, stamp(through)) {
                var kept = ClassSums()
                accumulate(fromMinute: r.startMinute, toMinute: through, into: &kept)
                return kept
            }
            accumulate(fromMinute: through + 1, toMinute: r.endMinute, into: &sums)
        } else {
            accumulate(fromMinute: r.startMinute, toMinute: r.endMinute, into: &sums)
        }
        var ordinary = sums.ordinary
        let special = sums.special
        let featureNames = interner(.feature), modelNames = interner(.model)
        var rows: [ClassRow] = []
        func row(_ f: Int32, _ m: Int32, _ c: RequestClass, _ measures: Measures) -> ClassRow {
            ClassRow(feature: featureNames.name(f), model: modelNames.name(m), featureID: featureNames.groupID(f),
                     modelID: modelNames.groupID(m), requestClass: c, measures: measures)
        }
        // Classes taken out of their pairs in key order: a dictionary's order differs between two of them with the
        // same contents, and subtractions in another order can differ in the last bits.
        for key in special.keys.sorted() {
            guard let measures = special[key], measures.requests != 0 else { continue }
            let (f, packed) = CellTable.ids(key)
            let (m, c) = RequestClass.unpack(packed)
            ordinary[CellTable.key(f, m)]?.subtract(measures)
            rows.append(row(f, m, c, measures))
        }
        for (key, measures) in ordinary where measures.requests != 0 {
            let (f, m) = CellTable.ids(key)
            rows.append(row(f, m, .ordinary, measures))
        }
        rows.sort(by: ClassRow.order)
        return ClassRowsResult(rows: rows, startMs: r.startMs, endMs: endMs, durationSeconds: r.seconds)
    }

    public func gpuSeries(_ q: ViewQuery, wallMs: Int64) -> [GPUSeries] {
        let (r, _) = range(q, wallMs: wallMs)
        var byID = [Int32: [GPUPoint]]()
        for (b, _) in bucketsInOrder(fromMinute: r.startMinute, toMinute: r.endMinute) {
            b.forEachGPUMinute(from: r.startMinute, to: r.endMinute) { minute, readings in
                for (id, m) in readings {
                    byID[id, default: []].append(GPUPoint(minuteStartMs: minute * 60_000, measures: m))
                }
            }
        }
        return byID.map { GPUSeries(name: gpuInterner.name($0.key), id: gpuInterner.groupID($0.key), points: $0.value) }
            .sorted(by: GPUSeries.order)
    }
}

/// The savings advisor's sums over a stretch of minutes, per feature×model pair (`ordinary`: the pair's cells, and
/// over part of a folded cell its classes' shares) and per request class (`special`), before the classes are taken
/// back out of their pairs. Kept for the settled minutes between console refreshes (`WindowSumCache`).
struct ClassSums {
    var ordinary = [UInt64: Measures]()
    var special = [UInt64: Measures]()

    /// Adds one bucket's pairs and classes that `wanted` keeps, with the share of it the range covers.
    mutating func add(_ b: MinuteBucket, _ share: CellShare, pairSlot: Int, _ wanted: (Int32, Int32) -> Bool) {
        let t = b.tables[pairSlot], c = b.classes
        // Over part of a folded cell each piece is shared on its own: the classes, and the pair less all of its
        // classes (sharing the whole pair and then subtracting shared classes could go below zero).
        var classesOfPair = [UInt64: Measures]()
        if !share.isWhole {
            for i in 0..<c.keys.count {
                let (f, packed) = CellTable.ids(c.keys[i])
                let pair = CellTable.key(f, RequestClass.unpack(packed).model)
                classesOfPair[pair, default: Measures()].merge(c.cells[i])
            }
        }
        for i in 0..<t.keys.count {
            let (f, m) = CellTable.ids(t.keys[i])
            guard wanted(f, m) else { continue }
            guard let classes = classesOfPair[t.keys[i]] else {
                ordinary[t.keys[i], default: Measures()].merge(t.cells[i].share(share, rotation: t.keys[i]))
                continue
            }
            var rest = t.cells[i]
            rest.subtract(classes)
            ordinary[t.keys[i], default: Measures()].merge(rest.share(share, rotation: t.keys[i]))
        }
        for i in 0..<c.keys.count {
            let (f, packed) = CellTable.ids(c.keys[i])
            let model = RequestClass.unpack(packed).model
            guard wanted(f, model) else { continue }
            let part = c.cells[i].share(share, rotation: c.keys[i])
            special[c.keys[i], default: Measures()].merge(part)
            // The pair's total holds its classes too (the rows below take them back out).
            if !share.isWhole { ordinary[CellTable.key(f, model), default: Measures()].merge(part) }
        }
    }
}
