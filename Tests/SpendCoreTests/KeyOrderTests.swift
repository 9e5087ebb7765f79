import XCTest
@testable import SpendCore

/// `KeyOrder` may only make the scanner faster: a line scanned with the key order learnt from earlier
/// lines must read exactly as the same line scanned with nothing learnt.
final class KeyOrderTests: XCTestCase {
    /// Every field of an event, doubles by bit pattern so NaN and -0 compare too.
    func describe(_ o: NativeLineScanner.Outcome, _ e: InternedEvent) -> String {
        guard o == .event else { return "handOver" }
        return [String(e.timestampMs), String(e.requestHash), "\(e.feature) \(e.apiKey) \(e.model) \(e.team)",
                "\(e.provider) \(e.user) \(e.gateway)", "\(e.inputTokens) \(e.outputTokens) \(e.cacheReadTokens)",
                "\(e.cacheWriteTokens) \(e.reasoningTokens)", String(e.cost.bitPattern), String(e.latencyMs.bitPattern),
                String(e.ttftMs.bitPattern),
                "\(e.retry) \(e.isError) \(e.gatewayCacheHit) \(e.batch) \(e.batchEligible)"]
            .joined(separator: "|")
    }

    /// Writers with fixed key orders, interleaved, with the near misses a predictor could confuse: a key
    /// that extends or shortens the expected one, changed case, whitespace around the colon, an escape in the
    /// key, a key of another format, a missing key, a value of another type, and lines cut short.
    func randomLine(_ rng: inout SeededGenerator, orders: [[String]]) -> String {
        func pick<T>(_ a: [T]) -> T { a[Int.random(in: 0..<a.count, using: &rng)] }
        var keys = pick(orders)
        if Int.random(in: 0..<5, using: &rng) == 0 {
            let k = Int.random(in: 0..<keys.count, using: &rng)
            keys[k] = pick([keys[k] + "x", String(keys[k].dropLast()), keys[k].uppercased(), "\u{5c}u0066eature",
                            "response_cost", "usage", "cache_write_tokens", "ts", keys[k] + "\" :", "\t" + keys[k]])
            if Int.random(in: 0..<4, using: &rng) == 0 { keys.remove(at: Int.random(in: 0..<keys.count, using: &rng)) }
        }
        let fields = keys.map { key -> String in
            var value: String
            switch key {
            case "ts":
                value = pick(["\"2026-11-28T10:0\(Int.random(in: 0...9, using: &rng)):00.000Z\"", "1795860270.5"])
            case "feature", "api_key", "team", "user", "provider", "model", "gateway", "request_id":
                value = pick(["\"chat\"", "\"rag-search-with-a-long-name\"", "\"\"", "\"gpt-4o\"", "\"sk-a1b2\"",
                              "\"r\(Int.random(in: 0...999, using: &rng))\"", "null"])
            case "status": value = pick(["\"ok\"", "\"error\"", "429", "\"OK\""])
            case "cache_hit", "batch", "batch_eligible", "retry": value = pick(["true", "false", "null", "1", "0"])
            default:
                value = pick(["\(Int.random(in: 0...90_000, using: &rng))", "0.0038902", "12.5", "1e3", "null", "-0"])
            }
            // Now and then a value of the wrong type or a byte the fast path refuses: the line is handed over.
            if Int.random(in: 0..<60, using: &rng) == 0 { value = pick(["7", "\"x\"", "\"sk-…\"", "[1]", "{}"]) }
            return key.hasSuffix(":") ? "\"\(key)\(value)" : "\"\(key)\":\(value)"
        }
        var line = "{" + fields.joined(separator: pick([",", ",", ", "])) + "}"
        if Int.random(in: 0..<20, using: &rng) == 0 {
            line = String(line.prefix(Int.random(in: 0...line.utf8.count, using: &rng)))
        }
        return line
    }

