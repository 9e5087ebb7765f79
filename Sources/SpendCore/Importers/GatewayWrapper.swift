/// A provider response as a gateway logs it: either bare, or under `response` beside the gateway's
/// own native-named fields (`ts`, `feature`, `api_key`, …). Shared by the OpenAI and Anthropic importers.
struct GatewayWrapper {
    /// The whole line.
    let line: JSONFields
    /// The provider's response object: the line itself when it is bare.
    let response: JSONFields
    let usage: JSONFields

    /// Top-level `usage` wins: a bare response keeps it there, and a wrapper that hoists it is explicit.
    init?(_ line: JSONFields) {
        self.line = line
        if let u = line.object("usage") {
            response = line
            usage = u
        } else if let r = line.object("response"), let u = r.object("usage") {
            response = r
            usage = u
        } else {
            return nil
        }
    }

    /// Which provider's token convention the usage object follows.
    enum UsageShape {
        /// Chat Completions: `prompt_tokens` includes cached tokens.
        case openAIChat
        /// Responses API: `input_tokens` includes cached tokens.
        case openAIResponses
        /// Messages API: `input_tokens` excludes cache reads and writes.
        case anthropic
    }

    /// The two APIs share the names `input_tokens`/`output_tokens` with opposite meanings for the
    /// cache, so the marks are weighed in order: the Responses envelope (`object:"response"`), then
    /// Anthropic's own (`type:"message"`, `cache_*_input_tokens`), then the Responses usage's
    /// (`*_tokens_details`, `total_tokens`, which Anthropic never writes); bare counts are Anthropic's.
    var shape: UsageShape? {
        let u = usage.object
        if u["prompt_tokens"] != nil || u["completion_tokens"] != nil { return .openAIChat }
        guard u["input_tokens"] != nil || u["output_tokens"] != nil else { return nil }
        if response.string("object") == "response" { return .openAIResponses }
        if response.string("type") == "message" || u["cache_read_input_tokens"] != nil
            || u["cache_creation_input_tokens"] != nil { return .anthropic }
        if u["input_tokens_details"] != nil || u["output_tokens_details"] != nil || u["total_tokens"] != nil {
            return .openAIResponses
        }
        return .anthropic
    }

    /// OpenAI- or Anthropic-shaped usage nested in a LiteLLM payload or spend-log row belongs to
    /// those importers, which carry the gateway's own cost and attribution.
    static func isLiteLLM(_ f: JSONFields) -> Bool {
        LiteLLMPayloadImporter.matches(f) || LiteLLMSpendLogsImporter.matches(f)
    }

    /// The wrapper's time, else the provider's creation time (`created` in Chat Completions,
    /// `created_at` in the Responses API, both epoch seconds).
    var timestampMs: Int64? {
        line.timestampMs("ts") ?? line.timestampMs("timestamp")
            ?? response.timestampMs("created") ?? response.timestampMs("created_at")
    }

    /// `fallback` is a format-specific last resort (OpenAI's `user`).
    func event(timestampMs: Int64, usage tokens: TokenUsage, defaultProvider: String,
               fallbackFeature: String? = nil, isError extraError: Bool = false) -> SpendEvent {
        let l = line
        let r = response
        let feature = l.string("feature") ?? l.string("metadata.feature") ?? r.string("metadata.feature") ?? fallbackFeature
        return SpendEvent(
            timestampMs: timestampMs,
            requestID: l.string("request_id") ?? r.string("id"),
            feature: feature,
            apiKey: l.string("api_key"),
            team: l.string("team"),
            user: l.string("user"),
            provider: l.string("provider") ?? defaultProvider,
            model: l.string("model") ?? r.string("model"),
            gateway: l.string("gateway"),
            usage: tokens,
            costUSD: l.double("cost_usd"),
            latencyMs: l.double("latency_ms"),
            ttftMs: l.double("ttft_ms"),
            isError: EventValues.isError(status: l.value("status")) || extraError,
            retry: Int(l.int("retry") ?? 0),
            gatewayCacheHit: EventValues.isGatewayCacheHit(l.value("cache_hit")),
            batch: l.bool("batch") ?? false)
    }
}
