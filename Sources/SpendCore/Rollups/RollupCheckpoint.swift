/// A rollup's state as the store keeps it (issue 12 point 1), so that start-up loads cells instead of replaying
/// every event: one blob for what spans minutes (interners, counters, sweep marks) and one per minute (its cells,
/// request ids and standing records), so that a checkpoint rewrites only the minutes that changed. Restoring one
/// and then ingesting the events after it gives what replaying every event would; docs/store.md says where not.
public enum RollupCheckpoint {
    /// 5: cells carry the typical-request sums (`Measures.shapedRequests`); an older checkpoint is replayed once.
    static let version: UInt64 = 5

    /// One minute's blob, with the number of dedupe sweeps the rollup had made when it was written.
    public struct Minute: Sendable {
        public let minute: Int64
        public let sweeps: Int64
        public let bytes: [UInt8]
        /// Minutes the cell covers: the store deletes the blobs of the minutes folded into it.
        public let span: Int64
        public init(minute: Int64, sweeps: Int64, bytes: [UInt8], span: Int64 = 1) {
            self.minute = minute
            self.sweeps = sweeps
            self.bytes = bytes
            self.span = span
        }
    }

    /// Why a checkpoint was not used (the caller then replays every event).
    public struct Unusable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Everything besides the events that the cells depend on: a checkpoint is restored only into a rollup of
    /// the same shape. Prices are in it because cells hold priced spend: a changed price table replays.
    public static func shape(of r: Rollup) -> String {
        let o = r.options
        let groupings = r.plan.map { Grouping($0.1, $0.2).description }.joined(separator: ",")
        var prices = ""
        for name in r.prices.modelNames { prices += "\(name)=\(r.prices.prices[name]!);" }
        let dims = Dimension.requestDimensions.map { r.neededDimensions[$0.rawValue] ? "1" : "0" }.joined()
        return "checkpoint \(version); groupings \(groupings); dimensions \(dims); cardinality \(o.cardinality); "
            + "retention \(o.retentionMinutes.map(String.init) ?? "none"); "
            + "dedupe \(o.dedupe.minutes)/\(o.dedupe.keepLast); "
            + "compaction \(o.compaction.map { "\($0.ageMinutes)/\($0.spanMinutes)" }.joined(separator: ",")); "
            + "prices \(String(ByteHash.hash(prices), radix: 16))"
            + (o.typicalRequests ? "" : "; no typical requests")
    }

    /// The minutes whose contents changed since they were last taken, encoded, with their flags cleared.
    public static func takeChangedMinutes(_ r: Rollup) -> [Minute] {
        let changed = r.buckets.values.filter(\.changed).sorted { $0.minute < $1.minute }
        guard !changed.isEmpty else { return [] }
        var ids = [[(UInt64, Int64)]](repeating: [], count: changed.count)
        var standing = [[Int]](repeating: [], count: changed.count)
        var slotOf: [Int64: Int] = [:]
        for (i, b) in changed.enumerated() { slotOf[b.minute] = i }
        // An id or record belongs to the cell holding its minute (a folded cell holds several minutes).
        if changed.count == r.buckets.count {
            r.dedupe.forEach { h, m in if let i = slotOf[r.cellKey(m)] { ids[i].append((h, m)) } }
        } else {
            // Most checkpoints rewrite a few minutes: a range check skips the dictionary for the rest.
            let lo = changed.first!.minute, hi = changed.last!.minute + changed.last!.span - 1
            r.dedupe.forEach { h, m in if m >= lo && m <= hi, let i = slotOf[r.cellKey(m)] { ids[i].append((h, m)) } }
        }
        for (k, e) in r.standing.enumerated() {
            if let i = slotOf[r.cellKey(Rollup.floorDiv(e.timestampMs, 60_000))] { standing[i].append(k) }
        }
        return changed.enumerated().map { i, b in
            b.changed = false
            return Minute(minute: b.minute, sweeps: r.dedupeSweeps,
                          bytes: encode(b, ids: ids[i], standing: standing[i].map { r.standing[$0] }), span: b.span)
        }
    }

