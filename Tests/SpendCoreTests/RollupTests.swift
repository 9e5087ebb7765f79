import XCTest
@testable import SpendCore

final class RollupTests: XCTestCase {
    func ts(_ minute: Int, _ second: Int = 0) -> String {
        "2026-11-28T\(String(format: "%02d:%02d:%02d", 10 + minute / 60, minute % 60, second))Z"
    }

    func testWindowsEndAtTheNewestEventWhenReplaying() throws {
        let r = rollupForExport()
        var lines: [String] = []
        for m in 0..<120 { lines.append(nativeLine(ts: ts(m, 30), feature: m < 100 ? "old" : "new", cost: 1)) }
        _ = ingest(lines.joined(separator: "\n"), into: r)
        let w5 = try r.rows(ViewQuery(groupBy: .feature, window: .minutes(5)), wallMs: wall)
        XCTAssertEqual(w5.rows.map(\.name), ["new"])
        XCTAssertEqual(w5.total.requests, 5)
        XCTAssertEqual(w5.endMs, Timestamp.parseRFC3339(ts(119, 30)))
        XCTAssertEqual(w5.durationSeconds, 4 * 60 + 30)
        let w1h = try r.rows(ViewQuery(groupBy: .feature, window: .minutes(60)), wallMs: wall)
        XCTAssertEqual(w1h.total.requests, 60)
        XCTAssertEqual(w1h.rows.first { $0.name == "old" }?.measures.requests, 40)
        XCTAssertEqual(try r.rows(ViewQuery(groupBy: nil, window: .all), wallMs: wall).total.requests, 120)
        // --at moves the window end back in time.
        let at = try r.rows(ViewQuery(groupBy: nil, window: .minutes(10), atMs: Timestamp.parseRFC3339(ts(9, 59))), wallMs: wall)
        XCTAssertEqual(at.total.requests, 10)
    }

    func testRatesDeriveFromTheWindowLength() throws {
        let r = rollupForExport()
        let lines = (0..<60).map { nativeLine(ts: ts($0, 59), input: 600, output: 60, cost: 0.5) }
        _ = ingest(lines.joined(separator: "\n"), into: r)
        let row = try r.rows(ViewQuery(groupBy: .feature, window: .minutes(60)), wallMs: wall).rows[0]
        // The window runs from the start of its first minute to the clock (10:00:00 → 10:59:59).
        XCTAssertEqual(row.durationSeconds, 3599)
        XCTAssertEqual(row.spendPerHour, 30 * 3600 / 3599, accuracy: 1e-9)
        XCTAssertEqual(row.projectedPerDay, 24 * 30 * 3600 / 3599, accuracy: 1e-9)
        XCTAssertEqual(row.inputTokensPerSecond, 36_000 / 3599, accuracy: 1e-9)
        XCTAssertEqual(row.requestsPerSecond, 60.0 / 3599, accuracy: 1e-12)
    }

    func testLiveClockIsTheWallClock() {
        let r = rollupForExport()
        _ = ingest(nativeLine(ts: "2026-11-28T10:00:00Z"), into: r)
        let newest = Timestamp.parseRFC3339("2026-11-28T10:00:00Z")!
        XCTAssertEqual(r.clockMs(wallMs: newest + 90_000), newest + 90_000, "live: within 5 min of the wall clock")
        XCTAssertEqual(r.clockMs(wallMs: newest + 86_400_000), newest, "replay: the newest event")
    }

    func testLateEventsLandInTheirOwnMinute() throws {
        let r = rollupForExport()
        let lines = [nativeLine(ts: ts(0), cost: 1), nativeLine(ts: ts(10), cost: 2), nativeLine(ts: ts(3), cost: 4)]
        _ = ingest(lines.joined(separator: "\n"), into: r)
        let series = try r.series(ViewQuery(groupBy: nil, window: .minutes(11)), wallMs: wall)
        XCTAssertEqual(series.count, 11)
        XCTAssertEqual(series.map(\.measures.spend), [1, 0, 0, 4, 0, 0, 0, 0, 0, 0, 2])
    }

    func testRetentionDropsHistoryBeyondTheLargestWindow() throws {
        var o = Rollup.Options()
        o.retentionMinutes = 60
        let r = Rollup(options: o)
        var lines = (0..<200).map { nativeLine(ts: ts($0), cost: 1) }
        lines.append(nativeLine(ts: ts(5), cost: 100))  // older than the horizon by now
        let stats = ingest(lines.joined(separator: "\n"), into: r)
        XCTAssertEqual(stats.expired, 1)
        XCTAssertLessThanOrEqual(r.buckets.count, 62)
        XCTAssertEqual(try r.rows(ViewQuery(groupBy: nil, window: .minutes(60)), wallMs: wall).total.spend, 60)
    }

    func testCardinalityFoldsIntoOther() throws {
        let r = rollupForExport(cardinality: 3)
        let lines = (0..<10).map { nativeLine(feature: "f\($0 % 6)", cost: 1) }
        _ = ingest(lines.joined(separator: "\n"), into: r)
        let v = try r.rows(ViewQuery(groupBy: .feature, window: .all), wallMs: wall)
        XCTAssertEqual(v.rows.count, 4)
        XCTAssertEqual(v.rows.first { $0.name == "(other)" }?.measures.requests, 4)
        XCTAssertEqual(v.total.requests, 10, "folding loses no event")
        XCTAssertEqual(v.foldedEvents, 4)
        XCTAssertEqual(v.foldedValues, 3)
    }

