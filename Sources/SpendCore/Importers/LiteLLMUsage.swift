/// Token counts in LiteLLM's normalised usage objects, shared by the payload and spend-log importers.
enum LiteLLMUsage {
    /// LiteLLM normalises every provider to OpenAI's convention, so `prompt_tokens` already
    /// includes cached tokens (for Anthropic it adds the cache reads and writes back in).
    /// The cache counts appear under several spellings depending on the provider and LiteLLM
    /// version; they all count the same tokens, so the largest reading wins over a zero placeholder.
    static func tokens(prompt: Int64?, completion: Int64?, details: [JSONFields]) -> TokenUsage {
        var cacheRead: Int64 = 0
        var cacheWrite: Int64 = 0
        var reasoning: Int64 = 0
        for d in details {
            cacheRead = max(cacheRead, d.int("prompt_tokens_details.cached_tokens") ?? 0,
                            d.int("cache_read_input_tokens") ?? 0)
            cacheWrite = max(cacheWrite, d.int("cache_creation_input_tokens") ?? 0,
                             d.int("prompt_tokens_details.cache_creation_tokens") ?? 0,
                             d.int("prompt_tokens_details.cache_write_tokens") ?? 0)
            reasoning = max(reasoning, d.int("completion_tokens_details.reasoning_tokens") ?? 0)
        }
        return TokenUsage(input: prompt ?? 0, output: completion ?? 0,
                          cacheRead: cacheRead, cacheWrite: cacheWrite, reasoning: reasoning)
    }
}
