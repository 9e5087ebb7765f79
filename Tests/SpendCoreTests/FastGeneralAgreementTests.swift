import Foundation
import XCTest
@testable import SpendCore

/// A seeded property test (issue 13 point 7): random native events, with the value spellings real
/// gateways write, go through the fast scanner and through the general importer one line at a time,
/// and every field of the two resulting events must agree.
final class FastGeneralAgreementTests: XCTestCase {
    static let statuses = ["\"ok\"", "\"OK\"", "\"Ok\"", "\"success\"", "\"SUCCESS\"", "\"succeeded\"", "\"completed\"",
                           "\"Completed\"", "\"error\"", "\"failure\"", "\"timeout\"", "\"\"", "\" ok\"", "\"20\"", "\"99\"",
                           "\"200\"", "\"204\"", "\"399\"", "\"400\"", "\"404\"", "\"429\"", "\"503\"", "\"0200\"", "\"4040\"",
                           "\"+500\"", "\"-5\"", "\"2e2\"", "\"1234567890123456789012\"", "200", "404", "399.9", "400.5", "0",
                           "-1", "2e2", "true", "false", "null"]
    static let cacheHits = ["true", "false", "null", "\"True\"", "\"true\"", "\"TRUE\"", "\"yes\"", "\"Yes\"", "\"1\"", "\"0\"",
                            "\"no\"", "\"None\"", "\"exact\"", "\"Exact\"", "\"semantic\"", "\"SEMANTIC\"", "\"\"", "\"hit\"", "1", "0"]

