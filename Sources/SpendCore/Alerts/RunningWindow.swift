/// Totals a window of minutes can be summed and taken apart by (request measures, GPU measures).
protocol WindowSummable {
    init()
    mutating func merge(_ o: Self)
    mutating func subtract(_ o: Self)
}

/// A rule's or a budget's window as a running sum: each judged minute adds its cell and takes out the minute that
/// left, so a window costs O(1) per minute whatever its length. A ring keeps what each minute added, so the sum
/// never drifts from what it holds; the `lateMinutes` before the newest are read again each minute (late lines of
/// a live stream land there), older late lines count in the rollups but not in the window. The sum is rebuilt
/// from the ring once per window length, which bounds floating-point drift at O(1) amortised.
struct RunningWindow<M: WindowSummable> {
    /// Longest window kept minute by minute (31 days); the rollups hold far less than that anyway.
    static var maxMinutes: Int64 { 31 * 1440 }
    /// Minutes before the newest that are read again as the window moves.
    static var lateMinutes: Int64 { 2 }

    let size: Int64
    private var ring: [M]
    private(set) var sum = M()
    /// The newest minute in the sum; nil before the first minute.
    private(set) var last: Int64?
    private var floor: Int64 = .min
    private var sinceRebuild: Int64 = 0

    init(minutes: Int) {
        size = max(1, min(Int64(minutes), RunningWindow.maxMinutes))
        ring = []
    }

    /// Minutes the sum covers: the window, or fewer since `floor` (a budget's period start).
    var coveredMinutes: Int64 {
        guard let l = last else { return 0 }
        return l - max(floor, l - size + 1) + 1
    }

    /// Starts again with the window ending at `minute`, holding nothing before `floor`.
    mutating func reset(to minute: Int64, floor: Int64 = .min, read: (Int64) -> M?) {
        if ring.isEmpty { ring = Array(repeating: M(), count: Int(size)) }
        for i in ring.indices { ring[i] = M() }
        sum = M()
        self.floor = floor
        let from = max(floor, minute - size + 1)
        if from <= minute {
            for m in from...minute {
                guard let v = read(m) else { continue }
                ring[slot(m)] = v
                sum.merge(v)
            }
        }
        last = minute
        sinceRebuild = 0
    }

    /// Moves the window's end to `minute` (later than the last); a jump of a whole window or more starts again.
    mutating func advance(to minute: Int64, read: (Int64) -> M?) {
        guard let l = last, minute > l, minute - l < size else {
            reset(to: minute, floor: floor, read: read)
            return
        }
        // The late minutes still in the window are read again, then the new ones in.
        let again = max(floor, minute - size + 1, l - RunningWindow.lateMinutes + 1)
        for m in again...minute {
            let s = slot(m)
            sum.subtract(ring[s])
            let v = (m >= floor ? read(m) : nil) ?? M()
            ring[s] = v
            sum.merge(v)
        }
        last = minute
        sinceRebuild += minute - l
        if sinceRebuild >= size {
            sum = M()
            for v in ring { sum.merge(v) }
            sinceRebuild = 0
        }
    }

    private func slot(_ m: Int64) -> Int { Int(((m % size) + size) % size) }
}

extension Measures: WindowSummable {
    mutating func subtract(_ o: Measures) {
        requests &-= o.requests
        errors &-= o.errors
        retries &-= o.retries
        gatewayCacheHits &-= o.gatewayCacheHits
        batchRequests &-= o.batchRequests
        unpriced &-= o.unpriced
        inputTokens &-= o.inputTokens
        outputTokens &-= o.outputTokens
        cacheReadTokens &-= o.cacheReadTokens
        cacheWriteTokens &-= o.cacheWriteTokens
        reasoningTokens &-= o.reasoningTokens
        spend -= o.spend
        latencySumMs -= o.latencySumMs
        latency.subtract(o.latency)
        shapedRequests &-= o.shapedRequests
        logTokensSum -= o.logTokensSum
        cacheShareSum -= o.cacheShareSum
        if shapedRequests == 0 { logTokensSum = 0; cacheShareSum = 0 }
        // An emptied window is exactly empty, not a rounding residue of ±1e-17.
        if requests == 0 { spend = 0; latencySumMs = 0 }
    }
}

extension GPUMeasures: WindowSummable {
    mutating func subtract(_ o: GPUMeasures) {
        samples -= o.samples
        utilSum -= o.utilSum; utilCount -= o.utilCount
        memUsedSum -= o.memUsedSum; memUsedCount -= o.memUsedCount
        memTotalSum -= o.memTotalSum; memTotalCount -= o.memTotalCount
        powerSum -= o.powerSum; powerCount -= o.powerCount
        queueSum -= o.queueSum; queueCount -= o.queueCount
        kvCacheSum -= o.kvCacheSum; kvCacheCount -= o.kvCacheCount
        prefixHitSum -= o.prefixHitSum; prefixHitCount -= o.prefixHitCount
        runningSum -= o.runningSum; runningCount -= o.runningCount
        if utilCount == 0 { utilSum = 0 }
        if queueCount == 0 { queueSum = 0 }
    }
}
