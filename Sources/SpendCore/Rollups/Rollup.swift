/// Spend, tokens, errors and latency per group per minute, with dedupe and pricing at the door.
/// Holds time buckets, never raw events; see docs/rollups.md for the memory bound.
public final class Rollup {
    public struct Options: Sendable {
        /// Groupings to keep; the console keeps all, a headless export only what it prints.
        public var groupings: [Grouping] = Grouping.console
        /// Distinct values per dimension before new ones fold into `(other)`.
        public var cardinality: Int = 20_000
        /// Minutes of history to keep behind the newest event; nil keeps everything (export `all`).
        public var retentionMinutes: Int64? = 24 * 60
        /// Intern every dimension even if no kept grouping reads it (a store keeps them all).
        public var internAllDimensions = false
        /// With `wallClock`: events further ahead of it than this are refused (`future`). Live runs
        /// set it; replays and exports leave it nil, since their clock is the data's own.
        public var maxFutureMs: Int64?
        public var wallClock: (@Sendable () -> Int64)?
        /// Folding of old minutes into coarser cells, finest tier first; none by default (export and check read
        /// every minute), `CompactionTier.console` for the console.
        public var compaction: [CompactionTier] = []
        /// How long request ids are remembered for dedupe: retries and replays arrive within minutes,
        /// so memory is bounded by this horizon instead of by the day's volume (docs/rollups.md).
        public var dedupe = DedupeHorizon()
        /// Keep sums of settled minutes between reads (`WindowSumCache`): the console's refreshes re-read the same
        /// long windows four times a second; a one-shot export has nothing to gain.
        public var cachesWindowSums = false
        /// Keep each cell's typical-request sums (`Measures.shapedRequests`, an ln per event): only the anomaly
        /// detector reads them, so a headless export of any other view leaves them at zero.
        public var typicalRequests = true
        public init() {}
    }

    public let options: Options
    public internal(set) var interners: [Interner]
    public internal(set) var gpuInterner: Interner
    public let prices: PriceTable
    var modelCost: [ModelPrice?] = []
    var modelChecked: [Bool] = []
    let groupingIndex: [Grouping: Int]
    /// Dimensions some kept grouping reads (plus `model`, which pricing reads): the fast scanner
    /// interns only these, so a headless export pays for what it prints.
    let neededDimensions: [Bool]
    /// The grouping tables as (slot, first dimension, second dimension) for the ingest loop.
    let plan: [(Int, Dimension?, Dimension?, Bool)]
    /// Request classes (`RequestClass`) ride with the feature×model grouping: whoever keeps the pair
    /// can answer the savings advisor, and a view that does not keep it pays nothing for them.
    let keepsClasses: Bool
    /// Which kept grouping answers what (`SpendQuery` reads plan through it).
    public let planner: GroupingPlanner
    let nameIndex = NameIndex()

    public internal(set) var buckets: [Int64: MinuteBucket] = [:] { didSet { layoutRevision &+= 1 } }
    /// Moves whenever a bucket comes or goes: sums kept in `windowSums` are then stale.
    var layoutRevision: UInt64 = 0
    /// Moves whenever a settled minute's cells change (a late event, a superseded record): likewise.
    var settledRevision: UInt64 = 0
    /// Moves whenever any bucket's cells or GPU readings change (with `layoutRevision`: `revision`).
    var contentRevision: UInt64 = 0
    /// The newest settled minute: more than `settleMinutes` behind the newest event's.
    var settledThrough = Int64.min
    /// Minutes behind the newest that are still summed afresh on every read: events arriving a little late
    /// land there without making the kept sums stale.
    static let settleMinutes: Int64 = 2
    let windowSums: WindowSumCache?
    /// Per compaction tier: every bucket starting below this minute is folded to the tier's span.
    var compactedBelow: [Int64]
    var lastBucket: MinuteBucket?
    var dedupe = RequestIDSet(capacity: 1024)
    /// The table size that triggers the next sweep (`nextSweepAt`).
    var dedupeSweepAt: Int
    /// Request ids the dedupe horizon forgot: a duplicate of one of them would be counted again.
    public internal(set) var dedupeForgotten: Int64 = 0
    /// Sweeps that forgot ids, and the minute the last one forgot below: a checkpoint's minutes written
    /// before that sweep hold ids below it that are gone (`RollupCheckpoint`).
    var dedupeSweeps: Int64 = 0
    var dedupeSweptBelow = Int64.min
    /// Supersedable requests (`supersedeRank > 0`): request hash → index into `standing`, the record
    /// as it is counted now, so that a higher-ranked record of the same request can take it back out
    /// of its cells and count itself instead. Expired with the buckets, like `dedupe`.
    var supersedable = UInt64Table(capacity: 64)
    var standing = ContiguousArray<InternedEvent>()
    var supersedableSweepAt = 16_384

