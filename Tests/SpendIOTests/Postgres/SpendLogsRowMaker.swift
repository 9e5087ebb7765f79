import Foundation

/// Rows of `LiteLLM_SpendLogs` in LiteLLM's shape with the traps real tables hold: heavy-tailed
/// tokens and spend, keys with and without aliases (two keys that mask alike), feature tags first,
/// later, absent or malformed, statuses in the column and in metadata, cache tokens under every
/// spelling (numbers, strings, fractions), retries, late and out-of-order times, latencies from the
/// timestamps or only from `request_duration_ms`, and text with control characters.
/// Times are whole milliseconds, as PostgreSQL's `timestamp(3)` stores them.
struct SpendLogsRowMaker {
    var state: UInt64

    init(seed: UInt64) { state = seed &* 6_364_136_223_846_793_005 &+ 1 }

    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        var z = state
        z = (z ^ (z >> 33)) &* 0xff51afd7ed558ccd
        return z ^ (z >> 33)
    }

    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }
    mutating func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }

    /// Heavy-tailed positive number: mostly small, now and then huge.
    mutating func tail(_ scale: Double) -> Double {
        let u = Double(next() % 1_000_000 + 1) / 1_000_001
        return scale / pow(u, 0.8)
    }

    static func iso(_ ms: Int64) -> String {
        let d = Date(timeIntervalSince1970: Double(ms) / 1000)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'+00:00'"
        return f.string(from: d)
    }

    static let hashes = (0..<40).map { i in String(repeating: String(format: "%02x", i * 7 % 256), count: 30) + String(format: "%04x", i % 9 == 0 ? 0xabcd : i) }
    static let aliases = ["ci", "prod-web", "batch-jobs", "team-search", "", "analytics"]
    static let features = ["rag-search", "support-chat", "summarize", "code-review", "evil\u{1b}[31m-red", "ünïcode-✓"]
    static let models = ["gpt-4o", "gpt-5", "o4-mini", "claude-haiku-4-5", "gemini-2.5-pro", "mistral/large", ""]
    static let providers = ["openai", "anthropic", "gemini", "azure", ""]

    /// `count` rows starting at `startMs`, spread over `minutes` minutes.
    mutating func rows(_ count: Int, startMs: Int64, minutes: Int, idPrefix: String = "req") -> [[String: Any]] {
        (0..<count).map { i in row(i, startMs: startMs, minutes: minutes, idPrefix: idPrefix) }
    }

    mutating func row(_ i: Int, startMs: Int64, minutes: Int, idPrefix: String) -> [String: Any] {
        let start = startMs + Int64(int(minutes * 60_000))
        let latency = Int64(tail(40).rounded()) % 900_000
        var r: [String: Any] = [:]
        r["request_id"] = "\(idPrefix)-\(i)-\(next() % 1_000_000)"
        r["call_type"] = pick(["completion", "acompletion", "aembedding"])
        r["api_key"] = pick(SpendLogsRowMaker.hashes)
        r["spend"] = chance(0.05) ? 0.0 : (tail(0.0004) * 1e9).rounded() / 1e9
        let prompt = Int(tail(300)) % 400_000
        let completion = Int(tail(80)) % 60_000
        r["prompt_tokens"] = prompt
        r["completion_tokens"] = completion
        r["total_tokens"] = prompt + completion
        r["startTime"] = SpendLogsRowMaker.iso(start)
        if chance(0.05) {
            // The end before the start: the importer falls back to request_duration_ms.
            r["endTime"] = SpendLogsRowMaker.iso(start - 5)
            r["request_duration_ms"] = chance(0.5) ? NSNull() : Int(latency)
        } else {
            r["endTime"] = SpendLogsRowMaker.iso(start + latency)
            r["request_duration_ms"] = Int(latency)
        }
        r["completionStartTime"] = SpendLogsRowMaker.iso(start + latency / 2)
        r["model"] = pick(SpendLogsRowMaker.models)
        r["custom_llm_provider"] = chance(0.1) ? NSNull() : pick(SpendLogsRowMaker.providers)
        r["user"] = chance(0.7) ? "" : pick(["u-1", "u-2", "u-\u{7}bell"])
        r["team_id"] = chance(0.5) ? NSNull() : pick(["", "team-a", "team-b"])
        r["end_user"] = chance(0.8) ? NSNull() : "customer-9"
        r["cache_hit"] = pick(["None", "False", "True", "", "true"])
        r["status"] = pick(["success", "success", "success", "failure", "", "200", "503"]) as Any
        if chance(0.05) { r["status"] = NSNull() }
        r["request_tags"] = tags()
        r["metadata"] = metadata(prompt: prompt)
        return r
    }

    mutating func tags() -> Any {
        let f = pick(SpendLogsRowMaker.features)
        switch int(9) {
        case 0: return [] as [Any]
        case 1: return ["env:prod", "feature:\(f)"]
        case 2: return ["team:x", "other"]
        case 3: return [42, "", "first-string"] as [Any]
        case 4: return ["feature:", "feature:\(f)"]
        case 5: return ["feature:"]
        case 6: return ["feature:\(f)", "feature:second"]
        case 7: return NSNull()
        default: return ["feature:\(f)"]
        }
    }

    mutating func count(_ n: Int) -> Any {
        switch int(8) {
        case 0: return String(n)       // a number as text
        case 1: return Double(n) + 0.5 // a fraction: rounded half away from zero
        case 2: return NSNull()
        default: return n
        }
    }

    mutating func metadata(prompt: Int) -> Any {
        var m: [String: Any] = [
            "user_api_key": NSNull(), "user_api_key_org_id": NSNull(), "spend_logs_metadata": NSNull(),
            "requester_ip_address": NSNull(), "applied_guardrails": [] as [Any], "litellm_call_id": "call-\(next() % 100_000)",
            "mcp_tool_call_metadata": NSNull(), "vector_store_request_metadata": NSNull(), "error_information": NSNull(),
            "model_map_information": ["model_map_key": "gpt-5", "model_map_value": ["input_cost_per_token": 1.25e-06]],
        ]
        if chance(0.7) { m["user_api_key_alias"] = pick(SpendLogsRowMaker.aliases) } else if chance(0.1) { m["user_api_key_alias"] = NSNull() }
        if chance(0.05) { m["user_api_key_alias"] = 12345 }
        if chance(0.4) { m["user_api_key_team_id"] = pick(["team-a", "team-c", ""]) }
        if chance(0.2) { m["user_api_key_user_id"] = "u-meta" }
        switch int(10) {
        case 0: m["status"] = "failure"
        case 1: m["status"] = 429
        case 2: m["status"] = "success"
        case 3: m["status"] = false
        case 4: m["status"] = ["nested": true]
        default: m["status"] = NSNull()
        }
        if chance(0.15) { m["attempted_retries"] = pick([1, 2, 0, "3"] as [Any]) }
        let cached = int(3) == 0 ? 0 : int(max(1, prompt))
        var details: [String: Any] = ["cached_tokens": count(cached), "audio_tokens": NSNull()]
        if chance(0.3) { details["cache_creation_tokens"] = count(int(500)) }
        if chance(0.1) { details["cache_write_tokens"] = count(int(800)) }
        var additional: [String: Any] = ["prompt_tokens_details": details,
                                         "completion_tokens_details": chance(0.3) ? NSNull() : ["reasoning_tokens": count(int(2000))] as Any]
        if chance(0.3) { additional["cache_read_input_tokens"] = count(cached) }
        if chance(0.2) { additional["cache_creation_input_tokens"] = count(int(300)) }
        var usage: [String: Any] = ["prompt_tokens": prompt, "prompt_tokens_details": ["cached_tokens": count(int(max(1, prompt)))]]
        if chance(0.2) { usage["cache_read_input_tokens"] = count(cached + 7) }
        switch int(10) {
        case 0: break                                        // no cache spellings at all
        case 1: m["additional_usage_values"] = "not an object"
        case 2: m["usage_object"] = usage
        default:
            m["additional_usage_values"] = additional
            if chance(0.5) { m["usage_object"] = usage }
        }
        return m
    }
}
