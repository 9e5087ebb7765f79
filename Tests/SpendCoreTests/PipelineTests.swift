import XCTest
@testable import SpendCore

final class PipelineTests: XCTestCase {
    func testMalformedLinesInTheMiddleLoseNoValidEvent() throws {
        var lines: [String] = []
        var expectedSpend = 0.0
        for i in 0..<500 {
            lines.append(nativeLine(ts: "2026-11-28T10:\(String(format: "%02d", i % 60)):00Z", feature: "f\(i % 7)", cost: Double(i) / 100))
            expectedSpend += Double(i) / 100
            switch i % 50 {
            case 10: lines.append(#"{"ts":"2026-11-28T10:00:00Z","feature":"broken""#)     // truncated
            case 20: lines.append("42")                                                      // not an object
            case 30: lines.append(#"{"feature":"no-time","cost_usd":1}"#)                    // no timestamp
            case 40: lines.append("\u{1}\u{2}garbage\u{FF}")                                 // junk
            default: break
            }
        }
        let r = rollupForExport()
        let stats = ingest(lines.joined(separator: "\n") + "\n", into: r, chunk: 333)
        XCTAssertEqual(stats.events, 500)
        XCTAssertEqual(stats.rejects[.invalidJSON], 20)
        XCTAssertEqual(stats.rejects[.notAnObject], 10)
        XCTAssertEqual(stats.rejects[.unknownFormat, default: 0] + stats.rejects[.missingTimestamp, default: 0], 10)
        XCTAssertEqual(stats.rejected, 40)
        let total = try r.rows(ViewQuery(groupBy: nil, window: .all), wallMs: wall).total
        XCTAssertEqual(total.requests, 500)
        XCTAssertEqual(total.spend, expectedSpend, accuracy: 1e-9)
    }

    func testInvalidUTF8IsACountedReject() {
        let r = rollupForExport()
        var bytes = Array((nativeLine(feature: "ok") + "\n").utf8)
        bytes += Array(#"{"ts":"2026-11-28T10:00:00Z","feature":"bad"#.utf8) + [0xC3, 0x28] + Array("\"}\n".utf8)
        let p = EventPipeline(rollup: r)
        bytes.withUnsafeBytes { p.feed($0) }
        p.finish()
        XCTAssertEqual(p.stats.events, 1)
        XCTAssertEqual(p.stats.rejects[.invalidUTF8], 1)
    }

    func testOverlongLineIsRejectedAndTheStreamGoesOn() {
        let r = rollupForExport()
        let p = EventPipeline(rollup: r, maxLineBytes: 1000)
        let text = nativeLine() + "\n" + nativeLine(feature: String(repeating: "x", count: 5000)) + "\n" + nativeLine() + "\n"
        Array(text.utf8).withUnsafeBytes { p.feed($0) }
        p.finish()
        XCTAssertEqual(p.stats.events, 2)
        XCTAssertEqual(p.stats.rejects[.lineTooLong], 1)
    }

    func testLastLineWithoutNewlineCounts() {
        let r = rollupForExport()
        let stats = ingest(nativeLine() + "\n" + nativeLine(), into: r)
        XCTAssertEqual(stats.events, 2)
    }

    func testDuplicatesByRequestIDCountOnce() throws {
        let r = rollupForExport()
        let lines = [nativeLine(id: "a", cost: 1), nativeLine(id: "b", cost: 2), nativeLine(id: "a", cost: 1),
                     nativeLine(id: nil, cost: 4), nativeLine(id: nil, cost: 4)]
        let stats = ingest(lines.joined(separator: "\n"), into: r)
        XCTAssertEqual(stats.events, 4, "events without a request_id cannot be told apart and all count")
        XCTAssertEqual(stats.duplicates, 1)
        XCTAssertEqual(try r.rows(ViewQuery(groupBy: nil, window: .all), wallMs: wall).total.spend, 11)
    }

    func testUnknownModelWithoutCostIsUnpricedNotFree() throws {
        let r = rollupForExport()
        _ = ingest(nativeLine(model: "mystery-model-9000", cost: nil) + "\n" + nativeLine(model: "mystery-model-9000", cost: nil), into: r)
        XCTAssertEqual(r.unpricedRequests, 2)
        XCTAssertEqual(r.unpricedModels.first?.model, "mystery-model-9000")
        let row = try r.rows(ViewQuery(groupBy: .model, window: .all), wallMs: wall).rows[0]
        XCTAssertEqual(row.measures.unpriced, 2)
    }
}

final class PricingThroughPipelineTests: XCTestCase {
    /// Requests without a gateway cost are priced at ingest with the bundled table.
    func testEventsWithoutCostArePricedOnTheWay() throws {
        let r = rollupForExport()
        let lines = [
            #"{"ts":"2026-11-28T10:00:00Z","feature":"a","model":"gpt-4o","input_tokens":10000,"cache_read_tokens":4000,"output_tokens":500}"#,
            #"{"ts":"2026-11-28T10:00:01Z","feature":"b","model":"openai/gpt-4o-2024-08-06","input_tokens":10000,"cache_read_tokens":4000,"output_tokens":500,"batch":true}"#,
            #"{"ts":"2026-11-28T10:00:02Z","feature":"c","model":"gpt-4o","input_tokens":10000,"output_tokens":500,"cost_usd":7}"#,
        ]
        _ = ingest(lines.joined(separator: "\n"), into: r)
        let rows = try r.rows(ViewQuery(groupBy: .feature, window: .all), wallMs: wall).rows
        let spend = Dictionary(uniqueKeysWithValues: rows.map { ($0.name, $0.measures.spend) })
        XCTAssertEqual(spend["a"]!, 0.025, accuracy: 1e-12)
        XCTAssertEqual(spend["b"]!, 0.015, accuracy: 1e-12)
        XCTAssertEqual(spend["c"], 7, "the gateway's cost wins over the price table")
        XCTAssertEqual(r.unpricedRequests, 0)
    }

    func testAnthropicAndOpenAISamplesCostTheWorkedAmounts() throws {
        let anthropic = rollupForExport()
        let a = try String(contentsOf: Bundle.module.url(forResource: "anthropic-messages", withExtension: "jsonl", subdirectory: "Fixtures")!, encoding: .utf8)
        XCTAssertEqual(ingest(a, into: anthropic).events, 1)
        XCTAssertEqual(try anthropic.rows(ViewQuery(groupBy: nil, window: .all), wallMs: wall).total.spend, 0.02625, accuracy: 1e-12)

        let openai = rollupForExport()
        let o = try String(contentsOf: Bundle.module.url(forResource: "openai-responses", withExtension: "jsonl", subdirectory: "Fixtures")!, encoding: .utf8)
        _ = ingest(o, into: openai)
        let first = try openai.rows(ViewQuery(groupBy: .feature, window: .all), wallMs: wall).rows.first { $0.name == "support-chat" }
        XCTAssertEqual(try XCTUnwrap(first).measures.spend, 0.025, accuracy: 1e-12)
    }
}

final class FutureTimestampTests: XCTestCase {
    /// One line dated far ahead must not move a live clock years forward (and empty every window).
    func testLiveRollupRefusesEventsFarAheadOfTheWallClock() throws {
        let now = Timestamp.parseRFC3339("2026-11-28T10:05:00Z")!
        var o = Rollup.Options()
        o.maxFutureMs = 3_600_000
        o.wallClock = { now }
        let r = Rollup(options: o)
        let lines = [nativeLine(ts: "2026-11-28T10:00:00Z", cost: 1),
                     nativeLine(ts: "9999-12-31T00:00:00Z", cost: 5),
                     #"{"ts":"9999-01-01T00:00:00Z","kind":"gpu","node":"n","gpu":0,"util_pct":5}"#,
                     nativeLine(ts: "2026-11-28T10:50:00Z", cost: 2)]   // within the hour of skew allowed
        let stats = ingest(lines.joined(separator: "\n"), into: r)
        XCTAssertEqual(stats.events, 2)
        XCTAssertEqual(stats.rejects[.futureTimestamp], 2)
        XCTAssertEqual(r.future, 2)
        XCTAssertEqual(r.newestMs, Timestamp.parseRFC3339("2026-11-28T10:50:00Z"))
        XCTAssertEqual(try r.rows(ViewQuery(groupBy: nil, window: .minutes(60)), wallMs: now).total.spend, 3)
    }

    func testReplaysKeepFutureEventsBecauseTheirClockIsTheData() {
        let r = rollupForExport()
        let stats = ingest(nativeLine(ts: "2099-01-01T00:00:00Z"), into: r)
        XCTAssertEqual(stats.events, 1)
        XCTAssertEqual(stats.rejected, 0)
    }
}
