/// LiteLLM's `StandardLoggingPayload`, one per request, as its logging callbacks write it.
public enum LiteLLMPayloadImporter: EventImporter {
    public static let formatName = "litellm"

    /// `response_cost` is the payload's own field (spend-log rows call it `spend`); `startTime` or
    /// `call_type` keep a gateway wrapper that merely copied a cost from being taken for LiteLLM.
    public static func matches(_ f: JSONFields) -> Bool {
        let o = f.object
        return o["response_cost"] != nil && (o["startTime"] != nil || o["call_type"] != nil)
    }

    public static func decode(_ f: JSONFields) -> DecodedLine {
        guard let ts = f.timestampMs("startTime") else { return .rejected(.missingTimestamp) }
        let meta = f.object("metadata") ?? JSONFields([:])
        let usageObject = meta.object("usage_object")
        let tokens = LiteLLMUsage.tokens(prompt: f.int("prompt_tokens") ?? usageObject?.int("prompt_tokens"),
                                         completion: f.int("completion_tokens") ?? usageObject?.int("completion_tokens"),
                                         details: [usageObject].compactMap { $0 })
        let event = SpendEvent(
            timestampMs: ts,
            requestID: f.string("id"),
            feature: f.strings("request_tags").flatMap(EventValues.feature(fromTags:)),
            apiKey: meta.string("user_api_key_alias") ?? meta.string("user_api_key_hash"),
            team: meta.string("user_api_key_team_id"),
            user: meta.string("user_api_key_user_id") ?? f.string("end_user"),
            provider: f.string("custom_llm_provider"),
            model: f.string("model"),
            gateway: "litellm",
            usage: tokens,
            costUSD: f.double("response_cost"),
            latencyMs: EventValues.durationMs(from: f.value("startTime"), to: f.value("endTime")),
            ttftMs: EventValues.durationMs(from: f.value("startTime"), to: f.value("completionStartTime")),
            isError: EventValues.isError(status: f.value("status")),
            // The gateway's response cache; prompt-cache tokens come only from `usage_object` above.
            gatewayCacheHit: EventValues.isGatewayCacheHit(f.value("cache_hit")))
        return .events([event])
    }
}
