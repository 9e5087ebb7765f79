import Foundation
import XCTest
@testable import SpendCore
import TestSupport

/// Issue 12 point 5: the console keeps sums of settled minutes between refreshes (`WindowSumCache`). Whatever
/// arrives in between (late events into settled minutes, new minutes, folding, retention), every answer must
/// equal the one a rollup without kept sums gives for the same bytes.
final class WindowSumCacheTests: XCTestCase {
    static func options(cached: Bool) -> Rollup.Options {
        var o = Rollup.Options()
        o.internAllDimensions = true
        o.compaction = TimeCompactionTests.tiers
        o.retentionMinutes = 5 * 60  // six hours of traffic: retention drops minutes while it is read
        o.cachesWindowSums = cached
        return o
    }

    /// The same groups with the same measures (the order of two groups whose spends differ only in the last bits
    /// of a sum in another order may differ).
    func assertSameRows(_ a: ViewResult, _ b: ViewResult, _ what: String, file: StaticString = #filePath,
                        line: UInt = #line) {
        let want = Dictionary(uniqueKeysWithValues: b.rows.map { ($0.id, $0) })
        XCTAssertEqual(a.rows.count, b.rows.count, what + ": rows", file: file, line: line)
        for x in a.rows {
            guard let y = want[x.id] else { return XCTFail(what + ": an extra row \(x.id)", file: file, line: line) }
            XCTAssertEqual(x.featureCount, y.featureCount, what, file: file, line: line)
            XCTAssertEqual(x.measures.requests, y.measures.requests, what, file: file, line: line)
            XCTAssertEqual(x.measures.errors, y.measures.errors, what, file: file, line: line)
            XCTAssertEqual(x.measures.inputTokens, y.measures.inputTokens, what, file: file, line: line)
            XCTAssertEqual(x.measures.outputTokens, y.measures.outputTokens, what, file: file, line: line)
            XCTAssertEqual(x.measures.latency.total, y.measures.latency.total, what, file: file, line: line)
            XCTAssertEqual(x.measures.spend, y.measures.spend, accuracy: 1e-9 * max(1, abs(x.measures.spend)), what,
                           file: file, line: line)
        }
        XCTAssertEqual(a.total.requests, b.total.requests, what + ": total", file: file, line: line)
        XCTAssertEqual(a.total.spend, b.total.spend, accuracy: 1e-9 * max(1, abs(a.total.spend)), what + ": total",
                       file: file, line: line)
    }

    /// The chart's series and the savings advisor's class rows are kept for the settled minutes too, and summed on
    /// in time order: they must be the same to the bit, not only close.
    func assertSameSeriesAndClasses(_ cached: Rollup, _ plain: Rollup, _ q: ViewQuery, _ what: String,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        let a = try cached.series(q, wallMs: 0), b = try plain.series(q, wallMs: 0)
        XCTAssertEqual(a.map(\.minuteStartMs), b.map(\.minuteStartMs), what + ": series minutes", file: file, line: line)
        XCTAssertEqual(a.map(\.measures.spend), b.map(\.measures.spend), what + ": series spend", file: file, line: line)
        XCTAssertEqual(a.map(\.measures.requests), b.map(\.measures.requests), what, file: file, line: line)
        XCTAssertEqual(a.map(\.measures.latency.total), b.map(\.measures.latency.total), what, file: file, line: line)
        let x = try cached.classRows(q, wallMs: 0), y = try plain.classRows(q, wallMs: 0)
        func rows(_ r: ClassRowsResult) -> [String] {
            r.rows.map { "\($0.featureID) \($0.modelID) \($0.requestClass.rawValue) \($0.measures.requests) "
                + "\($0.measures.inputTokens) \($0.measures.cacheReadTokens) \($0.measures.spend.bitPattern)" }
        }
        XCTAssertEqual(rows(x), rows(y), what + ": class rows", file: file, line: line)
        XCTAssertEqual(x.durationSeconds, y.durationSeconds, what, file: file, line: line)
    }