    func randomLine(_ rng: inout SeededGenerator, _ i: Int) -> String {
        func pick<T>(_ a: [T]) -> T { a[Int.random(in: 0..<a.count, using: &rng)] }
        func number(_ lo: Int, _ hi: Int) -> String {
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: return "\(Int.random(in: lo...hi, using: &rng))"
            case 1: return "\(Double(Int.random(in: lo...hi, using: &rng)) + 0.5)"
            case 2: return "\(Int.random(in: lo...hi, using: &rng))e0"
            case 3: return "\(Double.random(in: Double(lo)...Double(hi), using: &rng))"
            default: return "\(Int.random(in: lo...hi, using: &rng)).0"
            }
        }
        let sec = Int.random(in: 0..<86_400, using: &rng)
        let ts = pick(["\"2026-11-28T\(String(format: "%02d:%02d:%02d", sec / 3600, sec / 60 % 60, sec % 60))Z\"",
                       "\"2026-11-28T10:00:00.\(Int.random(in: 0...999_999, using: &rng))+05:30\"",
                       "\(1_795_910_400 + sec)", "\(Int64(1_795_910_400 + sec) * 1000 + 7)", "\(1_795_910_400 + sec).25"])
        var f = ["\"ts\":\(ts)"]
        let keys = ["request_id", "feature", "api_key", "team", "user", "provider", "model", "gateway", "input_tokens",
                    "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost_usd", "latency_ms",
                    "ttft_ms", "status", "retry", "cache_hit", "batch", "extra"]
        for key in keys where Int.random(in: 0..<4, using: &rng) != 0 {
            let value: String
            switch key {
            case "request_id": value = "\"r\(i % 500)\""
            case "feature": value = pick(["\"chat\"", "\"a b\"", "\"\"", "\"x\\\"y\""])
            case "api_key": value = pick(["\"sk-proj-AbCdEfGhIjKlMnOpQrSt\"", "\"ci\""])
            case "team": value = "\"t\(i % 3)\""
            case "user": value = "\"u\(i % 4)\""
            case "provider": value = pick(["\"openai\"", "\"anthropic\""])
            case "model": value = pick(["\"gpt-4o\"", "\"claude-sonnet-4-5\"", "\"mystery\""])
            case "gateway": value = "\"gw\""
            case "input_tokens": value = number(0, 300_000)
            case "output_tokens": value = number(0, 9000)
            case "cache_read_tokens": value = number(0, 1000)
            case "cost_usd": value = number(0, 3)
            case "latency_ms": value = number(0, 90_000)
            case "ttft_ms": value = number(0, 2000)
            case "status": value = pick(Self.statuses)
            case "retry": value = number(0, 3)
            case "cache_hit": value = pick(Self.cacheHits)
            case "batch": value = pick(["true", "false", "null"])
            case "extra": value = pick(["\"x\"", "12", "null", "true"])
            default: value = number(0, 100)
            }
            f.append("\"\(key)\":\(value)")
        }
        f.shuffle(using: &rng)
        return "{" + f.joined(separator: pick([",", ", ", " ,\t"])) + "}"
    }

    func testEveryFieldAgreesOnRandomEvents() throws {
        try compare(seed: 0x5EED_0013, allDimensions: false)
        try compare(seed: 0x5EED_0014, allDimensions: true)
    }

    func compare(seed: UInt64, allDimensions: Bool) throws {
        var rng = SeededGenerator(seed: seed)
        var o = Rollup.Options()
        o.retentionMinutes = nil
        o.internAllDimensions = allDimensions
        let fastRollup = Rollup(options: o), slowRollup = Rollup(options: o)
        var fastCount = 0
        for i in 0..<10_000 {
            let line = randomLine(&rng, i)
            var bytes = Array(line.utf8)
            var fast = InternedEvent()
            let outcome = bytes.withUnsafeMutableBufferPointer {
                NativeLineScanner.scan($0.baseAddress!, $0.count, into: &fast, rollup: fastRollup)
            }
            let decoded = bytes.withUnsafeBytes { ImporterRegistry.decode(line: $0) }
            guard case .events(let events) = decoded, events.count == 1 else { return XCTFail("general path rejected \(line): \(decoded)") }
            guard outcome == .event else { continue }  // handed over: the general path is the only reading
            fastCount += 1
            let slow = slowRollup.intern(events[0])
            func name(_ r: Rollup, _ d: SpendCore.Dimension, _ id: Int32) -> String { r.interner(d).names[Int(id)] }
            XCTAssertEqual(fast.timestampMs, slow.timestampMs, line)
            XCTAssertEqual(fast.requestHash, slow.requestHash, line)
            for d in [SpendCore.Dimension.feature, .apiKey, .model, .team, .provider, .user, .gateway] {
                XCTAssertEqual(name(fastRollup, d, fast.id(d)), name(slowRollup, d, slow.id(d)), "\(d) in \(line)")
            }
            XCTAssertEqual(fast.inputTokens, slow.inputTokens, line)
            XCTAssertEqual(fast.outputTokens, slow.outputTokens, line)
            XCTAssertEqual(fast.cacheReadTokens, slow.cacheReadTokens, line)
            XCTAssertEqual(fast.cacheWriteTokens, slow.cacheWriteTokens, line)
            XCTAssertEqual(fast.reasoningTokens, slow.reasoningTokens, line)
            // Foundation's JSONSerialization on Linux rounds some decimals one or two ulps off (the fast
            // scanner matches Swift's own parser bit for bit, FastNumberTests): a few ulps are allowed.
            func ulps(_ a: Double, _ b: Double) -> Double { max(a.magnitude, b.magnitude) * 4 * Double.ulpOfOne }
            XCTAssertEqual(fast.cost.isNaN, slow.cost.isNaN, line)
            if !fast.cost.isNaN { XCTAssertEqual(fast.cost, slow.cost, accuracy: ulps(fast.cost, slow.cost), line) }
            XCTAssertEqual(fast.latencyMs, slow.latencyMs, accuracy: ulps(fast.latencyMs, slow.latencyMs), line)
            XCTAssertEqual(fast.ttftMs, slow.ttftMs, accuracy: ulps(fast.ttftMs, slow.ttftMs), line)
            XCTAssertEqual(fast.retry, slow.retry, line)
            XCTAssertEqual(fast.isError, slow.isError, "status in \(line)")
            XCTAssertEqual(fast.gatewayCacheHit, slow.gatewayCacheHit, "cache_hit in \(line)")
            XCTAssertEqual(fast.batch, slow.batch, line)
            if fast.isError != slow.isError || fast.gatewayCacheHit != slow.gatewayCacheHit { break }
        }
        XCTAssertGreaterThan(fastCount, 5_000, "most random lines take the fast path, so the comparison means something")
    }

    /// A key that makes the general path read the line as another format (LiteLLM's `response_cost`, say)
    /// must send the fast path to it too, whatever the key's value: the fuzzer found `response_cost` beside
    /// native fields taken as a native event while the general path rejected the line as an unknown format.
    func testKeysOfOtherFormatsHandTheLineOver() {
        let rollup = rollupForExport()
        for key in ["usage", "spend", "response_cost", "resourceSpans"] {
            for value in ["null", "0.00123", "\"x\"", "true", "false"] {
                let line = #"{"ts":1795860270.75,"feature":"chat","\#(key)":\#(value),"input_tokens":10,"cost_usd":0.1}"#
                var bytes = Array(line.utf8)
                var fast = InternedEvent()
                let outcome = bytes.withUnsafeMutableBufferPointer {
                    NativeLineScanner.scan($0.baseAddress!, $0.count, into: &fast, rollup: rollup)
                }
                XCTAssertEqual(outcome, .handOver, line)
                let decoded = bytes.withUnsafeBytes { ImporterRegistry.decode(line: $0) }
                if case .events(let events) = decoded { XCTAssertEqual(events.count, 1, line) }
            }
        }
    }

    /// The spellings of issue 13 point 7, one by one, on both paths.
    func testStatusAndCacheHitSpellings() throws {
        let cases: [(String, Bool)] = [("\"completed\"", false), ("\"succeeded\"", false), ("\"OK\"", false), ("\"20\"", false),
                                       ("\"500\"", true), ("\"error\"", true), ("\"+200\"", true), ("404", true), ("200", false)]
        for (status, isError) in cases {
            let r = rollupForExport()
            _ = ingest(#"{"ts":"2026-11-28T10:00:00Z","feature":"x","cost_usd":1,"status":\#(status)}"#, into: r)
            let m = try r.rows(ViewQuery(groupBy: nil, window: .all), wallMs: wall).total
            XCTAssertEqual(m.errors, isError ? 1 : 0, status)
            XCTAssertEqual(EventValues.isError(status: try JSONSerialization.jsonObject(with: Data(status.utf8), options: .fragmentsAllowed)),
                           isError, status)
        }
        for (hit, expected) in [("\"True\"", true), ("\"yes\"", true), ("\"exact\"", true), ("\"None\"", false), ("false", false)] {
            let r = rollupForExport()
            _ = ingest(#"{"ts":"2026-11-28T10:00:00Z","feature":"x","cost_usd":1,"cache_hit":\#(hit)}"#, into: r)
            XCTAssertEqual(try r.rows(ViewQuery(groupBy: nil, window: .all), wallMs: wall).total.gatewayCacheHits, expected ? 1 : 0, hit)
        }
    }
}