    public internal(set) var eventsCounted: Int64 = 0
    public internal(set) var duplicates: Int64 = 0
    /// Records that replaced the counted record of their request (a larger streaming record, an
    /// original over its replayed copy): the request is still counted once, with the winner's numbers.
    public internal(set) var superseded: Int64 = 0
    /// Events older than the retention horizon when they arrived (replayed history beyond 24 h).
    public internal(set) var expired: Int64 = 0
    public internal(set) var gpuSamples: Int64 = 0
    /// Events and samples refused for a timestamp too far ahead of the wall clock.
    public internal(set) var future: Int64 = 0

    /// Checked only when an event would move the newest time forward, so the hot path rarely asks the clock.
    func isTooFarAhead(_ ms: Int64) -> Bool {
        guard let limit = options.maxFutureMs, let now = options.wallClock else { return false }
        return ms > now() + limit
    }
    /// Unpriced requests per model id.
    public internal(set) var unpricedByModel: [Int32: Int64] = [:]
    public internal(set) var newestMs: Int64 = .min
    /// When true, every newly counted event (before pricing, so a stored event is repriced on
    /// replay) and GPU sample is also appended to `recorded`/`recordedGPU` for the store to take.
    public var recordsForStore = false
    /// When non-nil, the request hash of every newly counted event is appended (a part read for a merge:
    /// `sharedRequests` checks them against the parts before it).
    public var countedHashes: [UInt64]? { didSet { keepsCountedHashes = countedHashes != nil } }
    /// Read on the hot path instead of the optional array, which would be copied (retained) to be tested.
    var keepsCountedHashes = false
    public var recorded = ContiguousArray<InternedEvent>()
    public var recordedGPU: [GPUSample] = []
    public internal(set) var oldestMs: Int64 = .max

    public init(options: Options = Options(), prices: PriceTable = .bundled) {
        self.options = options
        self.prices = prices
        windowSums = options.cachesWindowSums ? WindowSumCache() : nil
        dedupeSweepAt = Rollup.sweepThreshold(kept: 0)
        compactedBelow = Array(repeating: .min, count: options.compaction.count)
        interners = Dimension.allCases.map { Interner(dimension: $0, capacity: options.cardinality) }
        gpuInterner = Interner(dimension: .gpu, capacity: options.cardinality)
        var index = [Grouping: Int]()
        var plan: [(Int, Dimension?, Dimension?, Bool)] = []
        for g in options.groupings where index[g] == nil {
            index[g] = plan.count
            plan.append((plan.count, g.first, g.second, g.keepsLatency))
        }
        if index[.total] == nil {  // headers always need the fleet total
            index[.total] = plan.count
            plan.append((plan.count, nil, nil, true))
        }
        groupingIndex = index
        self.plan = plan
        keepsClasses = index[.pair(.feature, .model)] != nil
        planner = GroupingPlanner(kept: plan.map { Grouping($0.1, $0.2) })
        var needed = Array(repeating: options.internAllDimensions, count: Dimension.allCases.count)
        needed[Dimension.model.rawValue] = true
        for (_, a, b, _) in plan {
            if let a { needed[a.rawValue] = true }
            if let b { needed[b.rawValue] = true }
        }
        neededDimensions = needed
    }

    public func keeps(_ g: Grouping) -> Bool { groupingIndex[g] != nil }

    /// The kept groupings in the order of `MinuteBucket.tables`.
    public var tableGroupings: [Grouping] { plan.map { Grouping($0.1, $0.2) } }

