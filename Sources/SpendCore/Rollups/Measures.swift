/// The additive totals of one group over one time bucket; windows are sums of these.
public struct Measures: Sendable {
    public var requests: Int64 = 0
    public var errors: Int64 = 0
    public var retries: Int64 = 0
    public var gatewayCacheHits: Int64 = 0
    public var batchRequests: Int64 = 0
    /// Requests that had no gateway cost and no price for their model: their spend is unknown, not $0.
    public var unpriced: Int64 = 0
    public var inputTokens: Int64 = 0
    public var outputTokens: Int64 = 0
    public var cacheReadTokens: Int64 = 0
    public var cacheWriteTokens: Int64 = 0
    public var reasoningTokens: Int64 = 0
    public var spend: Double = 0
    public var latencySumMs: Double = 0
    public var latency = LatencyHistogram()

    public init() {}

    /// Adds one request; `withLatency` is off for high-cardinality groupings (keys, pairs), whose
    /// cells would otherwise each carry a 256-byte histogram.
    @inline(__always)
    public mutating func add(_ e: borrowing InternedEvent, withLatency: Bool = true) {
        requests &+= 1
        if e.isError { errors &+= 1 }
        if e.retry > 0 { retries &+= 1 }
        if e.gatewayCacheHit { gatewayCacheHits &+= 1 }
        if e.batch { batchRequests &+= 1 }
        if e.unpriced { unpriced &+= 1 }
        inputTokens &+= e.inputTokens
        outputTokens &+= e.outputTokens
        cacheReadTokens &+= e.cacheReadTokens
        cacheWriteTokens &+= e.cacheWriteTokens
        reasoningTokens &+= e.reasoningTokens
        spend += e.cost
        // A batch request's latency is its batch job's turnaround (minutes to hours), not a response time: it
        // stays out of the percentiles, which would otherwise read an hour for a window with a few batch jobs.
        let online = !e.batch  // (not in the condition: `&&` would capture the borrowed event)
        if e.latencyMs >= 0, online {
            latencySumMs += e.latencyMs
            if withLatency { latency.record(e.latencyMs) }
        }
    }

    /// Takes back what `add` added for the same event (a superseded record, see `Rollup`).
    public mutating func remove(_ e: borrowing InternedEvent, withLatency: Bool = true) {
        requests &-= 1
        if e.isError { errors &-= 1 }
        if e.retry > 0 { retries &-= 1 }
        if e.gatewayCacheHit { gatewayCacheHits &-= 1 }
        if e.batch { batchRequests &-= 1 }
        if e.unpriced { unpriced &-= 1 }
        inputTokens &-= e.inputTokens
        outputTokens &-= e.outputTokens
        cacheReadTokens &-= e.cacheReadTokens
        cacheWriteTokens &-= e.cacheWriteTokens
        reasoningTokens &-= e.reasoningTokens
        spend -= e.cost
        if requests == 0 { spend = 0 }  // no rounding residue on a cell that holds nothing
        if e.latencyMs >= 0 {
            latencySumMs -= e.latencyMs
            if withLatency { latency.unrecord(e.latencyMs) }
        }
    }

    public mutating func merge(_ o: Measures) {
        requests &+= o.requests
        errors &+= o.errors
        retries &+= o.retries
        gatewayCacheHits &+= o.gatewayCacheHits
        batchRequests &+= o.batchRequests
        unpriced &+= o.unpriced
        inputTokens &+= o.inputTokens
        outputTokens &+= o.outputTokens
        cacheReadTokens &+= o.cacheReadTokens
        cacheWriteTokens &+= o.cacheWriteTokens
        reasoningTokens &+= o.reasoningTokens
        spend += o.spend
        latencySumMs += o.latencySumMs
        latency.merge(o.latency)
    }

    /// cache_read_tokens ÷ input_tokens (SPEC §5), nil without input.
    public var cacheHitRatio: Double? { inputTokens > 0 ? Double(cacheReadTokens) / Double(inputTokens) : nil }
    public var gatewayCacheHitRate: Double? { requests > 0 ? Double(gatewayCacheHits) / Double(requests) : nil }
    public var errorRate: Double? { requests > 0 ? Double(errors) / Double(requests) : nil }
    public var retryRate: Double? { requests > 0 ? Double(retries) / Double(requests) : nil }
}