    func testPercentilesAreWithinTheHistogramBound() throws {
        let r = rollupForExport()
        let lines = (1...1000).map { nativeLine(latency: Double($0) * 10) }
        _ = ingest(lines.joined(separator: "\n"), into: r)
        let m = try r.rows(ViewQuery(groupBy: nil, window: .all), wallMs: wall).total
        for (p, exact) in [(0.5, 5000.0), (0.95, 9500.0), (0.99, 9900.0)] {
            let got = try XCTUnwrap(m.latency.percentile(p))
            XCTAssertLessThan(abs(got - exact) / exact, 0.13, "p\(p): \(got) vs \(exact)")
        }
    }

    func testDrillDownUsesThePairRollups() throws {
        let r = rollupForExport()
        let lines = [nativeLine(feature: "chat", key: "prod-web", model: "gpt-4o", cost: 1),
                     nativeLine(feature: "chat", key: "ci", model: "gpt-4o-mini", cost: 2),
                     nativeLine(feature: "rag", key: "prod-web", model: "gpt-4o", cost: 4)]
        _ = ingest(lines.joined(separator: "\n"), into: r)
        let keysOfChat = try r.rows(ViewQuery(groupBy: .apiKey, window: .all, filters: [.init(.feature, "chat")]), wallMs: wall)
        XCTAssertEqual(keysOfChat.rows.map(\.name), ["ci", "prod-web"])
        XCTAssertEqual(keysOfChat.total.spend, 3)
        let modelsOfKey = try r.rows(ViewQuery(groupBy: .model, window: .all, filters: [.init(.apiKey, "prod-web")]), wallMs: wall)
        XCTAssertEqual(modelsOfKey.rows.map(\.name), ["gpt-4o"])
        XCTAssertEqual(modelsOfKey.total.spend, 5)
        let one = try r.rows(ViewQuery(groupBy: nil, window: .all, filters: [.init(.feature, "chat"), .init(.apiKey, "ci")]), wallMs: wall)
        XCTAssertEqual(one.total.spend, 2)
        XCTAssertEqual(try r.rows(ViewQuery(groupBy: .apiKey, window: .all), wallMs: wall).rows.first { $0.name == "prod-web" }?.featureCount, 2)
        XCTAssertThrowsError(try r.rows(ViewQuery(groupBy: .team, window: .all, filters: [.init(.feature, "chat")]), wallMs: wall))
    }

    /// The keys view's feature count is of distinct features over the window, not of feature-minutes.
    func testFeatureCountPerKeyCountsDistinctFeaturesAcrossMinutes() throws {
        let r = rollupForExport()
        let lines = [nativeLine(ts: "2026-11-28T10:00:00Z", feature: "chat", key: "prod-web"),
                     nativeLine(ts: "2026-11-28T10:01:00Z", feature: "chat", key: "prod-web"),
                     nativeLine(ts: "2026-11-28T10:02:00Z", feature: "rag", key: "prod-web"),
                     nativeLine(ts: "2026-11-28T10:05:00Z", feature: "chat", key: "prod-web"),
                     nativeLine(ts: "2026-11-28T10:03:00Z", feature: "chat", key: "ci")]
        _ = ingest(lines.joined(separator: "\n"), into: r)
        let rows = try r.rows(ViewQuery(groupBy: .apiKey, window: .all), wallMs: wall).rows
        XCTAssertEqual(rows.first { $0.name == "prod-web" }?.featureCount, 2)
        XCTAssertEqual(rows.first { $0.name == "ci" }?.featureCount, 1)
        let late = try r.rows(ViewQuery(groupBy: .apiKey, window: .minutes(3), atMs: 1_795_860_300_000), wallMs: wall).rows
        XCTAssertEqual(late.first { $0.name == "prod-web" }?.featureCount, 1, "10:03–10:05 holds chat only")
    }

    func testLatencyIsKeptForLowCardinalityGroupingsOnly() throws {
        let r = rollupForExport()
        _ = ingest((1...50).map { nativeLine(key: "k\($0 % 5)", latency: Double($0)) }.joined(separator: "\n"), into: r)
        XCTAssertNotNil(try r.rows(ViewQuery(groupBy: .feature, window: .all), wallMs: wall).rows[0].measures.latency.percentile(0.95))
        XCTAssertNotNil(try r.rows(ViewQuery(groupBy: nil, window: .all), wallMs: wall).total.latency.percentile(0.5))
        let keys = try r.rows(ViewQuery(groupBy: .apiKey, window: .all), wallMs: wall).rows
        XCTAssertEqual(keys.count, 5)
        XCTAssertTrue(keys.allSatisfy { $0.measures.latency.total == 0 && $0.measures.latencySumMs > 0 },
                      "keys keep the latency sum (mean) but no histogram")
    }

    /// Dedupe memory follows retention: old request ids are swept once the table has doubled.
    func testDedupeEntriesExpireWithRetention() {
        var o = Rollup.Options()
        o.retentionMinutes = 60
        o.groupings = [.total]
        let r = Rollup(options: o)
        let base = Timestamp.parseRFC3339("2026-11-28T00:00:00Z")!
        for i in 0..<200_000 {
            var e = InternedEvent()
            e.timestampMs = base + Int64(i) * 600   // 200k events over ~33 hours
            e.requestHash = UInt64(i + 1)
            e.cost = 0
            r.ingest(&e)
        }
        XCTAssertEqual(r.eventsCounted, 200_000)
        XCTAssertLessThan(r.dedupe.count, 140_000, "ids older than the retention are swept")
        XCTAssertGreaterThanOrEqual(r.dedupe.count, 6_000, "ids inside the retention are kept")
        var recent = InternedEvent()
        recent.timestampMs = base + Int64(199_999) * 600
        recent.requestHash = UInt64(200_000)
        XCTAssertFalse(r.ingest(&recent))
        XCTAssertEqual(r.duplicates, 1, "a recent id is still a duplicate")
    }
}
