import Foundation
import XCTest
@testable import SpendCore

/// The typical-request sums of a cell (`Measures.shapedRequests`, `logTokensSum`, `cacheShareSum`), which the
/// anomaly detector reads as a feature's typical request size and cached share.
final class TypicalRequestMeasuresTests: XCTestCase {
    /// The hot path's ln is libm's to 2e-6 from one token to more than any request holds, and reads a negative
    /// output as none and a request without input as one token.
    func testLogTokensAgreesWithLibm() {
        var rng = SuiteRandom(seed: 7)
        var xs: [(Int64, Int64)] = [(1, 0), (2, 0), (3, 4), (1_000, 250), (1 << 40, 1), (Int64.max / 4, 0)]
        for _ in 0..<20_000 { xs.append((Int64(exp(rng.uniform() * 30)), Int64(exp(rng.uniform() * 12)) - 1)) }
        for (input, output) in xs {
            let want = log(Double(input) + Double(output))
            XCTAssertEqual(Measures.logTokens(input: input, output: output), want, accuracy: 2e-6, "\(input)+\(output)")
        }
        XCTAssertEqual(Measures.logTokens(input: 100, output: -5), log(100), accuracy: 2e-6)
        XCTAssertEqual(Measures.logTokens(input: 0, output: 0), 0, accuracy: 2e-6)
    }

    /// A cached share is clamped to [0, 1] whatever a gateway reports.
    func testCachedShareIsClamped() {
        XCTAssertEqual(Measures.cacheShare(input: 1_000, cacheRead: 250), 0.25)
        XCTAssertEqual(Measures.cacheShare(input: 1_000, cacheRead: 5_000), 1)
        XCTAssertEqual(Measures.cacheShare(input: 1_000, cacheRead: -3), 0)
    }

    func event(input: Int64, output: Int64, cacheRead: Int64) -> InternedEvent {
        var e = InternedEvent()
        e.inputTokens = input
        e.outputTokens = output
        e.cacheReadTokens = cacheRead
        e.cost = 0.01
        return e
    }

    /// Only requests with input are shaped; removing what was added leaves exact zeros (a minute that lost its
    /// last request is empty, not a rounding residue), and merging two cells sums them.
    func testAddRemoveAndMerge() {
        let es = [event(input: 4_000, output: 300, cacheRead: 3_000), event(input: 0, output: 50, cacheRead: 0),
                  event(input: 90_000, output: 1_000, cacheRead: 0), event(input: 7, output: -1, cacheRead: 9)]
        var a = Measures(), b = Measures()
        for e in es { a.add(e) }
        XCTAssertEqual(a.requests, 4)
        XCTAssertEqual(a.shapedRequests, 3)
        XCTAssertEqual(a.logTokensSum, log(4_300) + log(91_000) + log(7), accuracy: 1e-5)
        XCTAssertEqual(a.cacheShareSum, 0.75 + 0 + 1, accuracy: 1e-12)
        b.add(es[0])
        var c = Measures()
        for e in es.dropFirst() { c.add(e) }
        b.merge(c)
        XCTAssertEqual(b.shapedRequests, a.shapedRequests)
        XCTAssertEqual(b.logTokensSum, a.logTokensSum, accuracy: 1e-9)
        XCTAssertEqual(b.cacheShareSum, a.cacheShareSum, accuracy: 1e-12)
        for e in es.reversed() { a.remove(e) }
        XCTAssertEqual(a.shapedRequests, 0)
        XCTAssertEqual(a.logTokensSum.bitPattern, 0, "exactly zero, not \(a.logTokensSum)")
        XCTAssertEqual(a.cacheShareSum.bitPattern, 0, "exactly zero, not \(a.cacheShareSum)")
    }

    /// A rollup's cells carry the sums to a query's totals (the checkpoint's copy of them is compared field by
    /// field in `CheckpointTests`, through `RollupDifferences`).
    func testARollupsTotalsCarryTheSums() throws {
        let r = rollupForExport()
        let t0 = Timestamp.parseRFC3339("2026-11-28T00:00:00Z")!
        var want = 0.0
        for i in 0..<500 {
            let input = Int64(100 + i * 37 % 5_000)
            want += log(Double(input + 10))
            r.ingest(SpendEvent(timestampMs: t0 + Int64(i) * 1_000, feature: "chat", apiKey: "k", provider: "openai",
                                model: "gpt-4o", usage: TokenUsage(input: input, output: 10, cacheRead: input / 4),
                                costUSD: 0.001))
        }
        let total = try r.rows(ViewQuery(groupBy: nil, window: .all), wallMs: t0 + 600_000).total
        XCTAssertEqual(total.requests, 500)
        XCTAssertEqual(total.shapedRequests, 500)
        XCTAssertEqual(total.logTokensSum, want, accuracy: 1e-4)
        XCTAssertEqual(total.cacheShareSum / 500, 0.25, accuracy: 0.01)
    }

    /// A headless export of a view the detector does not read keeps no typical-request sums (an ln per event
    /// saved); everything the views show is the same, the sums are zero, and such a rollup neither merges with
    /// nor takes a checkpoint of one that keeps them.
    func testARollupWithoutTypicalRequestsKeepsEverythingElse() throws {
        var o = Rollup.Options()
        o.retentionMinutes = nil
        o.typicalRequests = false
        let lean = Rollup(options: o), full = rollupForExport()
        let t0 = Timestamp.parseRFC3339("2026-11-28T00:00:00Z")!
        for i in 0..<300 {
            let e = SpendEvent(timestampMs: t0 + Int64(i) * 1_000, requestID: "r\(i % 250)", feature: "f\(i % 3)",
                               apiKey: "k\(i % 7)", provider: "openai", model: i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini",
                               usage: TokenUsage(input: Int64(100 + i * 37 % 5_000), output: 10, cacheRead: 40),
                               costUSD: 0.001, latencyMs: Double(i))
            lean.ingest(e)
            full.ingest(e)
        }
        for d in [nil, Dimension.feature, .apiKey, .model] {
            let q = ViewQuery(groupBy: d, window: .all)
            let a = try lean.rows(q, wallMs: t0 + 600_000), b = try full.rows(q, wallMs: t0 + 600_000)
            XCTAssertEqual(a.rows.map(\.name), b.rows.map(\.name))
            for (x, y) in zip(a.rows, b.rows) {
                XCTAssertEqual(x.measures.requests, y.measures.requests)
                XCTAssertEqual(x.measures.spend, y.measures.spend)
                XCTAssertEqual(x.measures.inputTokens, y.measures.inputTokens)
                XCTAssertEqual(x.measures.cacheReadTokens, y.measures.cacheReadTokens)
                XCTAssertEqual(x.measures.latency.total, y.measures.latency.total)
                XCTAssertEqual(x.measures.shapedRequests, 0)
                XCTAssertEqual(x.measures.logTokensSum, 0)
                XCTAssertGreaterThan(y.measures.shapedRequests, 0)
            }
        }
        XCTAssertEqual(lean.duplicates, 50)
        XCTAssertNotNil(full.mergeBlocker(lean))
        XCTAssertNotEqual(RollupCheckpoint.shape(of: lean), RollupCheckpoint.shape(of: full))
    }
}
