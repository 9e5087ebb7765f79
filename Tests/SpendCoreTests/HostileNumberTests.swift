import XCTest
@testable import SpendCore

/// Numbers no gateway sends but a corrupt or hostile line can: each must end as a counted event or
/// a counted rejection on both the fast scanner and the general path, never a trap.
final class HostileNumberTests: XCTestCase {
    private let head = #""ts":"2026-11-28T10:00:00Z","feature":"chat","api_key":"prod","model":"gpt-4o""#

    /// Runs one line through the fast path (with hand-over) and the general path alone.
    private func both(_ line: String) -> (fast: SourceStats, slow: SourceStats, fastRollup: Rollup) {
        let fast = rollupForExport()
        let fs = ingest(line + "\n", into: fast)
        let pipeline = EventPipeline(rollup: rollupForExport())
        Array(line.utf8).withUnsafeBytes { pipeline.consumeSlow($0) }
        return (fs, pipeline.stats, fast)
    }

    func testHugeTokenCountsAreNotCountedAsTokensAndDoNotTrap() throws {
        for v in ["1e300", "-1e300", "9.3e18", "\"1e300\"", "1e19"] {
            let r = both("{\(head),\"input_tokens\":\(v),\"output_tokens\":5}")
            XCTAssertEqual(r.fast.events + r.fast.rejected, 1, v)
            XCTAssertEqual(r.slow.events + r.slow.rejected, 1, v)
            XCTAssertEqual(r.fast.events, r.slow.events, v)
            let rows = try r.fastRollup.rows(ViewQuery(groupBy: .feature, window: .all), wallMs: wall).rows
            XCTAssertEqual(rows.first?.measures.inputTokens ?? 0, 0, v)
        }
    }

    func testHugeRetryCountsOnceAsARetry() throws {
        for v in ["1e20", "1e300", "-1e300"] {
            let r = both("{\(head),\"retry\":\(v)}")
            XCTAssertEqual(r.fast.events, 1, v)
            XCTAssertEqual(r.slow.events, 1, v)
        }
    }

    func testInfiniteNumbersAreRejectedLikeTheGeneralPathDoes() {
        for field in ["latency_ms", "ttft_ms", "cost_usd", "input_tokens", "retry"] {
            for v in ["1e400", "-1e400"] {
                let r = both("{\(head),\"\(field)\":\(v)}")
                XCTAssertEqual(r.fast.events + r.fast.rejected, 1, field)
                XCTAssertEqual(r.fast.events, r.slow.events, field)
                XCTAssertEqual(r.fast.rejected, r.slow.rejected, field)
            }
        }
    }

