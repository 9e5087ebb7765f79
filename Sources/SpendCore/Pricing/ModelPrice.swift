/// USD-per-token rates of one model, named after LiteLLM's price-map keys (SPEC §4).
public struct ModelPrice: Equatable, Sendable {
    /// `input_cost_per_token`
    public var input: Double
    /// `output_cost_per_token`
    public var output: Double
    /// `cache_read_input_token_cost`; nil bills cache reads at the input rate.
    public var cacheRead: Double?
    /// `cache_creation_input_token_cost`; nil bills cache writes at the input rate.
    public var cacheWrite: Double?
    /// `cache_creation_input_token_cost_above_1hr`; nil bills 1-hour cache writes at twice the input
    /// rate, Anthropic's published multiplier.
    public var cacheWrite1h: Double?
    /// `output_cost_per_reasoning_token`; nil bills reasoning at the output rate.
    public var reasoning: Double?
    /// `input_cost_per_token_above_200k_tokens`
    public var inputAbove200k: Double?
    /// `output_cost_per_token_above_200k_tokens`
    public var outputAbove200k: Double?
    /// `cache_read_input_token_cost_above_200k_tokens`
    public var cacheReadAbove200k: Double?
    /// `cache_creation_input_token_cost_above_200k_tokens`
    public var cacheWriteAbove200k: Double?
    /// `input_cost_per_token_batches`
    public var inputBatch: Double?
    /// `output_cost_per_token_batches`
    public var outputBatch: Double?
    /// `cache_read_input_token_cost_batches`
    public var cacheReadBatch: Double?
    /// `cache_creation_input_token_cost_batches`
    public var cacheWriteBatch: Double?
    /// `input_cost_per_token_above_200k_tokens_batches`
    public var inputAbove200kBatch: Double?
    /// `output_cost_per_token_above_200k_tokens_batches`
    public var outputAbove200kBatch: Double?
    /// `cache_read_input_token_cost_above_200k_tokens_batches`
    public var cacheReadAbove200kBatch: Double?
    /// `litellm_provider`
    public var provider: String?

    /// Requests whose input (cached tokens included) exceeds this are billed at the `*_above_200k_tokens` tier.
    public static let tierThreshold: Int64 = 200_000

    public init(input: Double, output: Double, cacheRead: Double? = nil, cacheWrite: Double? = nil,
                reasoning: Double? = nil, inputAbove200k: Double? = nil, outputAbove200k: Double? = nil,
                cacheReadAbove200k: Double? = nil, cacheWriteAbove200k: Double? = nil,
                inputBatch: Double? = nil, outputBatch: Double? = nil, cacheReadBatch: Double? = nil,
                cacheWriteBatch: Double? = nil, inputAbove200kBatch: Double? = nil, outputAbove200kBatch: Double? = nil,
                cacheReadAbove200kBatch: Double? = nil, provider: String? = nil, cacheWrite1h: Double? = nil) {
        self.input = input
        self.output = output
        self.cacheRead = cacheRead
        self.cacheWrite = cacheWrite
        self.cacheWrite1h = cacheWrite1h
        self.reasoning = reasoning
        self.inputAbove200k = inputAbove200k
        self.outputAbove200k = outputAbove200k
        self.cacheReadAbove200k = cacheReadAbove200k
        self.cacheWriteAbove200k = cacheWriteAbove200k
        self.inputBatch = inputBatch
        self.outputBatch = outputBatch
        self.cacheReadBatch = cacheReadBatch
        self.cacheWriteBatch = cacheWriteBatch
        self.inputAbove200kBatch = inputAbove200kBatch
        self.outputAbove200kBatch = outputAbove200kBatch
        self.cacheReadAbove200kBatch = cacheReadAbove200kBatch
        self.provider = provider
    }

    /// Whether any rate changes above `tierThreshold`.
    public var hasAbove200kTier: Bool {
        inputAbove200k != nil || outputAbove200k != nil || cacheReadAbove200k != nil || cacheWriteAbove200k != nil
            || inputAbove200kBatch != nil || outputAbove200kBatch != nil || cacheReadAbove200kBatch != nil
    }

    /// USD cost of one request (SPEC §4; LiteLLM's `generic_cost_per_token` and `batch_cost_calculator`).
    public func cost(_ usage: TokenUsage, batch: Bool) -> Double {
        // Not marginal: a request over the threshold moves every class that has a tier rate to it.
        let tier = usage.input > Self.tierThreshold && hasAbove200kTier
        func rate(_ base: Double?, _ above: Double?) -> Double? { tier ? above ?? base : base }

        var inRate = tier ? inputAbove200k ?? input : input
        var outRate = tier ? outputAbove200k ?? output : output
        var readRate = rate(cacheRead, cacheReadAbove200k) ?? inRate
        var writeRate = rate(cacheWrite, cacheWriteAbove200k) ?? inRate
        var write1hRate = tier ? 2 * inRate : cacheWrite1h ?? 2 * inRate
        // There is no tier key for reasoning, so an explicit reasoning rate stays at its base value.
        var reasoningRate = reasoning ?? outRate

        if batch {
            let readBatch = rate(cacheReadBatch, cacheReadAbove200kBatch)
            if let inBatch = rate(inputBatch, inputAbove200kBatch) {
                inRate = inBatch
                // As LiteLLM bills them: a cache read without a batch price keeps its standard price (the
                // provider publishes no batch discount on it), while a cache write without one falls back to
                // the batch input rate, just as a missing cache rate falls back to the input rate.
                readRate = readBatch ?? rate(cacheRead, cacheReadAbove200k) ?? inBatch
                writeRate = cacheWriteBatch ?? inBatch
                write1hRate = 2 * inBatch
            } else {
                inRate /= 2
                readRate = readBatch ?? readRate / 2
                writeRate = cacheWriteBatch ?? writeRate / 2
                write1hRate /= 2
            }
            if let outBatch = rate(outputBatch, outputAbove200kBatch) {
                // Reasoning tokens are output tokens; the batch price covers them.
                outRate = outBatch
                reasoningRate = outBatch
            } else {
                outRate /= 2
                reasoningRate /= 2
            }
        }

        let cacheReadTokens = max(usage.cacheRead, 0)
        let cacheWriteTokens = max(usage.cacheWrite, 0)
        // A subset of the cache writes; clamped so bad data cannot bill more writes than reported.
        let cacheWrite1hTokens = min(max(usage.cacheWrite1h, 0), cacheWriteTokens)
        let uncached = max(usage.input - cacheReadTokens - cacheWriteTokens, 0)
        let outputTokens = max(usage.output, 0)
        // Reasoning is a subset of output; clamping keeps bad data from billing more output than was reported.
        let reasoningTokens = min(max(usage.reasoning, 0), outputTokens)

        return Double(uncached) * inRate
            + Double(cacheReadTokens) * readRate
            + Double(cacheWriteTokens - cacheWrite1hTokens) * writeRate
            + Double(cacheWrite1hTokens) * write1hRate
            + Double(outputTokens - reasoningTokens) * outRate
            + Double(reasoningTokens) * reasoningRate
    }
}
