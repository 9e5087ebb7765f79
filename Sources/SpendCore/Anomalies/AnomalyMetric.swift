/// The per-minute series every tracked group is watched on (SPEC §7), with the direction that costs money
/// or hurts users.
public enum AnomalyMetric: String, CaseIterable, Sendable {
    case spend, tokens, requests
    case errorRate = "error_rate", retryRate = "retry_rate", cacheHitRatio = "cache_hit_ratio"
    case gpuUtil = "gpu_util"

    /// The request metrics, in the order a group's series are kept (GPU util is watched per GPU).
    public static let requestMetrics: [AnomalyMetric] = [
        .spend, .tokens, .requests, .errorRate, .retryRate, .cacheHitRatio,
    ]

    /// Rising is the incident (spend, errors); for cache hit ratio and GPU util, falling is.
    public var rising: Bool { !(self == .cacheHitRatio || self == .gpuUtil) }

    /// Spend, tokens and requests: sums that grow with traffic (they need more persistence to be an incident).
    public var isVolume: Bool { self == .spend || self == .tokens || self == .requests }

    /// Symptoms of one family on linked scopes are one incident (docs/anomalies.md, "merging").
    public var family: String {
        switch self {
        case .spend, .tokens, .requests: return "volume"
        case .errorRate, .retryRate: return "errors"
        case .cacheHitRatio: return "cache"
        case .gpuUtil: return "gpu"
        }
    }

    /// Which of a scope's series opening together names the incident (lower first): the specific symptom
    /// (retries in a retry storm, the cache ratio in a cache collapse) before the volumes it moves.
    var headlineOrder: Int {
        switch self {
        case .retryRate: return 0
        case .errorRate: return 1
        case .cacheHitRatio: return 2
        case .spend: return 3
        case .tokens: return 4
        case .requests: return 5
        case .gpuUtil: return 6
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

    func format(_ v: Double) -> String {
        switch self {
        case .spend: return "$" + AlertFormat.number(v) + "/min"
        case .tokens: return AlertFormat.number(v) + " tok/min"
        case .requests: return AlertFormat.number(v) + "/min"
        case .errorRate, .retryRate, .cacheHitRatio: return AlertFormat.number(v * 100) + "%"
        case .gpuUtil: return AlertFormat.number(v) + "%"
        }
    }
}
