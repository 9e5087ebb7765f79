/// A request reduced to what rollups need: interned dimension ids and numbers, priced. A plain value
/// with no references, so the hot path builds one per line without allocating.
public struct InternedEvent: Sendable {
    public var timestampMs: Int64 = 0
    public var requestHash: UInt64 = 0   // 0 = no request_id
    public var feature: Int32 = 0
    public var apiKey: Int32 = 0
    public var model: Int32 = 0
    public var team: Int32 = 0
    public var provider: Int32 = 0
    public var user: Int32 = 0
    public var gateway: Int32 = 0
    public var inputTokens: Int64 = 0
    public var outputTokens: Int64 = 0
    public var cacheReadTokens: Int64 = 0
    public var cacheWriteTokens: Int64 = 0
    public var reasoningTokens: Int64 = 0
    /// Subset of `cacheWriteTokens` written with a 1-hour TTL (priced apart; not a rollup measure).
    public var cacheWrite1hTokens: Int64 = 0
    /// Gateway cost, or NaN until priced.
    public var cost: Double = .nan
    public var latencyMs: Double = -1
    public var ttftMs: Double = -1
    public var retry: Int32 = 0
    public var isError = false
    public var gatewayCacheHit = false
    public var batch = false
    public var unpriced = false
    /// 0: an ordinary event, counted once per `requestHash` (first wins). Above 0: a record that a
    /// later record of the same `requestHash` with a higher rank replaces (`Rollup` supersession).
    public var supersedeRank: UInt64 = 0

    public init() {}

    @inline(__always)
    public func id(_ d: Dimension) -> Int32 {
        switch d {
        case .feature: return feature
        case .apiKey: return apiKey
        case .model: return model
        case .team: return team
        case .provider: return provider
        case .user: return user
        case .gateway: return gateway
        case .gpu: return 0
        }
    }
}