    func testKeptSumsAnswerAsARollupWithoutThem() throws {
        let data = HardTraffic(seed: 57).bytes(count: 18_000)
        let plain = Rollup(options: WindowSumCacheTests.options(cached: false))
        let cached = Rollup(options: WindowSumCacheTests.options(cached: true))
        let pipelines = [plain, cached].map { EventPipeline(rollup: $0, maxLineBytes: 4096) }
        let windows: [TimeWindow] = [.minutes(50), .minutes(180), .minutes(1440), .all]
        var feature: ViewQuery.Filter?
        var settledChanges = 0, reads = 0, classReads = 0
        // Fed in parts cut at line ends; after each part every pane is read twice (the second from kept sums).
        let lines = data.split(separator: 10, omittingEmptySubsequences: false)
        var next = 0
        while next < lines.count {
            let part = lines[next..<min(lines.count, next + 450)]
            next += part.count
            let bytes = Data(part.joined(separator: [10]) + [10])
            let before = cached.settledRevision
            for p in pipelines { bytes.withUnsafeBytes { p.feed($0) }; p.flush() }
            if cached.settledRevision != before { settledChanges += 1 }
            if feature == nil,
               let f = try plain.rows(ViewQuery(groupBy: .feature, window: .all), wallMs: 0).rows.first {
                feature = ViewQuery.Filter(.feature, id: f.id, value: f.name)
            }
            for window in windows {
                for groupBy: SpendCore.Dimension? in [nil, .feature, .apiKey, .model] {
                    let scopes: [[ViewQuery.Filter]] = [[], feature.map { [$0] } ?? []]
                    for filters in scopes where groupBy != .feature || filters.isEmpty {
                        // Now, half an hour back, and a fixed past minute ending a 5- and a 15-minute cell: windows
                        // that stay put (kept sums stay valid by their range) while their minutes fold into cells
                        // they take a share of (50 minutes back starts inside one) and then leave with retention.
                        let fixed = HardTraffic(seed: 57).startMs + 164 * 60_000 + 30_000
                        for at in [plain.newestMs, plain.newestMs - 30 * 60_000, fixed] where at <= plain.newestMs {
                            let back = plain.newestMs - at
                            let q = ViewQuery(groupBy: groupBy, window: window, atMs: at, filters: filters)
                            let want = try plain.rows(q, wallMs: 0)
                            let what = "\(window) by \(groupBy?.name ?? "total") \(filters.count) filter(s) -\(back)"
                            assertSameRows(try cached.rows(q, wallMs: 0), want, what)
                            assertSameRows(try cached.rows(q, wallMs: 0), want, what + " (again)")
                            reads += 2
                            if groupBy == nil {
                                try assertSameSeriesAndClasses(cached, plain, q, what)
                                try assertSameSeriesAndClasses(cached, plain, q, what + " (again)")
                                classReads += 2
                            }
                        }
                    }
                }
            }
        }
        // Late events alone (no new minute, nothing folded or dropped): only they can make a kept sum stale.
        let hitsBefore = try XCTUnwrap(cached.windowSums).hits
        for k in 0..<6 {
            let ts = plain.newestMs - Int64(20 + 7 * k) * 60_000
            let line = #"{"ts":\#(ts),"request_id":"late-\#(k)","feature":"\#(feature?.value ?? "x")","#
                + #""api_key":"sk-late-\#(k)-AbCdEfGh","model":"gpt-4o","input_tokens":\#(1000 * (k + 1)),"#
                + #""output_tokens":50,"latency_ms":900}"# + "\n"
            let minutes = cached.buckets.count
            for p in pipelines { Data(line.utf8).withUnsafeBytes { p.feed($0) }; p.flush() }
            XCTAssertEqual(cached.buckets.count, minutes, "the late event's minute was there already")
            for q in [ViewQuery(groupBy: .apiKey, window: .minutes(180)), ViewQuery(groupBy: nil, window: .all),
                      ViewQuery(groupBy: .model, window: .minutes(1440), filters: feature.map { [$0] } ?? [])] {
                assertSameRows(try cached.rows(q, wallMs: 0), try plain.rows(q, wallMs: 0), "late event \(k)")
                assertSameRows(try cached.rows(q, wallMs: 0), try plain.rows(q, wallMs: 0), "late event \(k) again")
            }
            for q in [ViewQuery(groupBy: nil, window: .minutes(180)), ViewQuery(groupBy: nil, window: .all)] {
                try assertSameSeriesAndClasses(cached, plain, q, "late event \(k)")
                try assertSameSeriesAndClasses(cached, plain, q, "late event \(k) again")
            }
        }
        XCTAssertGreaterThan(try XCTUnwrap(cached.windowSums).hits, hitsBefore, "the second reads came from kept sums")

        // In-order events alone for three hours: nothing late, so only buckets coming and going (folding into
        // 15-minute cells, retention) can make the kept sums of two windows fixed in the past stale.
        let newestMinute = Rollup.floorDiv(plain.newestMs, 60_000)
        let endMinute = Rollup.floorDiv(newestMinute - 170, 15) * 15 + 14  // the last minute of a 15-minute cell
        let fixedQueries = [ViewQuery(groupBy: nil, window: .minutes(50), atMs: endMinute * 60_000 + 30_000),
                            ViewQuery(groupBy: .apiKey, window: .minutes(50), atMs: endMinute * 60_000 + 30_000),
                            ViewQuery(groupBy: nil, window: .minutes(1440), atMs: endMinute * 60_000 + 30_000)]
        var foldedMeanwhile = false, droppedMeanwhile = false
        for part in 0..<6 {
            var text = ""
            for i in 0..<90 {
                let t = (newestMinute + 1) * 60_000 + Int64(part * 90 + i) * 20_000
                text += #"{"ts":\#(t),"request_id":"inorder-\#(part)-\#(i)","feature":"support-chat","#
                    + #""api_key":"sk-inorder-AbCdEfGh","model":"gpt-4o","input_tokens":1000,"output_tokens":100}"#
                    + "\n"
            }
            let layout = cached.layoutRevision, settled = cached.settledRevision
            let oldest = cached.oldestMinute, spanAtEnd = cached.bucket(containing: endMinute - 49)?.0.span
            for p in pipelines { Data(text.utf8).withUnsafeBytes { p.feed($0) }; p.flush() }
            XCTAssertEqual(cached.settledRevision, settled, "no settled minute changed")
            XCTAssertNotEqual(cached.layoutRevision, layout)
            if cached.bucket(containing: endMinute - 49)?.0.span != spanAtEnd { foldedMeanwhile = true }
            if cached.oldestMinute != oldest { droppedMeanwhile = true }
            for q in fixedQueries {
                if q.groupBy == nil { try assertSameSeriesAndClasses(cached, plain, q, "in order, part \(part)") }
                assertSameRows(try cached.rows(q, wallMs: 0), try plain.rows(q, wallMs: 0), "in order, part \(part)")
                assertSameRows(try cached.rows(q, wallMs: 0), try plain.rows(q, wallMs: 0), "in order, again")
            }
        }
        XCTAssertTrue(foldedMeanwhile, "a fixed window's first minute was folded into a coarser cell meanwhile")
        XCTAssertTrue(droppedMeanwhile, "retention dropped minutes of the 24 h window meanwhile")
        for p in pipelines { p.finish() }
        let cache = try XCTUnwrap(cached.windowSums)
        XCTAssertGreaterThan(cache.hits, (reads + classReads) / 3, "most reads add only the newest minutes to a kept sum")
        XCTAssertGreaterThan(classReads, 0)
        XCTAssertGreaterThan(settledChanges, 5, "late events landed in settled minutes while sums were kept")
        XCTAssertTrue(cached.buckets.values.contains { $0.span > 1 }, "old minutes were folded meanwhile")
        let oldest = try XCTUnwrap(cached.oldestMinute)
        XCTAssertGreaterThan(oldest, Rollup.floorDiv(HardTraffic(seed: 57).startMs, 60_000) + 30,
                             "retention dropped the first minutes meanwhile")
        XCTAssertLessThanOrEqual(cache.count, WindowSumCache.capacity)
        XCTAssertNil(plain.windowSums, "a rollup keeps sums only when asked to (export does not)")
    }
}
