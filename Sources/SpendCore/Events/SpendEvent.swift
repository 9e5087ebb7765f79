/// One priced-or-priceable inference request, as any importer decodes it (the slow, general path).
public struct SpendEvent: Equatable, Sendable {
    /// Request start, milliseconds since the Unix epoch.
    public var timestampMs: Int64
    public var requestID: String?
    public var feature: String?
    /// Raw key, key hash or alias as found in the data; only `KeyMask` output is ever displayed.
    public var apiKey: String?
    public var team: String?
    public var user: String?
    public var provider: String?
    public var model: String?
    public var gateway: String?
    public var usage: TokenUsage
    /// Cost as the gateway computed it; nil means spendtop prices it.
    public var costUSD: Double?
    public var latencyMs: Double?
    public var ttftMs: Double?
    public var isError: Bool
    public var retry: Int
    /// Served from the gateway's own response cache (not prompt caching).
    public var gatewayCacheHit: Bool
    public var batch: Bool
    /// 0 for an ordinary event (first record of a `requestID` wins); above 0, a later record of the
    /// same `requestID` with a higher rank replaces the counted one (coding-agent logs, see Rollup).
    public var supersedeRank: UInt64 = 0

    public init(timestampMs: Int64, requestID: String? = nil, feature: String? = nil, apiKey: String? = nil,
                team: String? = nil, user: String? = nil, provider: String? = nil, model: String? = nil,
                gateway: String? = nil, usage: TokenUsage = TokenUsage(), costUSD: Double? = nil,
                latencyMs: Double? = nil, ttftMs: Double? = nil, isError: Bool = false, retry: Int = 0,
                gatewayCacheHit: Bool = false, batch: Bool = false) {
        self.timestampMs = timestampMs
        self.requestID = requestID
        self.feature = feature
        self.apiKey = apiKey
        self.team = team
        self.user = user
        self.provider = provider
        self.model = model
        self.gateway = gateway
        self.usage = usage
        self.costUSD = costUSD
        self.latencyMs = latencyMs
        self.ttftMs = ttftMs
        self.isError = isError
        self.retry = retry
        self.gatewayCacheHit = gatewayCacheHit
        self.batch = batch
    }
}

/// Token counts in the native schema's convention: `input` includes cached tokens, `output` includes reasoning.
public struct TokenUsage: Equatable, Sendable {
    public var input: Int64
    public var output: Int64
    public var cacheRead: Int64
    public var cacheWrite: Int64
    public var reasoning: Int64
    /// The part of `cacheWrite` written with Anthropic's 1-hour TTL, billed at its own (higher) rate.
    public var cacheWrite1h: Int64

    public init(input: Int64 = 0, output: Int64 = 0, cacheRead: Int64 = 0, cacheWrite: Int64 = 0, reasoning: Int64 = 0,
                cacheWrite1h: Int64 = 0) {
        self.input = input
        self.output = output
        self.cacheRead = cacheRead
        self.cacheWrite = cacheWrite
        self.reasoning = reasoning
        self.cacheWrite1h = cacheWrite1h
    }
}
