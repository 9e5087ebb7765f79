import XCTest
@testable import SpendCore

final class NativeScannerTests: XCTestCase {
    /// Every line through the fast scanner must count exactly as the general importer reads it.
    func testFastPathAgreesWithGeneralImporter() throws {
        var rng = SeededGenerator(seed: 42)
        let features = ["chat", "code-review", "rag", "a b", "ünï", "quote\\\"d", "tab\\tbed"]
        let keys = ["prod-web", "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx", "ci", "hk_dda1494c73cf256d"]
        var lines: [String] = []
        for i in 0..<3000 {
            let sec = Int.random(in: 0..<86400, using: &rng)
            let ts: String
            switch i % 4 {
            case 0: ts = "\"2026-11-28T\(String(format: "%02d:%02d:%02d", sec / 3600, sec / 60 % 60, sec % 60)).\(Int.random(in: 100...999, using: &rng))Z\""
            case 1: ts = "\(1_795_910_400 + sec)"
            case 2: ts = "\(Int64(1_795_910_400 + sec) * 1000 + 17)"
            default: ts = "\"2026-11-28T\(String(format: "%02d:%02d:%02d", sec / 3600, sec / 60 % 60, sec % 60))+02:00\""
            }
            var f = ["\"ts\": \(ts)", "\"feature\":\"\(features.randomElement(using: &rng)!)\"",
                     "\"api_key\":\"\(keys.randomElement(using: &rng)!)\"", "\"model\":\"gpt-4o\"",
                     "\"input_tokens\":\(Int.random(in: 0...200_000, using: &rng))",
                     "\"output_tokens\":\(Int.random(in: 0...5000, using: &rng))",
                     "\"cache_read_tokens\":\(Int.random(in: 0...100, using: &rng))",
                     "\"cost_usd\":\(Double.random(in: 0...2, using: &rng))",
                     "\"latency_ms\":\(Double.random(in: 1...90_000, using: &rng))",
                     "\"status\":\(["\"ok\"", "\"error\"", "429", "\"503\"", "200", "\"success\""].randomElement(using: &rng)!)",
                     "\"retry\":\(Int.random(in: 0...2, using: &rng))",
                     "\"cache_hit\":\(["true", "false", "\"exact\"", "\"none\"", "null"].randomElement(using: &rng)!)",
                     "\"batch\":\(Bool.random(using: &rng))", "\"extra\":\"ignored\"", "\"n\":null"]
            if i % 3 == 0 { f.append("\"request_id\":\"r\(i)\"") }
            if i % 7 == 0 { f.append("\"team\":\"t\(i % 5)\"") }
            f.shuffle(using: &rng)
            lines.append("{" + f.joined(separator: i % 2 == 0 ? "," : " , ") + "}")
        }
        let fast = rollupForExport()
        let stats = ingest(lines.joined(separator: "\n"), into: fast)
        XCTAssertEqual(stats.events, 3000)
        XCTAssertEqual(stats.rejected, 0)

        let slow = rollupForExport()
        let pipeline = EventPipeline(rollup: slow)
        for l in lines {
            let data = Array(l.utf8)
            data.withUnsafeBytes { pipeline.consumeSlow($0) }
        }
        XCTAssertEqual(pipeline.stats.events, 3000)

        for d in [Dimension.feature, .apiKey, .team] {
            let a = try fast.rows(ViewQuery(groupBy: d, window: .all), wallMs: wall)
            let b = try slow.rows(ViewQuery(groupBy: d, window: .all), wallMs: wall)
            XCTAssertEqual(a.rows.map(\.name), b.rows.map(\.name))
            for (x, y) in zip(a.rows, b.rows) {
                XCTAssertEqual(x.measures.requests, y.measures.requests, x.name)
                XCTAssertEqual(x.measures.errors, y.measures.errors, x.name)
                XCTAssertEqual(x.measures.retries, y.measures.retries, x.name)
                XCTAssertEqual(x.measures.gatewayCacheHits, y.measures.gatewayCacheHits, x.name)
                XCTAssertEqual(x.measures.batchRequests, y.measures.batchRequests, x.name)
                XCTAssertEqual(x.measures.inputTokens, y.measures.inputTokens, x.name)
                XCTAssertEqual(x.measures.cacheReadTokens, y.measures.cacheReadTokens, x.name)
                XCTAssertEqual(x.measures.spend, y.measures.spend, accuracy: 1e-9 * max(1, y.measures.spend), x.name)
                XCTAssertEqual(x.measures.latency.percentile(0.95), y.measures.latency.percentile(0.95), x.name)
            }
        }
        XCTAssertEqual(fast.oldestMs, slow.oldestMs)
        XCTAssertEqual(fast.newestMs, slow.newestMs)
        XCTAssertTrue(fast.interner(.feature).names.contains("quote\"d"))
        XCTAssertTrue(fast.interner(.feature).names.contains("tab bed"), "control characters are stripped from names")
    }

    func testHandOverCasesStillCount() throws {
        let r = rollupForExport()
        let lines = [
            #"{"ts":"2026-11-28T10:00:00Z","feature":"esc\u001b[31m","cost_usd":1}"#,          // escape → general path
            #"{"ts":"2026-11-28T10:00:00Z","feature":"x","cost_usd":"2.5"}"#,                 // number as text
            #"{"ts":"2026-11-28T10:00:00Z","kind":"gpu","node":"h100-a","gpu":0,"util_pct":50}"#,
            #"{"ts":"2026-11-28T10:00:00Z","feature":"nested","meta":{"a":[1,2]},"cost_usd":1}"#,
        ]
        let stats = ingest(lines.joined(separator: "\n"), into: r)
        XCTAssertEqual(stats.events, 3)
        XCTAssertEqual(stats.gpuSamples, 1)
        XCTAssertEqual(stats.rejected, 0)
        let rows = try r.rows(ViewQuery(groupBy: .feature, window: .all), wallMs: wall).rows
        XCTAssertEqual(Set(rows.map(\.name)), ["esc", "x", "nested"])
        XCTAssertEqual(rows.first { $0.name == "x" }?.measures.spend, 2.5)
    }
}
