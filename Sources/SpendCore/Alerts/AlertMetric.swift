/// What a threshold rule measures over its window (SPEC §7).
public enum AlertMetric: String, CaseIterable, Sendable {
    case spend, spendPerHour = "spend_per_hour", requests, errorRate = "error_rate", retryRate = "retry_rate"
    case cacheHitRatio = "cache_hit_ratio", tokensPerSecond = "tokens_per_second", p95LatencyMs = "p95_latency_ms"
    case gpuUtil = "gpu_util", queueDepth = "queue_depth"

    /// Read from GPU samples rather than request rollups.
    public var isGPU: Bool { self == .gpuUtil || self == .queueDepth }

    /// A fraction 0…1: a rule may write it as `0.2` or `20%`.
    public var isFraction: Bool { self == .errorRate || self == .retryRate || self == .cacheHitRatio }

    /// The metric over a window's summed measures; nil when undefined (a ratio without requests).
    public func value(_ m: Measures, minutes: Int) -> Double? {
        let seconds = Double(max(minutes, 1)) * 60
        switch self {
        case .spend: return m.spend
        case .spendPerHour: return m.spend / seconds * 3600
        case .requests: return Double(m.requests)
        case .errorRate: return m.errorRate
        case .retryRate: return m.retryRate
        case .cacheHitRatio: return m.cacheHitRatio
        case .tokensPerSecond: return Double(m.inputTokens + m.outputTokens) / seconds
        case .p95LatencyMs: return m.latency.percentile(0.95)
        case .gpuUtil, .queueDepth: return nil
        }
    }

    public func value(_ g: GPUMeasures) -> Double? {
        switch self {
        case .gpuUtil: return g.utilPct
        case .queueDepth: return g.queueDepth
        default: return nil
        }
    }

    /// How a value of this metric reads in a reason line.
    public func format(_ v: Double) -> String {
        switch self {
        case .spend: return "$" + AlertFormat.number(v)
        case .spendPerHour: return "$" + AlertFormat.number(v) + "/h"
        case .errorRate, .retryRate, .cacheHitRatio: return AlertFormat.number(v * 100) + "%"
        case .gpuUtil: return AlertFormat.number(v) + "%"
        case .p95LatencyMs: return AlertFormat.number(v) + " ms"
        case .tokensPerSecond: return AlertFormat.number(v) + " tok/s"
        case .requests, .queueDepth: return AlertFormat.number(v)
        }
    }
}
