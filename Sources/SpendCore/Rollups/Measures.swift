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
    /// Requests with input tokens, and over them the sums of ln(tokens) and of each one's cached share of its
    /// input: the typical request's size and caching, which one huge prompt cannot dominate as it does the
    /// token totals (the anomaly detector's robust series). Zero in cells from sources that do not keep them.
    public var shapedRequests: Int64 = 0
    public var logTokensSum: Double = 0
    public var cacheShareSum: Double = 0

    public init() {}

    /// ln(input + output tokens) to about 1e-6: the exponent plus a short series in the mantissa, cheaper than
    /// libm's `log` on the measured ingest path (once per event, through `RequestShape`).
    @inline(__always)
    public static func logTokens(input: Int64, output: Int64) -> Double {
        let x = Double(max(input, 1)) + Double(max(output, 0))
        let bits = x.bitPattern
        let e = Double(Int64(bits >> 52) - 1023)
        var m = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)  // [1, 2)
        var k = e
        if m > 1.4142135623730951 { m *= 0.5; k += 1 }  // [0.71, 1.41): the series converges fast around 1
        let t = (m - 1) / (m + 1), t2 = t * t
        let series = t * (2 + t2 * (2.0 / 3 + t2 * (0.4 + t2 * (2.0 / 7 + t2 * (2.0 / 9)))))
        return k * 0.6931471805599453 + series
    }

    /// The cached share of one request's input, in [0, 1].
    @inline(__always)
    public static func cacheShare(input: Int64, cacheRead: Int64) -> Double {
        Double(min(max(cacheRead, 0), input)) / Double(input)
    }

    /// Adds one request; `withLatency` is off for high-cardinality groupings (keys, pairs), whose
    /// cells would otherwise each carry a 256-byte histogram.
    @inline(__always)
    public mutating func add(_ e: borrowing InternedEvent, withLatency: Bool = true) {
        add(e, shape: RequestShape(e), withLatency: withLatency)
    }

    /// Adds one request whose `shape` the caller computed once for all the cells it lands in.
    @inline(__always)
    public mutating func add(_ e: borrowing InternedEvent, shape: RequestShape, withLatency: Bool) {
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
        shapedRequests &+= shape.counted
        logTokensSum += shape.logTokens
        cacheShareSum += shape.cacheShare
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
        let shape = RequestShape(e)  // (rare: no need to share it across cells as `add` does)
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
        shapedRequests &-= shape.counted
        logTokensSum -= shape.logTokens
        cacheShareSum -= shape.cacheShare
        if shapedRequests == 0 { logTokensSum = 0; cacheShareSum = 0 }
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
        shapedRequests &+= o.shapedRequests
        logTokensSum += o.logTokensSum
        cacheShareSum += o.cacheShareSum
    }

    /// cache_read_tokens ÷ input_tokens (SPEC §5), nil without input.
    public var cacheHitRatio: Double? { inputTokens > 0 ? Double(cacheReadTokens) / Double(inputTokens) : nil }
    public var gatewayCacheHitRate: Double? { requests > 0 ? Double(gatewayCacheHits) / Double(requests) : nil }
    public var errorRate: Double? { requests > 0 ? Double(errors) / Double(requests) : nil }
    public var retryRate: Double? { requests > 0 ? Double(retries) / Double(requests) : nil }
}
