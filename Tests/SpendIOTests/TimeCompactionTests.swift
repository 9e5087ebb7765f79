import Foundation
import XCTest
@testable import SpendCore
import TestSupport

/// Issue 12 point 3: minutes older than a tier's age fold into coarser cells. Window totals must not change where a
/// window covers whole folded cells, per-minute answers must add up to the cells they share, late events must land
/// in the folded cell, and a checkpoint must carry the folds.
final class TimeCompactionTests: XCTestCase {
    static let tiers = [CompactionTier(ageMinutes: 60, spanMinutes: 5),
                        CompactionTier(ageMinutes: 180, spanMinutes: 15)]

    static func options(compacted: Bool) -> Rollup.Options {
        var o = Rollup.Options()
        o.internAllDimensions = true
        o.compaction = compacted ? tiers : []
        return o
    }

    /// Six hours of hard traffic (late events and retries included), read into a rollup of each kind.
    func pair(seed: UInt64 = 31, count: Int = 16_000) -> (plain: Rollup, folded: Rollup) {
        let data = HardTraffic(seed: seed).bytes(count: count)
        let plain = Rollup(options: TimeCompactionTests.options(compacted: false))
        let folded = Rollup(options: TimeCompactionTests.options(compacted: true))
        for r in [plain, folded] {
            let p = EventPipeline(rollup: r, maxLineBytes: 4096)
            data.withUnsafeBytes { p.feed($0) }
            p.finish()
        }
        return (plain, folded)
    }

    func assertSameMeasures(_ a: Measures, _ b: Measures, _ what: String, file: StaticString = #filePath,
                            line: UInt = #line) {
        XCTAssertEqual(a.requests, b.requests, what, file: file, line: line)
        XCTAssertEqual(a.errors, b.errors, what, file: file, line: line)
        XCTAssertEqual(a.inputTokens, b.inputTokens, what, file: file, line: line)
        XCTAssertEqual(a.outputTokens, b.outputTokens, what, file: file, line: line)
        XCTAssertEqual(a.cacheReadTokens, b.cacheReadTokens, what, file: file, line: line)
        XCTAssertEqual(a.unpriced, b.unpriced, what, file: file, line: line)
        XCTAssertEqual(a.latency.total, b.latency.total, what, file: file, line: line)
        XCTAssertEqual(a.spend, b.spend, accuracy: 1e-9 * max(1, abs(a.spend)), what, file: file, line: line)
        XCTAssertEqual(a.shapedRequests, b.shapedRequests, what, file: file, line: line)
        XCTAssertEqual(a.logTokensSum, b.logTokensSum, accuracy: 1e-9 * max(1, abs(a.logTokensSum)), what,
                       file: file, line: line)
        XCTAssertEqual(a.cacheShareSum, b.cacheShareSum, accuracy: 1e-9 * max(1, abs(a.cacheShareSum)), what,
                       file: file, line: line)
    }

    func testFoldingKeepsWindowTotalsOverWholeCells() throws {
        let (plain, folded) = pair()
        let newest = Rollup.floorDiv(folded.newestMs, 60_000)
        XCTAssertLessThan(folded.buckets.count, plain.buckets.count / 3, "old minutes are folded")
        XCTAssertTrue(folded.buckets.values.contains { $0.span == 15 })
        XCTAssertTrue(folded.buckets.values.contains { $0.span == 5 })
        XCTAssertTrue(folded.buckets.values.filter { $0.minute >= newest - 59 }.allSatisfy { $0.span == 1 },
                      "the last hour is kept minute by minute")
        XCTAssertEqual(plain.counters, folded.counters)

        // The whole history, per grouping and per group.
        for d in [nil] + Dimension.requestDimensions.map(Optional.some) {
            let q = ViewQuery(groupBy: d, window: .all)
            guard let x = try? plain.rows(q, wallMs: 0) else { continue }  // a grouping the console does not keep
            let y = try folded.rows(q, wallMs: 0)
            func ids(_ v: ViewResult) -> [GroupID] { v.rows.map(\.id).sorted { $0.rawValue < $1.rawValue } }
            XCTAssertEqual(ids(x), ids(y))
            let theirs = Dictionary(uniqueKeysWithValues: y.rows.map { ($0.id, $0.measures) })
            for r in x.rows { assertSameMeasures(r.measures, theirs[r.id]!, "\(String(describing: d)) \(r.name)") }
        }
        // Every window that starts and ends on 15-minute boundaries, and the scoped totals rules read.
        let oldest = try XCTUnwrap(plain.oldestMinute)
        let feature = ViewQuery.Filter(.feature, id: plain.interner(.feature).groupID(2),
                                       value: plain.name(.feature, 2))
        var checked = 0
        var from = Rollup.floorDiv(oldest, 15) * 15
        while from < newest {
            for length in [15, 60, 150] {
                let to = from + Int64(length) - 1
                assertSameMeasures(try plain.total([], fromMinute: from, toMinute: to),
                                   try folded.total([], fromMinute: from, toMinute: to), "window \(from)+\(length)")
                assertSameMeasures(try plain.total([feature], fromMinute: from, toMinute: to),
                                   try folded.total([feature], fromMinute: from, toMinute: to), "feature \(from)")
                checked += 1
            }
            from += 15
        }
        XCTAssertGreaterThan(checked, 60)
    }

