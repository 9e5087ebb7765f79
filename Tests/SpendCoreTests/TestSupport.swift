import Foundation
@testable import SpendCore

/// Feeds text through a fresh pipeline, as a file source would, in chunks of `chunk` bytes.
func ingest(_ text: String, into rollup: Rollup, chunk: Int = 4096) -> SourceStats {
    let pipeline = EventPipeline(rollup: rollup)
    let bytes = Array(text.utf8)
    var i = 0
    while i < bytes.count {
        let j = min(bytes.count, i + chunk)
        bytes[i..<j].withUnsafeBytes { pipeline.feed($0) }
        i = j
    }
    pipeline.finish()
    return pipeline.stats
}

func rollupForExport(_ groupings: [Grouping] = Grouping.console, cardinality: Int = 20_000) -> Rollup {
    var o = Rollup.Options()
    o.groupings = groupings
    o.cardinality = cardinality
    o.retentionMinutes = nil
    return Rollup(options: o)
}

/// A native event line with sensible defaults.
func nativeLine(ts: String = "2026-11-28T10:00:00Z", id: String? = nil, feature: String = "chat", key: String = "prod-web",
                model: String = "gpt-4o", input: Int = 1000, output: Int = 100, cost: Double? = 0.01,
                latency: Double? = 500, status: String = "ok", retry: Int = 0, extra: String = "") -> String {
    var fields = ["\"ts\":\"\(ts)\""]
    if let id { fields.append("\"request_id\":\"\(id)\"") }
    fields += ["\"feature\":\"\(feature)\"", "\"api_key\":\"\(key)\"", "\"model\":\"\(model)\"",
               "\"input_tokens\":\(input)", "\"output_tokens\":\(output)", "\"status\":\"\(status)\"", "\"retry\":\(retry)"]
    if let cost { fields.append("\"cost_usd\":\(cost)") }
    if let latency { fields.append("\"latency_ms\":\(latency)") }
    if !extra.isEmpty { fields.append(extra) }
    return "{" + fields.joined(separator: ",") + "}"
}

let wall: Int64 = 4_102_444_800_000  // 2100-01-01: far from any test data, so the clock is the newest event

/// SplitMix64: a seeded generator, so a failing random test fails the same way every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
