/// Merging rollups built side by side over parts of one input (issue 12 point 4): each part is read
/// into its own rollup, then the parts are absorbed in input order, so the result is what one rollup
/// reading the parts in that order would hold. Only what merges exactly is merged: `mergeBlocker`
/// names what does not (folds, supersession, retention), and the caller then reads sequentially.
extension Rollup {
    /// Why `other` cannot be absorbed exactly, or nil when it can.
    public func mergeBlocker(_ other: Rollup) -> String? {
        if options.retentionMinutes != nil || other.options.retentionMinutes != nil { return "retention" }
        if !options.compaction.isEmpty || !other.options.compaction.isEmpty { return "time compaction" }
        if options.groupings != other.options.groupings || options.cardinality != other.options.cardinality
            || options.typicalRequests != other.options.typicalRequests {
            return "different groupings"
        }
        if !standing.isEmpty || !other.standing.isEmpty { return "supersedable records" }
        for d in Dimension.allCases {
            let mine = interner(d), theirs = other.interner(d)
            // A fold depends on which values came first across the whole input: only merged while none happens.
            if mine.foldedEvents > 0 || theirs.foldedEvents > 0 { return "\(d.name) folded into (other)" }
            // The union must fit: values both parts saw count once.
            if mine.distinctCount + theirs.distinctCount > mine.capacity {
                let new = theirs.hashes.dropFirst(2).reduce(0) { $0 + (mine.lookup(hash: $1) == nil ? 1 : 0) }
                if mine.distinctCount + new > mine.capacity { return "\(d.name) would fold" }
            }
        }
        return nil
    }

    /// Request hashes `later` counted that one of `earlier` holds: requests the merged reading must count
    /// once (the part holding them is read again with `preseedDuplicates`). Needs `later` to have kept
    /// `countedHashes`; the request ids of `earlier` parts are read where they are, not merged. `piece` of
    /// `pieces` lets callers check pieces side by side (the tables are only read); the pieces' hashes together
    /// are the shared ones, in no set order.
    public static func sharedRequests(_ later: Rollup, earlier: [Rollup], piece: Int = 0, of pieces: Int = 1)
        -> [UInt64] {
        guard let counted = later.countedHashes else { return [] }
        var shared: [UInt64] = []
        if later.dedupeHoldsCountedHashes {
            // Millions of probes at random into tables of tens of megabytes miss the cache each time. `later`'s own
            // table holds the same hashes, and walked in slot order it gives them in the order of their home slots
            // in an earlier table of its size: both tables are then read front to back.
            let table = later.dedupe, slots = table.mask + 1
            table.hashes.withUnsafeBufferPointer { hs in
                for i in slots * piece / pieces..<slots * (piece + 1) / pieces {
                    let h = hs[i]
                    if h != 0 && earlier.contains(where: { $0.dedupe.contains(h) }) { shared.append(h) }
                }
            }
            return shared
        }
        // Swept, preseeded or superseded: the counted hashes themselves, each probe's slot loaded a few hashes
        // ahead so that the misses overlap.
        let ahead = 8
        var sink: UInt64 = 0
        counted.withUnsafeBufferPointer { hs in
            let r = hs.count * piece / pieces..<hs.count * (piece + 1) / pieces
            for i in r {
                if i + ahead < r.upperBound { for e in earlier { sink ^= e.dedupe.touchHash(hs[i + ahead]) } }
                let h = hs[i]
                if earlier.contains(where: { $0.dedupe.contains(h) }) { shared.append(h) }
            }
        }
        keep(sink)
        return shared
    }

    /// True when the dedupe table holds exactly the hashes counted: none swept, preseeded or counted outside it.
    var dedupeHoldsCountedHashes: Bool {
        dedupeForgotten == 0 && standing.isEmpty && dedupe.count == countedHashes?.count
    }

    /// How far into `later`'s counted requests the last of `shared` lies (-1 when none): read from the end, with
    /// a one-word filter in front of the set, since most counted hashes are not shared.
    public static func lastCounted(of shared: [UInt64], in later: Rollup) -> Int {
        guard !shared.isEmpty, let counted = later.countedHashes else { return -1 }
        let set = Set(shared)
        let filter = shared.reduce(UInt64(0)) { $0 | 1 << ($1 >> 58) }
        for i in counted.indices.reversed() where filter & 1 << (counted[i] >> 58) != 0 && set.contains(counted[i]) {
            return i
        }
        return -1
    }

    /// Takes the loads' results, so that the optimizer keeps the loads (ranges run side by side: no shared sink).
    @_optimize(none) @inline(never)
    static func keep(_ sink: UInt64) {}

    /// How many hashes `later` counted (the length `sharedRequests` splits into ranges).
    public var countedHashCount: Int { countedHashes?.count ?? 0 }