    func testALearntKeyOrderNeverChangesWhatALineMeans() {
        var rng = SeededGenerator(seed: 0x5EED_0E7D)
        let base = ["ts", "request_id", "feature", "api_key", "team", "user", "provider", "model", "gateway",
                    "input_tokens", "output_tokens", "cache_read_tokens", "cost_usd", "latency_ms", "ttft_ms", "status"]
        let rare = ["cache_write_tokens", "reasoning_tokens", "retry", "cache_hit", "batch", "batch_eligible",
                    "cost_usd"]
        let orders = [base, base.shuffled(using: &rng), Array(base.prefix(9)) + rare, ["ts", "model", "cost_usd"]]
        var o = Rollup.Options()
        o.retentionMinutes = nil
        o.internAllDimensions = true
        let rollup = Rollup(options: o)
        let memory = LineMemory()
        var events = 0
        for _ in 0..<20_000 {
            var bytes = Array(randomLine(&rng, orders: orders).utf8)
            let (learnt, fresh): (String, String) = bytes.withUnsafeMutableBufferPointer { b in
                let p = UnsafePointer(b.baseAddress!)
                var a = InternedEvent(), c = InternedEvent()
                let oa = NativeLineScanner.scan(p, b.count, into: &a, rollup: rollup, memory: memory)
                let oc = NativeLineScanner.scan(p, b.count, into: &c, rollup: rollup)
                return (describe(oa, a), describe(oc, c))
            }
            XCTAssertEqual(learnt, fresh, String(decoding: bytes, as: UTF8.self))
            if learnt != fresh { break }
            if learnt != "handOver" { events += 1 }
        }
        XCTAssertGreaterThan(events, 10_000, "most lines must be events, so the comparison covers the fast path")
    }

    /// The predictor is used at all: after one line, the next line's keys are recognised from the key before
    /// them, and a key that only starts like the expected one is not.
    func testTheNextLinesKeysAreRecognisedFromTheKeyBeforeThem() {
        let rollup = rollupForExport()
        let memory = LineMemory()
        var e = InternedEvent()
        var first = Array(#"{"ts":"2026-11-28T10:00:00Z","feature":"chat","cache_read_tokens":12,"cost_usd":0.5}"#.utf8)
        XCTAssertEqual(first.withUnsafeMutableBufferPointer {
            NativeLineScanner.scan($0.baseAddress!, $0.count, into: &e, rollup: rollup, memory: memory)
        }, .event)
        let second = #"{"ts":"2026-11-28T10:01:00Z","feature":"chatbot-with-more","cache_read_tokens":7,"cost_usd":1}"#
        let near = #"{"ts":"2026-11-28T10:01:00Z","featured":"chatbot-with-more","cache_read_tokenz":7,"cost_usd":1}"#
        func match(_ line: String, _ k: Int, at i: Int) -> Int? {
            Array(line.utf8).withUnsafeBufferPointer { memory.keys.match(k, $0.baseAddress!, i, $0.count)?.field }
        }
        XCTAssertEqual(match(second, KeyOrder.first, at: 1), 0)
        XCTAssertEqual(match(second, KeyOrder.after(0), at: 29), 1)
        XCTAssertEqual(match(second, KeyOrder.after(1), at: 59), 12)
        XCTAssertNil(match(near, KeyOrder.after(0), at: 29))
        XCTAssertNil(match(near, KeyOrder.after(1), at: 60))
        XCTAssertNil(match(second, KeyOrder.after(0), at: 59), "the key after ts is feature, not cache_read_tokens")
    }

    /// An optional key: after `output_tokens` come `cache_read_tokens` on some lines and `cost_usd` on others.
    /// Once both were seen, both are hits; a third spelling pushes out the older of the two.
    func testAKeyBeforeAnOptionalOneHoldsBothFollowers() {
        let rollup = rollupForExport()
        let memory = LineMemory()
        func scan(_ line: String) {
            var e = InternedEvent()
            var bytes = Array(line.utf8)
            XCTAssertEqual(bytes.withUnsafeMutableBufferPointer {
                NativeLineScanner.scan($0.baseAddress!, $0.count, into: &e, rollup: rollup, memory: memory)
            }, .event, line)
        }
        func hits(_ key: String) -> Int? {
            Array("\"\(key)\":12345678901234567890123,".utf8).withUnsafeBufferPointer {
                memory.keys.match(KeyOrder.after(11), $0.baseAddress!, 0, $0.count)?.field
            }
        }
        let ts = #""ts":"2026-11-28T10:00:00Z""#
        scan("{\(ts),\"output_tokens\":5,\"cache_read_tokens\":12,\"cost_usd\":0.5,\"status\":\"ok\"}")
        scan("{\(ts),\"output_tokens\":5,\"cost_usd\":0.5,\"status\":\"ok\"}")
        XCTAssertEqual(hits("cache_read_tokens"), 12)
        XCTAssertEqual(hits("cost_usd"), 16)
        scan("{\(ts),\"output_tokens\":5,\"latency_ms\":9,\"status\":\"ok\"}")
        XCTAssertEqual(hits("latency_ms"), 17)
        XCTAssertEqual(hits("cost_usd"), 16)
        XCTAssertNil(hits("cache_read_tokens"), "the older spelling made room")
    }
}
