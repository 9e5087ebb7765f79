import Foundation

/// Gateway logs as hard as real ones, for tests that compare two readings of the same bytes: heavy-tailed
/// token counts, a long tail of keys that keep appearing, events out of order, retries that repeat a
/// `request_id` minutes later, wrapped OpenAI and Anthropic responses, GPU samples, events without ids,
/// and lines to reject (broken JSON, invalid UTF-8, control bytes, a line over any cap).
public struct HardTraffic {
    public var seed: UInt64
    /// How often (0…1) a line repeats an earlier request id (a retry or a replayed record).
    public var repeatRate = 0.02
    public var badRate = 0.01
    public var startMs: Int64 = 1_795_910_400_000  // 2026-11-28T00:00Z

    public init(seed: UInt64) { self.seed = seed }

    /// `count` lines, each ending in a newline (the last one too unless `trailingNewline` is false).
    public func bytes(count: Int, trailingNewline: Bool = true) -> Data {
        var rng = FixtureRandom(seed)
        var out = [UInt8]()
        out.reserveCapacity(count * 220)
        var recent: [String] = []
        let features = ["support-chat", "rag-search", "code-review", "summarize", "agent \"beta\" café", "ingest/batch"]
        let models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "claude-haiku-4-5", "gemini-2.5-pro", "mystery-model-x"]
        for i in 0..<count {
            // Mostly forward in time with jitter, sometimes minutes late.
            var t = startMs + Int64(i) * 1_300 + Int64(rng.below(4_000))
            if rng.unit() < 0.03 { t -= Int64(rng.below(20 * 60_000)) }
            let ts = rng.below(3) == 0 ? "\(t)" : "\"\(iso(t))\""
            // Pareto-like input tokens: most small, a few enormous.
            let input = Int(min(2_000_000, 60 / pow(max(rng.unit(), 1e-6), 1.2)))
            let output = rng.below(1 + input / 4)
            let feature = features[rng.below(features.count)]
            let model = models[min(models.count - 1, Int(-log(max(rng.unit(), 1e-9)) * 1.5))]
            // Keys: a long tail of new ones appearing over the day.
            let key = "sk-proj-" + String(rng.below(1 + i / 20), radix: 36) + "AbCdEfGhIjKl"
            let roll = rng.unit()
            var id = "req-\(seed)-\(i)"
            if roll < repeatRate && !recent.isEmpty { id = recent[rng.below(recent.count)] }
            recent.append(id)
            if recent.count > 400 { recent.removeFirst(200) }
            let line: String
            switch rng.below(20) {
            case 0:
                line = #"{"ts":\#(ts),"kind":"gpu","node":"h100-\#(rng.below(3))","gpu":\#(rng.below(8)),"util_pct":\#(rng.below(101)),"mem_used_mb":\#(rng.below(80_000)),"mem_total_mb":81559}"#
            case 1:
                line = #"{"id":"\#(id)","object":"chat.completion","created":\#(t / 1000),"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":\#(input),"completion_tokens":\#(output),"prompt_tokens_details":{"cached_tokens":\#(input / 3)}},"metadata":{"feature":"\#(feature)"}}"#
            case 2:
                line = #"{"ts":"\#(iso(t))","feature":"code-review","api_key":"\#(key)","response":{"id":"\#(id)","type":"message","model":"claude-sonnet-4-5","content":[],"usage":{"input_tokens":\#(input),"cache_read_input_tokens":\#(input * 2),"output_tokens":\#(output)}}}"#
            case 3:
                line = #"{"ts":\#(ts),"feature":"\#(feature)","model":"\#(model)","input_tokens":\#(input),"output_tokens":\#(output)}"#
            default:
                let cost = rng.below(4) == 0 ? #","cost_usd":\#(Double(input) * 2.5e-6)"# : ""
                let status = rng.unit() < 0.05 ? #","status":"\#([429, 500, 503][rng.below(3)])""# : ""
                line = #"{"ts":\#(ts),"request_id":"\#(id)","feature":"\#(feature)","api_key":"\#(key)","model":"\#(model)","input_tokens":\#(input),"output_tokens":\#(output),"cache_read_tokens":\#(rng.below(1 + input / 2)),"latency_ms":\#(rng.below(30_000))\#(cost)\#(status)}"#
            }
            if rng.unit() < badRate {
                switch rng.below(6) {
                case 0: out += line.utf8.dropLast(3)  // cut short
                case 1: out += Array("{\"ts\":\"2026-11-28T10:00:00Z\",\"feature\":\"\u{1B}[31mred\u{07}\",\"cost_usd\":1".utf8)
                case 2: out += line.replacingOccurrences(of: "\"ts\"", with: "\"when\"").utf8
                case 3: out += Array("not json at all \u{0}\u{8}".utf8)
                case 4: out += Array(#"{"ts":1795910400,"feature":""#.utf8) + [0xFF, 0xFE, 0xC3] + Array(#"","cost_usd":1}"#.utf8)
                default: out += Array(("[" + line + "]").utf8)
                }
            } else {
                out += line.utf8
            }
            if rng.unit() < 0.005 { out += Array("\n\n   ".utf8) }  // blank and whitespace lines
            if i < count - 1 || trailingNewline { out.append(10) }
        }
        return Data(out)
    }

    func iso(_ ms: Int64) -> String {
        var t = time_t(ms / 1000)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, Int32(ms % 1000))
    }
}