    /// Marks minutes changed again (their blobs were not saved).
    public static func markChanged(_ r: Rollup, minutes: [Int64]) {
        for m in minutes { r.buckets[m]?.changed = true }
    }

    /// What spans minutes, and which minutes the rollup holds (a restore needs every one of them).
    public static func state(_ r: Rollup) -> [UInt8] {
        var w = BinaryWriter(capacity: 1 << 16)
        w.varint(version)
        for v in [r.eventsCounted, r.duplicates, r.superseded, r.expired, r.gpuSamples, r.future, r.dedupeForgotten,
                  r.newestMs, r.oldestMs, Int64(r.dedupeSweepAt), Int64(r.supersedableSweepAt), r.dedupeSweeps,
                  r.dedupeSweptBelow] { w.signed(v) }
        for interner in r.interners + [r.gpuInterner] {
            w.count(interner.names.count)
            for (name, hash) in zip(interner.names, interner.hashes) {
                w.string(name)
                w.u64(hash)
            }
            let folded = interner.foldedHashes
            w.count(folded.count)
            for h in folded { w.u64(h) }
            w.count(interner.foldedEvents)
        }
        w.count(r.unpricedByModel.count)
        for (model, n) in r.unpricedByModel.sorted(by: { $0.key < $1.key }) {
            w.signed(Int64(model))
            w.signed(n)
        }
        let minutes = r.buckets.keys.sorted()
        w.count(minutes.count)
        for m in minutes { w.signed(m) }
        w.count(r.compactedBelow.count)
        for m in r.compactedBelow { w.signed(m) }
        w.count(r.dedupe.count)  // sizes the restored table once instead of growing it
        return w.sealed()
    }

    /// Restores from blobs in memory (tests; the store streams its rows through the other `restore`).
    public static func restore(_ r: Rollup, state: [UInt8], minutes: [Minute]) throws {
        try restore(r, state: state) { each in
            for m in minutes { try m.bytes.withUnsafeBytes { try each(m.minute, m.sweeps, $0) } }
        }
    }