    /// True when every request dimension is interned (what a store needs to save whole events).
    public var internsAllDimensions: Bool { Dimension.requestDimensions.allSatisfy { neededDimensions[$0.rawValue] } }

    // MARK: ingest

    /// Interns a decoded event's text fields; the fast scanner interns as it scans instead.
    public func intern(_ e: SpendEvent) -> InternedEvent {
        var i = InternedEvent()
        i.timestampMs = e.timestampMs
        if let r = e.requestID, !r.isEmpty { i.requestHash = ByteHash.hash(r) }
        i.feature = internText(.feature, e.feature)
        i.apiKey = internText(.apiKey, e.apiKey)
        i.model = internText(.model, e.model)
        i.team = internText(.team, e.team)
        i.provider = internText(.provider, e.provider)
        i.user = internText(.user, e.user)
        i.gateway = internText(.gateway, e.gateway)
        i.inputTokens = e.usage.input
        i.outputTokens = e.usage.output
        i.cacheReadTokens = e.usage.cacheRead
        i.cacheWriteTokens = e.usage.cacheWrite
        i.cacheWrite1hTokens = e.usage.cacheWrite1h
        i.supersedeRank = e.supersedeRank
        i.reasoningTokens = e.usage.reasoning
        i.cost = e.costUSD ?? .nan
        i.latencyMs = e.latencyMs ?? -1
        i.ttftMs = e.ttftMs ?? -1
        i.retry = Int32(clamping: e.retry)
        i.isError = e.isError
        i.gatewayCacheHit = e.gatewayCacheHit
        i.batch = e.batch
        i.batchEligible = e.batchEligible
        return i
    }

    public func ingest(_ e: SpendEvent) {
        var i = intern(e)
        ingest(&i)
    }

    /// Interns a value already in display form under the hash of its raw text (replay from the store).
    public func internStored(_ d: Dimension, hash: UInt64, displayName: String) -> Int32 {
        if d == .gpu { return gpuInterner.id(hash: hash, displayName: displayName) }
        return interners[d.rawValue].id(hash: hash, displayName: displayName)
    }

    /// The general path's `internBytes`: a dimension no grouping reads is not interned on either path.
    @inline(__always)
    func internText(_ d: Dimension, _ value: String?) -> Int32 {
        guard neededDimensions[d.rawValue] else { return Interner.noneID }
        return interners[d.rawValue].id(value)
    }

    /// Interns a value of `dimension` from raw bytes (for the fast scanner).
    @inline(__always)

    public func internBytes(_ d: Dimension, _ p: UnsafeRawPointer, _ n: Int) -> Int32 {
        guard neededDimensions[d.rawValue] else { return Interner.noneID }
        return interners[d.rawValue].id(bytes: p, count: n)
    }

    /// Starts the dedupe-table loads for a batch of events before they are ingested one by one:
    /// with a million request ids the table is far larger than the cache and each probe is a miss.
    public func prefetch(_ events: UnsafeBufferPointer<InternedEvent>) {
        var sink: UInt64 = 0
        for e in events where e.requestHash != 0 { sink ^= dedupe.touch(e.requestHash) }
        prefetchSink ^= sink
    }
    var prefetchSink: UInt64 = 0

    /// Counts one request exactly once: dedupe, price, then add to every kept grouping.
    /// Returns true when a new request was counted; false for a duplicate, an event beyond retention
    /// or in the future, and for a record that superseded its request's counted one (`superseded`).
    @discardableResult
    public func ingest(_ e: inout InternedEvent) -> Bool {
        if e.timestampMs > newestMs && isTooFarAhead(e.timestampMs) {
            future += 1
            return false
        }
        let minute = Rollup.floorDiv(e.timestampMs, 60_000)
        if isBeyondRetention(minute) {
            expired += 1
            return false
        }
        if e.supersedeRank != 0 && e.requestHash != 0 { return ingestSupersedable(&e) }
        if e.requestHash != 0 {
            if !dedupe.insert(e.requestHash, minute: minute) { duplicates += 1; return false }
            // Checked on insert, not only when time moves on: input read newest first never moves it.
            if dedupe.count > dedupeSweepAt {
                sweepDedupe(newestMinute: Rollup.floorDiv(max(newestMs, e.timestampMs), 60_000))
            }
        }
        countNew(&e, minute: minute)
        return true
    }