    func testEpochTimestampsBeyondInt64AreRejected() {
        for v in ["1e300", "1e22", "9.3e21"] {
            let r = both(#"{"ts":\#(v),"feature":"a","input_tokens":1}"#)
            XCTAssertEqual(r.fast.rejected, 1, v)
            XCTAssertEqual(r.slow.rejected, 1, v)
        }
        XCTAssertNil(Timestamp.epochToMs(1e300))
        XCTAssertEqual(Timestamp.epochToMs(1.7959104e18), 1_795_910_400_000)  // nanoseconds still read
    }

    func testGatewayUsageSumsDoNotOverflow() {
        let anthropic = #"{"ts":1795860000,"usage":{"input_tokens":9e18,"cache_read_input_tokens":9e18,"cache_creation_input_tokens":9e18,"output_tokens":1}}"#
        let openai = #"{"ts":1795860000,"model":"gpt-4o","usage":{"prompt_tokens":1e300,"completion_tokens":1}}"#
        for line in [anthropic, openai] {
            let r = both(line)
            XCTAssertEqual(r.slow.events, 1, line)
            XCTAssertEqual(r.fast.events, 1, line)
        }
    }

    func testOTLPIntegersBeyondInt64DoNotTrap() {
        func span(_ v: String) -> String {
            #"{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"spans":[{"spanId":"a1","startTimeUnixNano":"1764320000120000000","endTimeUnixNano":"1764320001930000000","attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":\#(v)}},{"key":"gen_ai.usage.cache_read.input_tokens","value":{"intValue":\#(v)}},{"key":"gen_ai.usage.cache_creation.input_tokens","value":{"intValue":\#(v)}}]}]}]}]}"#
        }
        for v in ["\"99999999999999999999\"", "\"9223372036854775807\"", "1e300", "9223372036854775807"] {
            let r = both(span(v))
            XCTAssertEqual(r.slow.events, 1, v)
            XCTAssertEqual(r.fast.events, 1, v)
        }
    }

    func testInfiniteLatencyLandsInTheTopBucket() {
        XCTAssertEqual(LatencyHistogram.bucket(.infinity), 63)
        XCTAssertEqual(LatencyHistogram.bucket(1e300), 63)
    }

    func testNumbersWrittenAsNaNOrInfinityTextAreNotRead() throws {
        let r = both("{\(head),\"cost_usd\":\"nan\",\"latency_ms\":\"inf\",\"input_tokens\":\"-inf\"}")
        XCTAssertEqual(r.fast.events, 1)
        let row = try XCTUnwrap(try r.fastRollup.rows(ViewQuery(groupBy: .feature, window: .all), wallMs: wall).rows.first)
        XCTAssertTrue(row.measures.spend.isFinite)
        XCTAssertTrue(row.measures.latencySumMs.isFinite)
    }

    func testBudgetWithAVanishingBurnRateDoesNotTrap() throws {
        let day = try XCTUnwrap(Timestamp.parseRFC3339("2026-11-28T00:00:00Z"))
        let rollup = rollupForExport()
        _ = ingest(nativeLine(ts: Timestamp.format(ms: day + 30_000), cost: 1e-300) + "\n", into: rollup)
        let engine = AlertEngine(rules: try AlertRuleSet.load(config: nil, commandLine: ["budget_per_day=100"]),
                                 options: AlertEngine.Options())
        _ = engine.evaluate(rollup, nowMs: day + 60_000)
        let status = try XCTUnwrap(engine.budgets.first)
        XCTAssertNil(status.runOutMs)  // centuries away: not within the day
    }

    func testHugeConfigNumbersAreNotIntegers() {
        XCTAssertNil(ConfigValue.double(1e300).int)
        XCTAssertNil(ConfigValue.double(.infinity).int)
        XCTAssertEqual(ConfigValue.double(3).int, 3)
    }

    func testNvidiaSmiNaNAndInfinityAreMissingReadings() throws {
        var csv = NvidiaSmiCSV(node: "n")
        _ = csv.decode(line: "timestamp, index, utilization.gpu [%], memory.used [MiB], power.draw [W]")
        guard case .gpu(let s)? = csv.decode(line: "2026/11/28 10:00:00.000, 0, nan %, inf MiB, 70 W") else { return XCTFail() }
        XCTAssertNil(s[0].utilPct)
        XCTAssertNil(s[0].memUsedMB)
        XCTAssertEqual(s[0].powerW, 70)
    }

    /// SQLite rows arrive as Swift values, and a REAL column can hold infinity (1e999).
    func testNonFiniteValuesFromRowsAreNotRead() {
        let f = JSONFields(["cost_usd": Double.infinity, "latency_ms": -Double.infinity, "input_tokens": Double.nan, "n": 2.5])
        XCTAssertNil(f.double("cost_usd"))
        XCTAssertNil(f.double("latency_ms"))
        XCTAssertNil(f.int("input_tokens"))
        XCTAssertEqual(f.double("n"), 2.5)
    }

    /// One stray year-0001 line beside today's traffic must not ask the series for a point per minute
    /// of two thousand years (a 136 GB allocation); near spans stay dense.
    func testSeriesOverAHugeSpanListsOnlyMinutesWithData() throws {
        let rollup = rollupForExport()
        let stats = ingest([nativeLine(ts: "0001-01-01T00:00:00Z"), nativeLine(ts: "2026-11-28T09:58:00Z"),
                            nativeLine(ts: "2026-11-28T10:00:00Z")].joined(separator: "\n") + "\n", into: rollup)
        XCTAssertEqual(stats.events, 3)
        let points = try rollup.series(ViewQuery(groupBy: nil, window: .all), wallMs: wall)
        XCTAssertEqual(points.map(\.measures.requests), [1, 1, 1])
        XCTAssertEqual(points.map(\.minuteStartMs), points.map(\.minuteStartMs).sorted())

        let near = rollupForExport()
        _ = ingest([nativeLine(ts: "2026-11-28T09:58:00Z"), nativeLine(ts: "2026-11-28T10:00:00Z")].joined(separator: "\n") + "\n", into: near)
        XCTAssertEqual(try near.series(ViewQuery(groupBy: nil, window: .all), wallMs: wall).map(\.measures.requests), [1, 0, 1])
    }

    /// The scanner truncated 1.6 tokens to 1 where the general path rounds to 2.
    func testFractionalTokensCountTheSameOnBothPaths() throws {
        let line = "{\(head),\"input_tokens\":1.6,\"output_tokens\":2.5e0}"
        let fast = rollupForExport()
        _ = ingest(line + "\n", into: fast)
        let slow = rollupForExport()
        let pipeline = EventPipeline(rollup: slow)
        Array(line.utf8).withUnsafeBytes { pipeline.consumeSlow($0) }
        let q = ViewQuery(groupBy: .feature, window: .all)
        let a = try XCTUnwrap(try fast.rows(q, wallMs: wall).rows.first?.measures)
        let b = try XCTUnwrap(try slow.rows(q, wallMs: wall).rows.first?.measures)
        XCTAssertEqual(a.inputTokens, 2)
        XCTAssertEqual(a.inputTokens, b.inputTokens)
        XCTAssertEqual(a.outputTokens, b.outputTokens)
    }
}
