/// The native schema (SPEC §3) on the general path: lines the fast scanner hands over (escaped
/// strings, GPU samples, unusual number forms) and the reference the fast scanner is tested against.
public enum NativeImporter: EventImporter {
    public static let formatName = "native"

    /// Keys only a native line carries flat at the top level; one of them without `ts` still makes
    /// the line native, so it is rejected for its missing timestamp rather than as unrecognised.
    static let flatKeys = ["input_tokens", "output_tokens", "cost_usd", "cache_read_tokens", "cache_write_tokens",
                           "reasoning_tokens", "latency_ms", "util_pct"]

    /// A native `ts` or flat native key at the top level: the agent-log matchers, which look at
    /// generic keys (`type`, `uuid`), leave such a line to this importer.
    static func hasNativeKeys(_ f: JSONFields) -> Bool {
        f.object["ts"] != nil || flatKeys.contains { f.object[$0] != nil }
    }

    public static func matches(_ f: JSONFields) -> Bool {
        let o = f.object
        // A gateway wrapper also has `ts`, but its tokens sit in a provider's `usage` object.
        if o["usage"] != nil || f.has("response.usage") || o["resourceSpans"] != nil
            || o["response_cost"] != nil || o["spend"] != nil { return false }
        if o["ts"] != nil || f.string("kind") == "gpu" { return true }
        return flatKeys.contains { o[$0] != nil }
    }

    public static func decode(_ f: JSONFields) -> DecodedLine {
        guard let ts = f.timestampMs("ts") else { return .rejected(.missingTimestamp) }
        if f.string("kind") == "gpu" {
            guard let node = f.string("node") else { return .rejected(.badField) }
            let sample = GPUSample(timestampMs: ts, node: node, gpu: f.string("gpu") ?? "0",
                                   utilPct: f.double("util_pct"), memUsedMB: f.double("mem_used_mb"),
                                   memTotalMB: f.double("mem_total_mb"), powerW: f.double("power_w"),
                                   queueDepth: f.double("queue_depth"))
            return .gpu([sample])
        }
        let usage = TokenUsage(input: f.int("input_tokens") ?? 0, output: f.int("output_tokens") ?? 0,
                               cacheRead: f.int("cache_read_tokens") ?? 0, cacheWrite: f.int("cache_write_tokens") ?? 0,
                               reasoning: f.int("reasoning_tokens") ?? 0)
        let cacheHit = EventValues.isGatewayCacheHit(f.value("cache_hit"))
        let event = SpendEvent(
            timestampMs: ts, requestID: f.string("request_id"), feature: f.string("feature"),
            apiKey: f.string("api_key"), team: f.string("team"), user: f.string("user"),
            provider: f.string("provider"), model: f.string("model"), gateway: f.string("gateway"),
            usage: usage, costUSD: f.double("cost_usd"), latencyMs: f.double("latency_ms"),
            ttftMs: f.double("ttft_ms"), isError: EventValues.isError(status: f.value("status")),
            retry: Int(f.int("retry") ?? 0), gatewayCacheHit: cacheHit, batch: f.bool("batch") ?? false)
        return .events([event])
    }
}