    @inline(__always)
    func isBeyondRetention(_ minute: Int64) -> Bool {
        guard let keep = options.retentionMinutes, newestMs != .min else { return false }
        return minute < Rollup.floorDiv(newestMs, 60_000) - keep
    }

    @inline(__always)
    func countNew(_ e: inout InternedEvent, minute: Int64) {
        eventsCounted += 1
        if keepsCountedHashes && e.requestHash != 0 { countedHashes!.append(e.requestHash) }
        add(&e, minute: minute)
    }

    /// Prices the event and adds it to every kept grouping of its minute (and to `recorded`).
    @inline(__always)
    func add(_ e: inout InternedEvent, minute: Int64) {
        if recordsForStore { recorded.append(e) }
        if e.cost.isNaN { price(&e) }
        if e.timestampMs > newestMs { advance(to: e.timestampMs) }
        if e.timestampMs < oldestMs { oldestMs = e.timestampMs }

        let bucket = bucketFor(minute)
        touched(bucket)
        let shape = options.typicalRequests ? RequestShape(e) : RequestShape()
        for (slot, a, b, latency) in plan {
            let ia = a.map { e.id($0) } ?? 0
            let ib = b.map { e.id($0) } ?? 0
            bucket.tables[slot].add(ia, ib, e, shape: shape, withLatency: latency)
        }
        if keepsClasses {
            let c = RequestClass.of(e)
            if c.rawValue != 0 {
                bucket.classes.add(e.feature, RequestClass.pack(model: e.model, c), e, shape: shape,
                                   withLatency: false)
            }
        }
    }

    /// The first record of a request is counted; a later one of higher rank takes the counted record
    /// back out of its cells and is counted in its place; one of equal or lower rank is a duplicate.
    /// Either way the request keeps the earliest time any of its records carries (it started when it
    /// was first seen), so the outcome does not depend on the order the records arrive in.
    /// `standing` keeps each record as it came in (before pricing), the form the store saves.
    func ingestSupersedable(_ e: inout InternedEvent) -> Bool {
        let next = Int32(standing.count)
        let slot = Int(supersedable.getOrInsert(e.requestHash) { next })
        if slot == Int(next) {
            standing.append(e)
            countNew(&e, minute: Rollup.floorDiv(e.timestampMs, 60_000))
            return true
        }
        var counted = standing[slot]
        let earliest = min(counted.timestampMs, e.timestampMs)
        let minute = Rollup.floorDiv(earliest, 60_000)
        guard e.supersedeRank > counted.supersedeRank else {
            duplicates += 1
            if e.timestampMs < counted.timestampMs && !isBeyondRetention(minute) {
                withdraw(counted)
                counted.timestampMs = earliest
                standing[slot] = counted
                add(&counted, minute: minute)
            }
            return false
        }
        e.timestampMs = earliest
        if isBeyondRetention(minute) {
            expired += 1
            return false
        }
        withdraw(counted)
        standing[slot] = e
        add(&e, minute: minute)
        superseded += 1
        return false
    }

    /// Takes a counted record (as it came in) back out of its minute's cells and the unpriced tally.
    func withdraw(_ record: InternedEvent) {
        var old = record
        if old.cost.isNaN { price(&old, tally: false) }
        if old.unpriced {
            let left = (unpricedByModel[old.model] ?? 0) - 1
            unpricedByModel[old.model] = left > 0 ? left : nil
        }
        let minute = Rollup.floorDiv(old.timestampMs, 60_000)
        guard let bucket = buckets[cellKey(minute)] else { return }
        touched(bucket)
        for (slot, a, b, latency) in plan {
            let ia = a.map { old.id($0) } ?? 0
            let ib = b.map { old.id($0) } ?? 0
            bucket.tables[slot].remove(ia, ib, old, withLatency: latency)
        }
        if keepsClasses {
            let c = RequestClass.of(old)
            if c.rawValue != 0 {
                bucket.classes.remove(old.feature, RequestClass.pack(model: old.model, c), old, withLatency: false)
            }
        }
    }

