/// Anthropic Messages usage, bare or inside a gateway's wrapper; its `input_tokens` excludes cache tokens.
public enum AnthropicUsageImporter: EventImporter {
    public static let formatName = "anthropic"

    public static func matches(_ f: JSONFields) -> Bool {
        guard let w = GatewayWrapper(f), !GatewayWrapper.isLiteLLM(f) else { return false }
        return w.shape == .anthropic
    }

    public static func decode(_ f: JSONFields) -> DecodedLine {
        guard let w = GatewayWrapper(f), w.shape == .anthropic else { return .rejected(.unknownFormat) }
        guard let ts = w.timestampMs else { return .rejected(.missingTimestamp) }
        let u = w.usage
        let uncached = u.int("input_tokens") ?? 0
        let cacheRead = u.int("cache_read_input_tokens") ?? 0
        // The TTL split (`cache_creation.ephemeral_5m/1h_input_tokens`) sums to the total; 1-hour
        // writes cost more, so their part is kept apart.
        let write1h = max(u.int("cache_creation.ephemeral_1h_input_tokens") ?? 0, 0)
        let write5m = max(u.int("cache_creation.ephemeral_5m_input_tokens") ?? 0, 0)
        let cacheWrite = max(u.int("cache_creation_input_tokens") ?? 0, write5m + write1h)
        // Anthropic bills uncached, cache-read and cache-write prompt tokens separately and reports
        // only the first as `input_tokens`; the native convention wants the prompt's total.
        let tokens = TokenUsage(input: uncached + cacheRead + cacheWrite, output: u.int("output_tokens") ?? 0,
                                cacheRead: cacheRead, cacheWrite: cacheWrite, cacheWrite1h: min(write1h, cacheWrite))
        return .events([w.event(timestampMs: ts, usage: tokens, defaultProvider: "anthropic")])
    }
}
