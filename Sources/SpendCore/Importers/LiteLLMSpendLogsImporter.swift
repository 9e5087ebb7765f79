/// Rows of LiteLLM's `LiteLLM_SpendLogs` table, as JSON objects or as SQLite column values.
public enum LiteLLMSpendLogsImporter: EventImporter {
    public static let formatName = "litellm-spendlogs"

    /// `spend` is the table's cost column; `request_id` or `api_key` (both non-null columns) tell a
    /// row from any other JSON that happens to name a cost `spend`.
    public static func matches(_ f: JSONFields) -> Bool {
        let o = f.object
        return o["spend"] != nil && o["response_cost"] == nil && (o["request_id"] != nil || o["api_key"] != nil)
    }

    /// One row as the SQLite source reads it: column name to `String`, `Int64`, `Double` or nil/`NSNull`.
    public static func decode(row: [String: Any]) -> DecodedLine {
        decode(JSONFields(row))
    }

    public static func decode(_ f: JSONFields) -> DecodedLine {
        guard let ts = f.timestampMs("startTime") else { return .rejected(.missingTimestamp) }
        // `metadata` is JSON text several kilobytes long; parsed once here instead of once per read.
        let meta = f.object("metadata") ?? JSONFields([:])
        let details = [meta.object("additional_usage_values"), meta.object("usage_object")].compactMap { $0 }
        let tokens = LiteLLMUsage.tokens(prompt: f.int("prompt_tokens") ?? meta.int("usage_object.prompt_tokens"),
                                         completion: f.int("completion_tokens")
                                             ?? meta.int("usage_object.completion_tokens"),
                                         details: details)
        let latency = EventValues.durationMs(from: f.value("startTime"), to: f.value("endTime"))
            ?? f.double("request_duration_ms")
        let event = SpendEvent(
            timestampMs: ts,
            requestID: f.string("request_id"),
            feature: f.strings("request_tags").flatMap(EventValues.feature(fromTags:)),
            // The column holds a SHA-256 of the key; the alias, when the key has one, is what people recognise.
            apiKey: meta.string("user_api_key_alias") ?? f.string("api_key"),
            team: f.string("team_id") ?? meta.string("user_api_key_team_id"),
            user: f.string("user") ?? meta.string("user_api_key_user_id") ?? f.string("end_user"),
            provider: f.string("custom_llm_provider"),
            model: f.string("model"),
            gateway: "litellm",
            usage: tokens,
            costUSD: f.double("spend"),
            latencyMs: latency,
            ttftMs: EventValues.durationMs(from: f.value("startTime"), to: f.value("completionStartTime")),
            isError: EventValues.isError(status: meta.value("status") ?? f.value("status")),
            retry: Int(meta.int("attempted_retries") ?? 0),
            // The proxy writes Python's `str(cache_hit)`: "True", "False" or "None".
            gatewayCacheHit: EventValues.isGatewayCacheHit(f.value("cache_hit")))
        return .events([event])
    }
}