    func testPerMinuteAnswersAreEvenSharesThatAddUpToTheCell() throws {
        let (plain, folded) = pair(seed: 32)
        let cell = try XCTUnwrap(folded.buckets.values.filter { $0.span == 5 }.min { $0.minute < $1.minute })
        let whole = try folded.total([], fromMinute: cell.minute, toMinute: cell.minute + 4)
        var parts = Measures()
        var counts: [Int64] = []
        var keyMinutes: [Int64] = []
        var perKey: [CellKey: Int64] = [:]
        for m in cell.minute..<(cell.minute + 5) {
            let one = try folded.total([], fromMinute: m, toMinute: m)
            counts.append(one.requests)
            parts.merge(one)
            let keys = folded.cells(.by(.apiKey), minute: m)
            keyMinutes.append(keys.reduce(0) { $0 + $1.measures.requests })
            for c in keys { perKey[c.key, default: 0] += c.measures.requests }
            XCTAssertTrue(folded.hasData(minute: m))
        }
        assertSameMeasures(parts, whole, "the five minutes of a folded cell")
        XCTAssertLessThanOrEqual(counts.max()! - counts.min()!, 1, "spread evenly, not all in the first minute")
        // The typical-request sums follow the count's split: each minute's typical request is the cell's, also
        // where a key's few requests split unevenly over the five minutes.
        let keyWholes = Dictionary(uniqueKeysWithValues: folded.cells(.by(.apiKey), minute: cell.minute, span: 5)
            .map { ($0.key, $0.measures) })
        var uneven = 0, wrong = 0
        for m in cell.minute..<(cell.minute + 5) {
            for c in folded.cells(.by(.apiKey), minute: m) where c.measures.shapedRequests > 0 {
                let w = try XCTUnwrap(keyWholes[c.key])
                if c.measures.shapedRequests * 5 != w.shapedRequests { uneven += 1 }
                let mean = w.logTokensSum / Double(w.shapedRequests)
                if abs(c.measures.logTokensSum / Double(c.measures.shapedRequests) - mean) > 1e-9 * mean { wrong += 1 }
            }
        }
        XCTAssertGreaterThan(uneven, 10, "uneven splits, or the check proves nothing")
        XCTAssertEqual(wrong, 0, "minutes whose typical request is not their cell's")
        // Each key's cell is split over the minutes and adds up to it; keys of one request land on different minutes.
        let keyCells = folded.cells(.by(.apiKey), minute: cell.minute, span: 5)
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: keyCells.map { ($0.key, $0.measures.requests) }), perKey)
        XCTAssertGreaterThan(keyMinutes.min()!, keyMinutes.max()! / 3, "keys' single requests spread over the span")
        // The series the chart draws adds up to the same day as the plain rollup's.
        let s = try folded.series(ViewQuery(groupBy: nil, window: .all), wallMs: 0)
        let p = try plain.series(ViewQuery(groupBy: nil, window: .all), wallMs: 0)
        XCTAssertLessThanOrEqual(s.first!.minuteStartMs, p.first!.minuteStartMs, "from the start of the oldest cell")
        XCTAssertEqual(s.reduce(0) { $0 + $1.measures.requests }, p.reduce(0) { $0 + $1.measures.requests })
        XCTAssertEqual(s.reduce(0) { $0 + $1.measures.spend }, p.reduce(0) { $0 + $1.measures.spend }, accuracy: 1e-6)
        XCTAssertEqual(folded.cellMinutes(atMinute: cell.minute + 2), 5)
        XCTAssertEqual(folded.cellMinutes(atMinute: Rollup.floorDiv(folded.newestMs, 60_000)), 1)
        XCTAssertEqual(plain.cellMinutes(atMinute: cell.minute), 1)
        // A window edge inside a folded cell takes the share of the minutes it covers.
        let edge = try folded.total([], fromMinute: cell.minute + 2, toMinute: cell.minute + 4)
        XCTAssertEqual(edge.requests, counts[2] + counts[3] + counts[4])
    }

    func testLateEventsLandInTheFoldedCellAndRetentionDropsWholeCells() throws {
        let (plain, folded) = pair(seed: 33)
        let old = try XCTUnwrap(folded.buckets.values.filter { $0.span == 15 }.min { $0.minute < $1.minute })
        for r in [plain, folded] {
            for k in 0..<7 {
                r.ingest(SpendEvent(timestampMs: (old.minute + 3) * 60_000 + Int64(k) * 1_000, requestID: "late-\(k)",
                                    feature: "late", apiKey: "sk-late", model: "gpt-4o",
                                    usage: TokenUsage(input: 1000)))
            }
        }
        XCTAssertNil(folded.buckets[old.minute + 3], "no minute bucket inside a folded span")
        assertSameMeasures(try plain.total([], fromMinute: old.minute, toMinute: old.minute + 14),
                           try folded.total([], fromMinute: old.minute, toMinute: old.minute + 14), "late events")
        XCTAssertEqual(plain.counters, folded.counters)

        // Retention: a folded cell goes only once its last minute is past it.
        var o = TimeCompactionTests.options(compacted: true)
        o.retentionMinutes = 200
        let r = Rollup(options: o)
        let p = EventPipeline(rollup: r, maxLineBytes: 4096)
        HardTraffic(seed: 33).bytes(count: 16_000).withUnsafeBytes { p.feed($0) }
        p.finish()
        let horizon = Rollup.floorDiv(r.newestMs, 60_000) - 200
        XCTAssertTrue(r.buckets.values.allSatisfy { $0.minute + $0.span - 1 >= horizon })
        XCTAssertTrue(r.buckets.values.contains { $0.minute < horizon }, "the cell straddling the horizon stays")
    }

    func testClassRowsOverPartOfAFoldedCellAreNeverNegative() throws {
        // Found in review: a pair cell and its class cell were shared with different rotations.
        var o = TimeCompactionTests.options(compacted: true)
        o.compaction = [CompactionTier(ageMinutes: 60, spanMinutes: 5)]
        let r = Rollup(options: o)
        let t0: Int64 = 1_795_910_400_000
        r.ingest(CheckpointTests.event(t0, "err-1", error: true))
        r.ingest(CheckpointTests.event(t0 + 120 * 60_000, "later"))
        XCTAssertEqual(r.buckets[Rollup.floorDiv(t0, 60_000)]?.span, 5)
        var seen: Int64 = 0
        for j in 0..<5 {
            let q = ViewQuery(groupBy: nil, window: .minutes(1), atMs: t0 + Int64(j) * 60_000 + 30_000)
            let rows = try r.classRows(q, wallMs: 0).rows
            for row in rows { XCTAssertGreaterThanOrEqual(row.measures.requests, 0, "minute \(j)") }
            XCTAssertFalse(rows.contains { $0.requestClass == .ordinary && $0.measures.requests > 0 }, "minute \(j)")
            seen += rows.reduce(0) { $0 + $1.measures.requests }
        }
        XCTAssertEqual(seen, 1, "the failed request is in exactly one of the cell's minutes")

        // A pair with two classes in one cell (a failure and a batch request): no minute goes below zero either.
        let two = Rollup(options: o)
        two.ingest(CheckpointTests.event(t0, "err-2", error: true))
        var batch = CheckpointTests.event(t0 + 1_000, "batch-2")
        batch.batch = true
        two.ingest(batch)
        two.ingest(CheckpointTests.event(t0 + 120 * 60_000, "later"))
        var total: Int64 = 0
        for j in 0..<5 {
            let q = ViewQuery(groupBy: nil, window: .minutes(1), atMs: t0 + Int64(j) * 60_000 + 30_000)
            let rows = try two.classRows(q, wallMs: 0).rows
            for row in rows { XCTAssertGreaterThanOrEqual(row.measures.requests, 0, "minute \(j) \(row.requestClass)") }
            total += rows.reduce(0) { $0 + $1.measures.requests }
        }
        XCTAssertEqual(total, 2)
    }

    func testACheckpointCarriesTheFolds() throws {
        let data = HardTraffic(seed: 34).bytes(count: 16_000)
        let parts = CheckpointTests.pieces(data, 2)
        let full = Rollup(options: TimeCompactionTests.options(compacted: true))
        let live = Rollup(options: TimeCompactionTests.options(compacted: true))
        for r in [full, live] { CheckpointTests.feed(r, parts[0]) }
        let state = RollupCheckpoint.state(live)
        let minutes = RollupCheckpoint.takeChangedMinutes(live)
        let restarted = Rollup(options: TimeCompactionTests.options(compacted: true))
        try RollupCheckpoint.restore(restarted, state: state, minutes: minutes)
        for r in [full, restarted] { CheckpointTests.feed(r, parts[1]) }
        XCTAssertTrue(full.buckets.values.contains { $0.span == 15 })
        XCTAssertEqual(RollupDifferences.between(full, restarted), [])
        // A rollup without compaction does not take a folded checkpoint.
        let unfolded = Rollup(options: TimeCompactionTests.options(compacted: false))
        XCTAssertNotEqual(RollupCheckpoint.shape(of: full), RollupCheckpoint.shape(of: unfolded))
    }
}

extension Rollup {
    /// A grouping's cells over a whole folded span, for comparing with its minutes' shares.
    func cells(_ g: Grouping, minute: Int64, span: Int64) -> [GroupCell] {
        guard let slot = groupingIndex[g], let b = buckets[minute], b.span == span else { return [] }
        let t = b.tables[slot]
        return (0..<t.keys.count).map { i in
            let (a, c) = CellTable.ids(t.keys[i])
            return GroupCell(key: CellKey(g.first.map { interner($0).groupID(a) } ?? .none,
                                          g.second.map { interner($0).groupID(c) } ?? .none), measures: t.cells[i])
        }
    }
}