    /// Sizes the dedupe table (and the counted hashes, when kept) for about `ids` request ids up front, for a part
    /// whose size is known: growing by doubling would hold the old and the new table at once, the peak of a
    /// 5M-event export. Never more than a sweep lets the table hold (`fullTableCount`). `untimed` keeps the ids'
    /// minutes only once a sweep needs them (`RequestIDSet.startKeepingMinutes`): for a part read once, whose ids
    /// are likely too few to sweep.
    public func reserveRequestIDs(_ ids: Int, untimed: Bool = false) {
        let n = min(ids, fullTableCount)
        if dedupe.count == 0 && n > 0 { dedupe = RequestIDSet(capacity: n, keepsMinutes: !untimed) }
        // The counted hashes are never swept: room for them all.
        if keepsCountedHashes { countedHashes!.reserveCapacity(ids) }
    }

    /// Ids a table holds before a sweep can forget any: without retention 10/7 of `keepLast` (`sweepDedupe`
    /// passes before that), with it the first sweep's threshold.
    public var idsBeforeFirstSweep: Int {
        options.retentionMinutes == nil ? (options.dedupe.keepLast * 10 + 6) / 7 : Rollup.sweepThreshold(kept: 0)
    }

    /// Marks request hashes as seen, so their first record in this rollup is a duplicate.
    public func preseedDuplicates(_ hashes: [UInt64]) {
        for h in hashes where h != 0 { dedupe.set(h, minute: Int64.max) }
    }

    /// Moves the cells and counters read so far into a rollup of their own and goes on with empty ones,
    /// keeping the request ids (so what is read next is still deduplicated against what came before) and
    /// the interners (the returned rollup has a copy, enough to name its cells). Absorbing the returned
    /// rollup and then this one gives what this one would have held without the split. A part read for a
    /// merge splits after its first stretch, so that if requests it shares with earlier parts all fall in
    /// that stretch, only the stretch is read again.
    public func splitCells() -> Rollup {
        let head = Rollup(options: options, prices: prices)
        head.interners = interners
        head.gpuInterner = gpuInterner
        head.buckets = buckets
        head.eventsCounted = eventsCounted
        head.duplicates = duplicates
        head.superseded = superseded
        head.expired = expired
        head.future = future
        head.gpuSamples = gpuSamples
        head.unpricedByModel = unpricedByModel
        head.newestMs = newestMs
        head.resettle()
        head.oldestMs = oldestMs
        buckets = [:]
        lastBucket = nil
        eventsCounted = 0
        duplicates = 0
        superseded = 0
        expired = 0
        future = 0
        gpuSamples = 0
        unpricedByModel = [:]
        // newestMs stays: it is the dedupe horizon's clock. oldestMs restarts with the cells.
        oldestMs = .max
        return head
    }

    /// Adds `other`'s cells and counters, re-keying its interned ids by value. Its request ids stay in `other`
    /// (merging millions of them would cost more than the read saved): the merged rollup answers queries,
    /// and reading more into it would not see `other`'s requests. Call only when `mergeBlocker` is nil and
    /// `sharedRequests` found none.
    public func absorb(_ other: Rollup) {
        layoutRevision &+= 1  // existing buckets take cells: kept window sums are stale
        var maps: [[Int32]] = []
        for d in Dimension.allCases {
            let theirs = other.interner(d)
            maps.append((0..<theirs.names.count).map { i in
                internStored(d, hash: theirs.hashes[i], displayName: theirs.names[i])
            })
        }
        let gpuMap = (0..<other.gpuInterner.names.count).map { i in
            internStored(.gpu, hash: other.gpuInterner.hashes[i], displayName: other.gpuInterner.names[i])
        }
        let modelMap = maps[Dimension.model.rawValue], featureMap = maps[Dimension.feature.rawValue]
        for (minute, theirs) in other.buckets {
            let mine = bucketFor(minute)
            for (slot, a, b, _) in plan {
                let t = theirs.tables[slot]
                for i in 0..<t.keys.count {
                    let (ia, ib) = CellTable.ids(t.keys[i])
                    mine.tables[slot].merge(a.map { maps[$0.rawValue][Int(ia)] } ?? 0,
                                            b.map { maps[$0.rawValue][Int(ib)] } ?? 0, t.cells[i])
                }
            }
            let c = theirs.classes
            for i in 0..<c.keys.count {
                let (feature, packed) = CellTable.ids(c.keys[i])
                let (model, requestClass) = RequestClass.unpack(packed)
                let repacked = RequestClass.pack(model: modelMap[Int(model)], requestClass)
                mine.classes.merge(featureMap[Int(feature)], repacked, c.cells[i])
            }
            for (id, g) in theirs.gpus { mine.gpus[gpuMap[Int(id)], default: GPUMeasures()].merge(g) }
        }
        lastBucket = nil
        for (model, n) in other.unpricedByModel { unpricedByModel[modelMap[Int(model)], default: 0] += n }
        eventsCounted += other.eventsCounted
        duplicates += other.duplicates
        superseded += other.superseded
        expired += other.expired
        future += other.future
        gpuSamples += other.gpuSamples
        dedupeForgotten += other.dedupeForgotten
        if other.newestMs > newestMs { newestMs = other.newestMs }
        resettle()
        if other.oldestMs < oldestMs { oldestMs = other.oldestMs }
    }
}
