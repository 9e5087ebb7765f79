/// What the savings advisor is told: thresholds, latency-tolerant features, the downgrade map and
/// GPU prices (`[savings]`, `[savings.downgrade]`, `[gpu]` and `[gpu.prices]` in config; docs/savings.md).
public struct SavingsSettings: Sendable, Equatable {
    /// Requests are simple when their mean output is at most this many tokens (`simple_max_output`).
    public var simpleMaxOutput: Double = 200
    /// The cache hit ratio a long-prompt scope could reach (`cache_target_ratio`).
    public var cacheTargetRatio: Double = 0.5
    /// Prompts at least this long on average are worth caching (providers cache from 1,024 tokens).
    public var cacheMinInput: Double = 1024
    /// Features whose requests can wait for a batch API (`batch_features`), besides events marked `batch_eligible`.
    public var batchFeatures: Set<String> = []
    /// A GPU minute below this utilisation (percent) is idle (`idle_util_pct`).
    public var idleUtilPct: Double = 10
    public var downgrade: DowngradeMap = .bundled
    /// One GPU-hour in USD (`[gpu] hourly_price_usd`); nil when unset.
    public var gpuHourlyUSD: Double?
    /// Per-node (or per-GPU, `node:index`) GPU-hour prices (`[gpu.prices]`), over `gpuHourlyUSD`.
    public var gpuPrices: [String: Double] = [:]
    /// Rows saving less than this per month are left out (noise, not advice).
    public var minimumPerMonthUSD: Double = 1

    public init() {}

    /// The price of one hour of `gpu` (`node:index`): its own entry, its node's, else the fleet's.
    public func gpuHourly(_ gpu: String) -> Double? {
        if let p = gpuPrices[gpu] { return p }
        if let colon = gpu.lastIndex(of: ":"), let p = gpuPrices[String(gpu[..<colon])] { return p }
        return gpuHourlyUSD
    }
}