    public func ingest(_ s: GPUSample) {
        if s.timestampMs > newestMs && isTooFarAhead(s.timestampMs) {
            future += 1
            return
        }
        let minute = Rollup.floorDiv(s.timestampMs, 60_000)
        if let keep = options.retentionMinutes, newestMs != .min,
           minute < Rollup.floorDiv(newestMs, 60_000) - keep {
            expired += 1
            return
        }
        gpuSamples += 1
        if recordsForStore { recordedGPU.append(s) }
        if s.timestampMs > newestMs { advance(to: s.timestampMs) }
        if s.timestampMs < oldestMs { oldestMs = s.timestampMs }
        let id = gpuInterner.id(s.groupName)
        let bucket = bucketFor(minute)
        bucket.changed = true  // no kept window sum reads GPU readings: they stay valid
        contentRevision &+= 1  // (the savings advisor's idle GPUs do)
        if bucket.span == 1 {
            bucket.gpus[id, default: GPUMeasures()].add(s)
        } else {
            bucket.gpuByMinute[minute, default: [:]][id, default: GPUMeasures()].add(s)
        }
    }

    func price(_ e: inout InternedEvent, tally: Bool = true) {
        let m = Int(e.model)
        if m >= modelChecked.count {
            modelChecked.append(contentsOf: repeatElement(false, count: m + 1 - modelChecked.count))
            modelCost.append(contentsOf: repeatElement(nil, count: m + 1 - modelCost.count))
        }
        if !modelChecked[m] {
            modelChecked[m] = true
            if e.model > Interner.otherID {
                modelCost[m] = prices.price(for: interners[Dimension.model.rawValue].names[m])
            }
        }
        if let p = modelCost[m] {
            let usage = TokenUsage(input: e.inputTokens, output: e.outputTokens, cacheRead: e.cacheReadTokens,
                                   cacheWrite: e.cacheWriteTokens, reasoning: e.reasoningTokens,
                                   cacheWrite1h: e.cacheWrite1hTokens)
            e.cost = p.cost(usage, batch: e.batch)
        } else {
            e.cost = 0
            e.unpriced = true
            if tally { unpricedByModel[e.model, default: 0] += 1 }
        }
    }

    /// Moves `settledThrough` to follow the newest event (wherever `newestMs` is set other than by `advance`).
    func resettle() {
        settledThrough = newestMs == .min ? .min : Rollup.floorDiv(newestMs, 60_000) - Rollup.settleMinutes - 1
    }

    /// Marks a bucket changed for the checkpoint, and kept window sums stale if it is settled.
    @inline(__always)
    func touched(_ b: MinuteBucket) {
        b.changed = true
        contentRevision &+= 1
        if b.minute + b.span - 1 <= settledThrough { settledRevision &+= 1 }
    }

    @inline(__always)
    func bucketFor(_ minute: Int64) -> MinuteBucket {
        if let b = lastBucket, b.minute == minute { return b }
        // A late event in a folded span goes to the span's cells.
        let key = cellKey(minute)
        if let b = buckets[key] { lastBucket = b; return b }
        let b = MinuteBucket(minute: key, groupings: plan.count, span: cellSpan(key))
        buckets[key] = b
        lastBucket = b
        return b
    }

    /// Moves the newest time forward and drops buckets and dedupe entries past retention.
    func advance(to ms: Int64) {
        let oldMinute = newestMs == .min ? Int64.min : Rollup.floorDiv(newestMs, 60_000)
        newestMs = ms
        let minute = Rollup.floorDiv(ms, 60_000)
        guard minute != oldMinute else { return }
        resettle()
        if !options.compaction.isEmpty { compact(newestMinute: minute) }
        guard let keep = options.retentionMinutes else { return }
        let horizon = minute - keep
        if buckets.count > keep + 1 || !options.compaction.isEmpty {
            // A folded bucket goes once its last minute is past retention.
            for (m, b) in buckets where m + b.span - 1 < horizon { buckets[m] = nil }
            if let lb = lastBucket, lb.minute + lb.span - 1 < horizon { lastBucket = nil }
        }
        if standing.count > supersedableSweepAt {
            sweepSupersedable(beforeMinute: horizon)
            supersedableSweepAt = max(16_384, standing.count * 2)
        }
    }

