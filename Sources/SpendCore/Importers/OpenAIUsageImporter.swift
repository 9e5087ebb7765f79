/// OpenAI-style usage (Chat Completions and the Responses API), bare or inside a gateway's wrapper.
public enum OpenAIUsageImporter: EventImporter {
    public static let formatName = "openai"

    public static func matches(_ f: JSONFields) -> Bool {
        guard let w = GatewayWrapper(f), !GatewayWrapper.isLiteLLM(f) else { return false }
        return w.shape == .openAIChat || w.shape == .openAIResponses
    }

    public static func decode(_ f: JSONFields) -> DecodedLine {
        guard let w = GatewayWrapper(f), let shape = w.shape, shape != .anthropic else { return .rejected(.unknownFormat) }
        guard let ts = w.timestampMs else { return .rejected(.missingTimestamp) }
        let u = w.usage
        let tokens: TokenUsage
        if shape == .openAIChat {
            // Both counts are totals: cached prompt tokens and reasoning tokens are already inside.
            // The cache-write and `cache_read_input_tokens` spellings come from OpenAI-compatible
            // gateways (LiteLLM) relaying Anthropic or Bedrock models.
            let cacheRead = max(u.int("prompt_tokens_details.cached_tokens") ?? 0, u.int("cache_read_input_tokens") ?? 0)
            let cacheWrite = max(u.int("prompt_tokens_details.cache_write_tokens") ?? 0,
                                 u.int("cache_creation_input_tokens") ?? 0)
            tokens = TokenUsage(input: u.int("prompt_tokens") ?? 0, output: u.int("completion_tokens") ?? 0,
                                cacheRead: cacheRead, cacheWrite: cacheWrite,
                                reasoning: u.int("completion_tokens_details.reasoning_tokens") ?? 0)
        } else {
            tokens = TokenUsage(input: u.int("input_tokens") ?? 0, output: u.int("output_tokens") ?? 0,
                                cacheRead: u.int("input_tokens_details.cached_tokens") ?? 0,
                                reasoning: u.int("output_tokens_details.reasoning_tokens") ?? 0)
        }
        // A Responses-API body reports its own failure in `error`, whatever the wrapper's status says.
        let failed = w.response.object("error") != nil
        let event = w.event(timestampMs: ts, usage: tokens, defaultProvider: "openai",
                            fallbackFeature: w.line.string("user") ?? w.response.string("user"), isError: failed)
        return .events([event])
    }
}
