/// The per-minute series every tracked group is watched on (SPEC §7), with the direction that costs money
/// or hurts users and the minimum size a departure must have before anyone is told.
public enum AnomalyMetric: String, CaseIterable, Sendable {
    case spend, tokens, requests
    case errorRate = "error_rate", retryRate = "retry_rate", cacheHitRatio = "cache_hit_ratio"
    case gpuUtil = "gpu_util"

    /// The request metrics (GPU util is watched per GPU).
    public static let requestMetrics: [AnomalyMetric] = [.spend, .tokens, .requests, .errorRate, .retryRate, .cacheHitRatio]

    /// Rising is the incident (spend, errors); for cache hit ratio and GPU util, falling is.
    public var rising: Bool { !(self == .cacheHitRatio || self == .gpuUtil) }

    /// Volumes follow the day's rhythm multiplicatively; ratios do not.
    public var seasonal: Bool { self == .spend || self == .tokens || self == .requests || self == .gpuUtil }

    /// Anomalies of one family opening while another of that family holds are merged into one incident.
    public var family: String {
        switch self {
        case .spend, .tokens, .requests: return "volume"
        case .errorRate, .retryRate: return "errors"
        case .cacheHitRatio: return "cache"
        case .gpuUtil: return "gpu"
        }
    }

    var title: String {
        switch self {
        case .spend: return "spend"
        case .tokens: return "tokens"
        case .requests: return "requests"
        case .errorRate: return "error rate"
        case .retryRate: return "retry rate"
        case .cacheHitRatio: return "cache hit"
        case .gpuUtil: return "GPU util"
        }
    }

    /// The minute's value; nil where it is undefined (a ratio without requests).
    public func value(_ m: Measures) -> Double? {
        switch self {
        case .spend: return m.spend
        case .tokens: return Double(m.inputTokens + m.outputTokens)
        case .requests: return Double(m.requests)
        case .errorRate: return m.errorRate
        case .retryRate: return m.retryRate
        case .cacheHitRatio: return m.cacheHitRatio
        case .gpuUtil: return nil
        }
    }

    func format(_ v: Double) -> String {
        switch self {
        case .spend: return "$" + AlertFormat.number(v) + "/min"
        case .tokens: return AlertFormat.number(v) + " tok/min"
        case .requests: return AlertFormat.number(v) + "/min"
        case .errorRate, .retryRate, .cacheHitRatio: return AlertFormat.number(v * 100) + "%"
        case .gpuUtil: return AlertFormat.number(v) + "%"
        }
    }

    /// The noise a minute's value has even when nothing is wrong, from how many requests made it:
    /// a sum of n requests varies by about 1/√n of itself, a rate over n requests by √(p(1−p)/n).
    func noiseFloor(expected: Double, requests: Double, _ s: AnomalySettings) -> Double {
        let n = max(requests, 1)
        switch self {
        case .requests: return max(expected.squareRoot(), 1)
        case .spend, .tokens: return max(expected / n.squareRoot(), expected * s.relativeNoiseFloor, 1e-9)
        case .cacheHitRatio:
            // Token-weighted, not one coin per request: its own spread carries the noise.
            return s.cacheNoiseFloor
        case .errorRate, .retryRate:
            let p = min(max(expected, 0.02), 0.98)
            return max((p * (1 - p) / n).squareRoot(), s.rateNoiseFloor)
        case .gpuUtil: return s.gpuNoiseFloor
        }
    }

    /// Big enough to matter: an absolute change and a ratio beyond the floors, on enough volume.
    func matters(observed o: Double, expected e: Double, requests: Double, baselineRequests: Double, _ s: AnomalySettings) -> Bool {
        switch self {
        case .spend:
            return baselineRequests >= s.minBaselineRequests && o - e >= s.minSpendDelta && o >= e * s.minRatio
        case .tokens:
            return baselineRequests >= s.minBaselineRequests && o - e >= s.minTokenDelta && o >= e * s.minRatio
        case .requests:
            return baselineRequests >= s.minBaselineRequests && o - e >= s.minRequestDelta && o >= e * s.minRatio
        case .errorRate, .retryRate:
            return requests >= s.minRequestsForRates && o - e >= s.minRateDelta && o >= e * 2 && o * requests >= s.minFailures
        case .cacheHitRatio:
            return requests >= s.minRequestsForRates && e - o >= s.minCacheDrop && o <= e * 0.75
        case .gpuUtil:
            return e >= s.minGPUExpected && e - o >= s.minGPUDrop && o <= e * 0.6
        }
    }
}