    /// Loads a checkpoint into a rollup that has read nothing yet; `readMinutes` hands each saved minute to the
    /// closure it is given. Nothing of the rollup changes unless the whole checkpoint decodes and every minute the
    /// state names is there; a damaged or incomplete one throws `Unusable`.
    public static func restore(
        _ r: Rollup, state: [UInt8],
        readMinutes: ((_ minute: Int64, _ sweeps: Int64, _ blob: UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws {
        guard r.eventsCounted == 0, r.buckets.isEmpty, r.gpuSamples == 0 else {
            throw Unusable(description: "the rollup has already read events")
        }
        do {
            try restoreChecked(r, state: state, readMinutes: readMinutes)
        } catch let d as BinaryReader.Damaged {
            throw Unusable(description: "damaged checkpoint (\(d))")
        }
    }

    struct Head {
        var counters: [Int64] = []
        var interners: [Interner] = []
        var unpriced: [Int32: Int64] = [:]
        var minutes: [Int64] = []
        var compactedBelow: [Int64] = []
        var requestIDs = 0
    }

    static func decodeHead(_ s: inout BinaryReader, cardinality: Int) throws -> Head {
        var h = Head()
        guard try s.varint() == version else { throw Unusable(description: "checkpoint of another version") }
        for _ in 0..<13 { h.counters.append(try s.signed()) }
        for d in Dimension.allCases + [.gpu] {
            let n = try s.count(minBytes: 9)
            var names: [String] = [], hashes: [UInt64] = []
            names.reserveCapacity(n)
            hashes.reserveCapacity(n)
            for _ in 0..<n {
                names.append(try s.string())
                hashes.append(try s.u64())
            }
            guard n >= 2, hashes[0] == 0, hashes[1] == 1 else { throw Unusable(description: "damaged interner") }
            var folded: [UInt64] = []
            for _ in 0..<(try s.count(minBytes: 8)) { folded.append(try s.u64()) }
            let foldedEvents = Int(clamping: try s.varint())  // events, not bytes: it may exceed the blob
            h.interners.append(Interner(restoring: d, capacity: cardinality, names: names, hashes: hashes,
                                        folded: folded, foldedEvents: foldedEvents))
        }
        for _ in 0..<(try s.count(minBytes: 2)) {
            let model = try s.i32()
            h.unpriced[model] = try s.signed()
        }
        for _ in 0..<(try s.count(minBytes: 1)) { h.minutes.append(try s.signed()) }
        for _ in 0..<(try s.count(minBytes: 1)) { h.compactedBelow.append(try s.signed()) }
        h.requestIDs = Int(clamping: try s.varint())
        guard s.isAtEnd else { throw Unusable(description: "checkpoint state longer than its contents") }
        return h
    }

    static func restoreChecked(
        _ r: Rollup, state: [UInt8],
        readMinutes: ((Int64, Int64, UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws {
        let head = try BinaryReader.unsealing(state) { try decodeHead(&$0, cardinality: r.options.cardinality) }
        guard head.compactedBelow.count == r.options.compaction.count else {
            throw Unusable(description: "checkpoint of other compaction tiers")
        }
        let c = head.counters
        let sweeps = c[11], sweptBelow = c[12]
        let expected = Set(head.minutes)
        var buckets: [Int64: MinuteBucket] = [:]
        buckets.reserveCapacity(expected.count)
        // A hint only: a damaged one must not make a huge table (the set grows past it if need be).
        var dedupe = RequestIDSet(capacity: max(1024, min(head.requestIDs, 1 << 22)))
        var standing = ContiguousArray<InternedEvent>()
        let limits = head.interners.map { Int32($0.names.count) }
        for (model, _) in head.unpriced where model < 0 || model >= limits[Dimension.model.rawValue] {
            throw Unusable(description: "checkpoint tally of an unknown model")
        }
        for v in [c[7], c[8]] where v != .min && v != .max && !(-maxTimeMs...maxTimeMs).contains(v) {
            throw Unusable(description: "checkpoint time out of range")
        }
        try readMinutes { m, blobSweeps, blob in
            guard expected.contains(m), buckets[m] == nil else { return }  // a minute the rollup had let go of
            let span = CompactionTier.cellSpan(m, tiers: r.options.compaction, compactedBelow: head.compactedBelow)
            // Ids below the last sweep's cut were forgotten by it, unless their blob was written after it (late ones).
            let ids = IDRule(sweptBelow: sweptBelow, writtenAfterSweep: blobSweeps == sweeps)
            buckets[m] = try BinaryReader.unsealing(blob) {
                try decode(&$0, minute: m, span: span, rollup: r, limits: limits, rule: ids, ids: &dedupe,
                           standing: &standing)
            }
        }
        guard buckets.count == expected.count else {
            throw Unusable(description: "checkpoint misses \(expected.count - buckets.count) of its minutes")
        }
        var supersedable = UInt64Table(capacity: max(64, standing.count))
        for (i, e) in standing.enumerated() { supersedable.set(e.requestHash, Int32(i)) }

        r.interners = Array(head.interners.prefix(Dimension.allCases.count))
        r.gpuInterner = head.interners[Dimension.allCases.count]
        r.buckets = buckets
        r.lastBucket = nil
        r.dedupe = dedupe
        r.standing = standing
        r.supersedable = supersedable
        r.unpricedByModel = head.unpriced
        r.eventsCounted = c[0]; r.duplicates = c[1]; r.superseded = c[2]; r.expired = c[3]
        r.gpuSamples = c[4]; r.future = c[5]; r.dedupeForgotten = c[6]; r.newestMs = c[7]; r.oldestMs = c[8]
        r.resettle()
        r.dedupeSweepAt = Int(clamping: c[9]); r.supersedableSweepAt = Int(clamping: c[10])
        r.dedupeSweeps = sweeps; r.dedupeSweptBelow = sweptBelow
        r.compactedBelow = head.compactedBelow
    }

    /// Event times a checkpoint may hold: far beyond any real one, and far from overflowing minute arithmetic.
    static let maxTimeMs: Int64 = Int64.max / 4
    static let maxMinute: Int64 = maxTimeMs / 60_000

    struct IDRule {
        let sweptBelow: Int64
        let writtenAfterSweep: Bool
        func keeps(_ minute: Int64) -> Bool { writtenAfterSweep || minute >= sweptBelow }
    }

    // MARK: one minute

    static func encode(_ b: MinuteBucket, ids: [(UInt64, Int64)], standing: [InternedEvent]) -> [UInt8] {
        var w = BinaryWriter(capacity: 64 + b.tables.reduce(0) { $0 + $1.cells.count * 32 } + ids.count * 8)
        w.signed(b.minute)
        w.signed(b.span)
        w.count(b.tables.count)
        for t in b.tables { encode(t, &w) }
        encode(b.classes, &w)
        var gpus: [(Int64, Int32, GPUMeasures)] = []
        b.forEachGPUMinute(from: .min, to: .max) { m, readings in
            for (id, g) in readings.sorted(by: { $0.key < $1.key }) { gpus.append((m, id, g)) }
        }
        w.count(gpus.count)
        for (m, id, g) in gpus {
            w.signed(m - b.minute)
            w.signed(Int64(id))
            w.signed(g.samples)
            for (sum, n) in [(g.utilSum, g.utilCount), (g.memUsedSum, g.memUsedCount), (g.memTotalSum, g.memTotalCount),
                             (g.powerSum, g.powerCount), (g.queueSum, g.queueCount), (g.kvCacheSum, g.kvCacheCount),
                             (g.prefixHitSum, g.prefixHitCount), (g.runningSum, g.runningCount)] {
                w.f64(sum)
                w.signed(n)
            }
        }
        w.count(ids.count)
        for (h, m) in ids {
            w.u64(h)
            w.signed(m - b.minute)  // the id's own minute: the horizon forgets ids by it
        }
        w.count(standing.count)
        for e in standing { encode(e, &w) }
        return w.sealed()
    }

    static func decode(_ s: inout BinaryReader, minute: Int64, span expected: Int64, rollup r: Rollup,
                       limits: [Int32], rule: IDRule, ids: inout RequestIDSet,
                       standing: inout ContiguousArray<InternedEvent>) throws -> MinuteBucket {
        guard try s.signed() == minute, (-maxMinute...maxMinute).contains(minute) else {
            throw Unusable(description: "checkpoint minute out of place")
        }
        let span = try s.signed()
        // Every cell has the span its watermarks give and starts on a multiple of it, so no two overlap.
        guard span == expected, Rollup.floorDiv(minute, span) * span == minute else {
            throw Unusable(description: "checkpoint cell of the wrong span")
        }
        guard try s.count() == r.plan.count else { throw Unusable(description: "checkpoint of other groupings") }
        let b = MinuteBucket(minute: minute, groupings: r.plan.count, span: span)
        for (slot, first, second, _) in r.plan {
            let la = first.map { limits[$0.rawValue] } ?? 1, lb = second.map { limits[$0.rawValue] } ?? 1
            b.tables[slot] = try decodeTable(&s) { a, c in a < la && c < lb }
        }
        let features = limits[Dimension.feature.rawValue], models = limits[Dimension.model.rawValue]
        b.classes = try decodeTable(&s) { f, packed in f < features && RequestClass.unpack(packed).0 < models }
        for _ in 0..<(try s.count(minBytes: 74)) {
            let offset = try s.signed()
            guard offset >= 0, offset < span else { throw Unusable(description: "GPU reading outside its cell") }
            let id = try s.i32()
            guard id >= 0, id < limits[Dimension.allCases.count] else { throw Unusable(description: "damaged GPU id") }
            var g = GPUMeasures()
            // Counts are added with overflow checks later: a hostile one near Int64.max would trap there.
            func count() throws -> Int64 {
                let n = try s.signed()
                guard n >= 0, n < 1 << 48 else { throw Unusable(description: "GPU count out of range") }
                return n
            }
            g.samples = try count()
            g.utilSum = try s.f64(); g.utilCount = try count()
            g.memUsedSum = try s.f64(); g.memUsedCount = try count()
            g.memTotalSum = try s.f64(); g.memTotalCount = try count()
            g.powerSum = try s.f64(); g.powerCount = try count()
            g.queueSum = try s.f64(); g.queueCount = try count()
            g.kvCacheSum = try s.f64(); g.kvCacheCount = try count()
            g.prefixHitSum = try s.f64(); g.prefixHitCount = try count()
            g.runningSum = try s.f64(); g.runningCount = try count()
            if span == 1 { b.gpus[id] = g } else { b.gpuByMinute[minute + offset, default: [:]][id] = g }
        }
        for _ in 0..<(try s.count(minBytes: 9)) {
            let h = try s.u64(), offset = try s.signed()
            guard offset >= 0, offset < span else { throw Unusable(description: "request id outside its cell") }
            if h != 0 && rule.keeps(minute + offset) { _ = ids.insert(h, minute: minute + offset) }
        }
        for _ in 0..<(try s.count(minBytes: 40)) {
            let e = try decodeEvent(&s, limits: limits)
            let m = Rollup.floorDiv(e.timestampMs, 60_000)
            guard m >= minute, m < minute + span else {
                throw Unusable(description: "standing record outside its cell")
            }
            standing.append(e)
        }
        guard s.isAtEnd else { throw Unusable(description: "checkpoint minute longer than its contents") }
        b.changed = false
        return b
    }

    /// Which of a cell's measures are not zero, one bit each (most cells are one request: few bits are set).
    static func encode(_ t: CellTable, _ w: inout BinaryWriter) {
        w.count(t.keys.count)
        for i in 0..<t.keys.count {
            let (a, b) = CellTable.ids(t.keys[i])
            w.signed(Int64(a))
            w.signed(Int64(b))
            let m = t.cells[i]
            let ints = [m.requests, m.errors, m.retries, m.gatewayCacheHits, m.batchRequests, m.unpriced, m.inputTokens,
                        m.outputTokens, m.cacheReadTokens, m.cacheWriteTokens, m.reasoningTokens]
            var mask: UInt64 = 0
            for (k, v) in ints.enumerated() where v != 0 { mask |= 1 << k }
            if m.spend.bitPattern != 0 { mask |= 1 << 11 }
            if m.latencySumMs.bitPattern != 0 { mask |= 1 << 12 }
            if m.latency.total > 0 { mask |= 1 << 13 }
            if m.shapedRequests != 0 { mask |= 1 << 14 }
            if m.logTokensSum.bitPattern != 0 { mask |= 1 << 15 }
            if m.cacheShareSum.bitPattern != 0 { mask |= 1 << 16 }
            w.varint(mask)
            for v in ints where v != 0 { w.signed(v) }
            if mask & (1 << 11) != 0 { w.f64(m.spend) }
            if mask & (1 << 12) != 0 { w.f64(m.latencySumMs) }
            if mask & (1 << 13) != 0 {
                var used: UInt64 = 0
                for k in 0..<LatencyHistogram.bucketCount where m.latency.count(bucket: k) > 0 {
                    used |= 1 << UInt64(k)
                }
                w.varint(used)
                for k in 0..<LatencyHistogram.bucketCount where used & (1 << UInt64(k)) != 0 {
                    w.varint(UInt64(m.latency.count(bucket: k)))
                }
            }
            if mask & (1 << 14) != 0 { w.signed(m.shapedRequests) }
            if mask & (1 << 15) != 0 { w.f64(m.logTokensSum) }
            if mask & (1 << 16) != 0 { w.f64(m.cacheShareSum) }
        }
    }

    static func decodeTable(_ s: inout BinaryReader, valid: (Int32, Int32) -> Bool) throws -> CellTable {
        let n = try s.count(minBytes: 3)
        var t = CellTable(reserving: n)
        for _ in 0..<n {
            let a = try s.i32(), b = try s.i32()
            guard a >= 0, b >= 0, valid(a, b) else { throw Unusable(description: "checkpoint cell of an unknown id") }
            let mask = try s.varint()
            var m = Measures()
            // Int64.min has no negation: a share of it would trap.
            func v() throws -> Int64 {
                let x = try s.signed()
                guard x != .min else { throw Unusable(description: "checkpoint count out of range") }
                return x
            }
            m.requests = try mask & 1 != 0 ? v() : 0
            m.errors = try mask & 2 != 0 ? v() : 0
            m.retries = try mask & 4 != 0 ? v() : 0
            m.gatewayCacheHits = try mask & 8 != 0 ? v() : 0
            m.batchRequests = try mask & 16 != 0 ? v() : 0
            m.unpriced = try mask & 32 != 0 ? v() : 0
            m.inputTokens = try mask & 64 != 0 ? v() : 0
            m.outputTokens = try mask & 128 != 0 ? v() : 0
            m.cacheReadTokens = try mask & 256 != 0 ? v() : 0
            m.cacheWriteTokens = try mask & 512 != 0 ? v() : 0
            m.reasoningTokens = try mask & 1024 != 0 ? v() : 0
            if mask & (1 << 11) != 0 { m.spend = try s.f64() }
            if mask & (1 << 12) != 0 { m.latencySumMs = try s.f64() }
            if mask & (1 << 13) != 0 {
                let used = try s.varint()
                for k in 0..<LatencyHistogram.bucketCount where used & (1 << UInt64(k)) != 0 {
                    guard let count = UInt32(exactly: try s.varint()) else {
                        throw Unusable(description: "damaged histogram")
                    }
                    m.latency.add(bucket: k, count: count)
                }
            }
            m.shapedRequests = try mask & (1 << 14) != 0 ? v() : 0
            if mask & (1 << 15) != 0 { m.logTokensSum = try s.f64() }
            if mask & (1 << 16) != 0 { m.cacheShareSum = try s.f64() }
            t.merge(a, b, m)
        }
        return t
    }

    static func encode(_ e: InternedEvent, _ w: inout BinaryWriter) {
        w.signed(e.timestampMs)
        w.u64(e.requestHash)
        for id in [e.feature, e.apiKey, e.model, e.team, e.provider, e.user, e.gateway, e.retry] { w.signed(Int64(id)) }
        for v in [e.inputTokens, e.outputTokens, e.cacheReadTokens, e.cacheWriteTokens, e.reasoningTokens,
                  e.cacheWrite1hTokens] { w.signed(v) }
        w.f64(e.cost)
        w.f64(e.latencyMs)
        w.f64(e.ttftMs)
        let flags = (e.isError ? 1 : 0) | (e.gatewayCacheHit ? 2 : 0) | (e.batch ? 4 : 0) | (e.batchEligible ? 8 : 0)
            | (e.unpriced ? 16 : 0)
        w.varint(UInt64(flags))
        w.u64(e.supersedeRank)
    }

    static func decodeEvent(_ s: inout BinaryReader, limits: [Int32]) throws -> InternedEvent {
        var e = InternedEvent()
        e.timestampMs = try s.signed()
        e.requestHash = try s.u64()
        e.feature = try s.i32(); e.apiKey = try s.i32(); e.model = try s.i32(); e.team = try s.i32()
        e.provider = try s.i32(); e.user = try s.i32(); e.gateway = try s.i32(); e.retry = try s.i32()
        for d in Dimension.requestDimensions {
            let id = e.id(d)
            guard id >= 0, id < limits[d.rawValue] else {
                throw Unusable(description: "checkpoint record of an unknown id")
            }
        }
        e.inputTokens = try s.signed(); e.outputTokens = try s.signed(); e.cacheReadTokens = try s.signed()
        e.cacheWriteTokens = try s.signed(); e.reasoningTokens = try s.signed(); e.cacheWrite1hTokens = try s.signed()
        e.cost = try s.f64()
        e.latencyMs = try s.f64()
        e.ttftMs = try s.f64()
        let flags = try s.varint()
        e.isError = flags & 1 != 0
        e.gatewayCacheHit = flags & 2 != 0
        e.batch = flags & 4 != 0
        e.batchEligible = flags & 8 != 0
        e.unpriced = flags & 16 != 0
        e.supersedeRank = try s.u64()
        return e
    }
}