    /// Forgets request ids older than the dedupe horizon, keeping at least the newest `keepLast` of
    /// them by event minute, and never keeping an id older than retention (its buckets are gone).
    /// One sequential pass counts ids per minute; the table is rebuilt only when something goes.
    func sweepDedupe(newestMinute minute: Int64) {
        let horizon = options.dedupe
        let retentionCutoff = options.retentionMinutes.map { minute - $0 } ?? Int64.min
        // Without retention, nothing can go under keepLast ids, and little under 10/7 of that (a pass over millions of
        // ids to forget a few): no pass at all.
        guard dedupe.count >= idsBeforeFirstSweep || retentionCutoff > Int64.min else {
            dedupeSweepAt = nextSweepAt(kept: dedupe.count, swept: false)
            return
        }
        dedupe.startKeepingMinutes(at: minute)
        let perMinute = dedupeHistogram()
        let timeCutoff = minute - horizon.minutes
        var cutoff = Int64.min
        var kept = 0
        for (m, n) in perMinute {
            if m < timeCutoff && kept >= horizon.keepLast { break }
            cutoff = m
            kept += n
        }
        if cutoff < retentionCutoff {
            cutoff = retentionCutoff
            kept = perMinute.reduce(0) { $1.0 >= cutoff ? $0 + $1.1 : $0 }
        }
        if kept < dedupe.count {
            let c = cutoff, before = dedupe.count
            dedupe.filter { $0 >= c }
            dedupeForgotten += Int64(before - dedupe.count)
            dedupeSweeps += 1
            dedupeSweptBelow = c
        }
        dedupeSweepAt = nextSweepAt(kept: dedupe.count, swept: true)
    }

    /// Ids per minute, newest minute first, in one pass: counted in an array over the minutes' span
    /// (a day is 1,440 entries), or a dictionary when stray timestamps make the span huge.
    func dedupeHistogram() -> [(Int64, Int)] {
        var lo = Int64.max, hi = Int64.min
        dedupe.forEach { _, m in lo = min(lo, m); hi = max(hi, m) }
        guard lo <= hi else { return [] }
        let (span, overflow) = hi.subtractingReportingOverflow(lo)
        if !overflow && span < 1 << 22 {
            var counts = [Int](repeating: 0, count: Int(hi - lo) + 1)
            counts.withUnsafeMutableBufferPointer { c in dedupe.forEach { _, m in c[Int(m - lo)] += 1 } }
            return counts.indices.reversed().compactMap { counts[$0] > 0 ? (lo + Int64($0), counts[$0]) : nil }
        }
        var perMinute: [Int64: Int] = [:]
        dedupe.forEach { _, m in perMinute[m, default: 0] += 1 }
        return perMinute.sorted { $0.key > $1.key }.map { ($0.key, $0.value) }
    }

    /// Sweeps when the table has doubled since the last one: amortised O(1) per id (each sweep is one
    /// pass over the table), and memory within one table doubling of what a sweep keeps.
    static func sweepThreshold(kept: Int) -> Int { max(65_536, 2 * kept) }

    /// Ids at which a table sized for 10/7 of keepLast (4M slots with the defaults) is full: the next id would
    /// double it. A sweep there instead frees what the horizon no longer needs, so the table stays that size.
    var fullTableCount: Int { RequestIDSet.slots(for: max(65_536, options.dedupe.keepLast * 10 / 7)) * 7 / 10 - 1 }

    /// The next sweep: when the table has doubled since this one, or sooner when it fills `fullTableCount`. After a
    /// pass that kept over 70% of that (the horizon needs more) only the doubling applies, so a sweep always frees a
    /// good share of what it reads. It depends on the kept count alone, which a checkpoint saves.
    func nextSweepAt(kept: Int, swept: Bool) -> Int {
        let doubled = Rollup.sweepThreshold(kept: kept), full = fullTableCount
        let capped = swept ? kept * 10 <= full * 7 : kept < full
        return capped ? min(doubled, full) : doubled
    }

    /// Forgets supersedable records older than the horizon (their cells are gone with their buckets).
    func sweepSupersedable(beforeMinute horizon: Int64) {
        var kept = ContiguousArray<InternedEvent>()
        var table = UInt64Table(capacity: max(64, standing.count / 2))
        for e in standing where Rollup.floorDiv(e.timestampMs, 60_000) >= horizon {
            table.set(e.requestHash, Int32(kept.count))
            kept.append(e)
        }
        standing = kept
        supersedable = table
    }

    @inline(__always)
    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    // MARK: reading

    public func interner(_ d: Dimension) -> Interner { d == .gpu ? gpuInterner : interners[d.rawValue] }

    public func name(_ d: Dimension, _ id: Int32) -> String { interner(d).name(id) }

    /// Unpriced request counts by model name, most first.
    public var unpricedModels: [(model: String, requests: Int64)] {
        unpricedByModel.map { (name(.model, $0.key), $0.value) }.sorted { $0.requests > $1.requests || ($0.requests == $1.requests && $0.model < $1.model) }
    }

    public var unpricedRequests: Int64 { unpricedByModel.values.reduce(0, +) }

    /// Sums one grouping's cells over the minutes in `[startMinute, endMinute]`.
    public func sum(_ g: Grouping, fromMinute start: Int64, toMinute end: Int64) -> [UInt64: Measures] {
        guard let slot = groupingIndex[g] else { return [:] }
        var out = [UInt64: Measures]()
        forEachBucket(fromMinute: start, toMinute: end) { b, share in
            let t = b.tables[slot]
            for i in 0..<t.keys.count {
                out[t.keys[i], default: Measures()].merge(t.cells[i].share(share, rotation: t.keys[i]))
            }
        }
        return out
    }

    /// One cell's value per minute in `[start, end]` (nil where nothing happened).
    public func series(_ g: Grouping, _ a: Int32, _ b: Int32, fromMinute start: Int64, toMinute end: Int64) -> [Measures?] {
        guard let slot = groupingIndex[g], end >= start else { return [] }
        return (start...end).map { m in
            guard let (bucket, share) = self.bucket(containing: m) else { return nil }
            return bucket.tables[slot].get(a, b)?.share(share, rotation: CellTable.key(a, b))
        }
    }

    public func gpuSum(fromMinute start: Int64, toMinute end: Int64) -> [Int32: GPUMeasures] {
        var out = [Int32: GPUMeasures]()
        forEachBucket(fromMinute: start, toMinute: end) { b, share in
            b.forEachGPUMinute(from: start, to: end) { _, readings in
                for (id, m) in readings { out[id, default: GPUMeasures()].merge(m) }
            }
        }
        return out
    }

    /// Every bucket overlapping `[start, end]`, with the share of it the range covers (whole unless a folded span
    /// straddles an end of the range, `TimeCompaction.swift`).
    func forEachBucket(fromMinute start: Int64, toMinute end: Int64, _ body: (MinuteBucket, CellShare) -> Void) {
        guard end >= start else { return }
        func visit(_ b: MinuteBucket) {
            if b.span == 1 { return body(b, CellShare.wholeMinute) }
            body(b, CellShare(first: max(start, b.minute) - b.minute, last: min(end, b.minute + b.span - 1) - b.minute,
                              span: b.span))
        }
        // A folded span starting before `start` may reach into the range.
        if !compactedBelow.isEmpty, let (b, _) = bucket(containing: start), b.minute < start { visit(b) }
        if end - start + 1 <= Int64(buckets.count) {
            for m in start...end { if let b = buckets[m] { visit(b) } }
        } else {
            for (m, b) in buckets where m >= start && m <= end { visit(b) }
        }
    }

    public var oldestMinute: Int64? { buckets.keys.min() }

    /// The first minute after `minute` holding data, or nil (one pass over the buckets: for skipping long gaps).
    public func firstMinuteWithData(after minute: Int64) -> Int64? {
        var best: Int64?
        for m in buckets.keys where m > minute && m < (best ?? .max) { best = m }
        return best
    }

    /// Approximate bytes held by buckets, interners and dedupe (for `check` and the bench).
    public var memoryBytes: Int {
        buckets.values.reduce(0) { $0 + $1.memoryBytes } + dedupe.memoryBytes
            + supersedable.memoryBytes + standing.capacity * MemoryLayout<InternedEvent>.stride
    }
}
