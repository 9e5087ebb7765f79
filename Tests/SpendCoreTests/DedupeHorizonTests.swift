import XCTest
@testable import SpendCore

/// The bounded dedupe of issue 12 point 2: request ids are remembered for the horizon (event time) and
/// always the newest `keepLast` of them, so memory does not grow with the day's volume; a duplicate
/// inside that is counted once, one later than both is counted again and the forgetting is counted.
final class DedupeHorizonTests: XCTestCase {
    static let start: Int64 = 1_795_910_400_000  // 2026-11-28T00:00Z

    /// Three hours of traffic, one request every 50 ms (216,000 ids: past the sweep's 65,536 floor),
    /// with uneven gaps so that minutes hold different numbers of ids.
    func traffic() -> [SpendEvent] {
        var rng = SeededGenerator(seed: 0xDED0_0012)
        var t = Self.start
        return (0..<216_000).map { i in
            t += Int64.random(in: 1...99, using: &rng)
            return event(i, at: t)
        }
    }

    func event(_ i: Int, at ms: Int64) -> SpendEvent {
        SpendEvent(timestampMs: ms, requestID: "req-\(i)", feature: "f\(i % 7)", model: "gpt-4o-mini",
                   usage: TokenUsage(input: 100, output: 10), costUSD: 0.01)
    }

    func rollup(_ horizon: DedupeHorizon) -> Rollup {
        var o = Rollup.Options()
        o.retentionMinutes = nil
        o.groupings = [.total]
        o.dedupe = horizon
        return Rollup(options: o)
    }

    func testADuplicateInsideTheHorizonCountsOnceAndOneBeyondItCountsAgain() {
        let events = traffic()
        let r = rollup(DedupeHorizon(minutes: 60, keepLast: 1_000))
        var replayedLate = 0
        for (i, e) in events.enumerated() {
            r.ingest(e)
            // A retry of the request from about 30 minutes of traffic back (36,000 requests at 50 ms).
            if i >= 36_000 && i % 997 == 0 { r.ingest(events[i - 36_000]); replayedLate += 1 }
        }
        XCTAssertGreaterThan(replayedLate, 100)
        XCTAssertEqual(r.eventsCounted, Int64(events.count), "every retry inside the hour was a duplicate")
        XCTAssertEqual(r.duplicates, Int64(replayedLate))
        XCTAssertGreaterThan(r.dedupeForgotten, 0, "three hours of ids with a one-hour horizon: some were forgotten")
        XCTAssertLessThan(r.dedupe.count, 140_000, "memory follows the horizon, not the day")

        // Two and a half hours late: outside the horizon and outside the newest 1,000, so counted again.
        let before = r.eventsCounted
        r.ingest(events[10])
        XCTAssertEqual(r.eventsCounted, before + 1, "the documented limit: a duplicate later than the horizon counts twice")
        XCTAssertEqual(r.counters.dedupeForgotten, r.dedupeForgotten)
        XCTAssertEqual(r.counters.dedupeHorizon, DedupeHorizon(minutes: 60, keepLast: 1_000))
    }

    func testTheNewestIdsAreKeptEvenWhenTheHorizonIsShort() {
        let events = traffic()
        // Without retention the first sweep waits for 10/7 of keepLast (a pass to forget a few is not worth it).
        let r = rollup(DedupeHorizon(minutes: 1, keepLast: 60_000))
        for e in events { r.ingest(e) }
        XCTAssertGreaterThan(r.dedupeForgotten, 0)
        XCTAssertGreaterThanOrEqual(r.dedupe.count, 60_000)
        // The newest 60,000 ids span well over an hour of event time; each is still a duplicate.
        let counted = r.eventsCounted
        for e in events.suffix(60_000) { r.ingest(e) }
        XCTAssertEqual(r.eventsCounted, counted)
        XCTAssertEqual(r.duplicates, 60_000)
        // Older than both bounds: counted again, and its spend with it.
        let spend = r.sum(.total, fromMinute: Self.start / 60_000, toMinute: Self.start / 60_000 + 600).values.first?.spend ?? 0
        r.ingest(events[0])
        XCTAssertEqual(r.eventsCounted, counted + 1)
        XCTAssertEqual(r.sum(.total, fromMinute: Self.start / 60_000, toMinute: Self.start / 60_000 + 600).values.first?.spend ?? 0,
                       spend + 0.01, accuracy: 1e-9)
    }

    /// A table big enough for 10/7 of keepLast is swept when full instead of doubling: 216,000 ids with keepLast
    /// 50,000 stay in 131,072 slots (where doubling went to 262,144), and the newest 50,000 are still all known.
    func testAFullTableIsSweptInsteadOfDoubling() {
        let events = traffic()
        let r = rollup(DedupeHorizon(minutes: 1, keepLast: 50_000))
        var largest = 0
        for e in events {
            r.ingest(e)
            largest = max(largest, r.dedupe.hashes.count)
        }
        XCTAssertEqual(largest, 131_072)
        XCTAssertGreaterThan(r.dedupeForgotten, 0)
        let counted = r.eventsCounted
        for e in events.suffix(50_000) { r.ingest(e) }
        XCTAssertEqual(r.eventsCounted, counted)
        XCTAssertEqual(r.duplicates, 50_000)
    }

    /// Without retention a sweep waits for 10/7 of keepLast: the first 180,000 ids with keepLast 120,000 forget none
    /// (a sweep past keepLast at the 131,072 check would have), and a replay of them is then exact.
    func testWithoutRetentionNothingIsForgottenUnderTenSeventhsOfKeepLast() {
        let events = Array(traffic().prefix(180_000))
        let r = rollup(DedupeHorizon(minutes: 1, keepLast: 120_000))
        for e in events { r.ingest(e) }
        XCTAssertEqual(r.dedupeForgotten, 0)
        for e in events { r.ingest(e) }
        XCTAssertEqual(r.eventsCounted, Int64(events.count))
        XCTAssertEqual(r.duplicates, Int64(events.count))
    }

    func testUnderTheFloorNothingIsForgottenWhateverTheSpan() {
        // 2,000 ids over two days with a 1 h horizon: far below the sweep floor, so every id is kept and a
        // whole-file replay (the same file given twice) is exact.
        let r = rollup(DedupeHorizon())
        let events = (0..<2_000).map { event($0, at: Self.start + Int64($0) * 86_400) }
        for e in events + events { r.ingest(e) }
        XCTAssertEqual(r.eventsCounted, 2_000)
        XCTAssertEqual(r.duplicates, 2_000)
        XCTAssertEqual(r.dedupeForgotten, 0)
    }

    /// Found in review: minutes were kept in 32 bits, so a year-9999 timestamp's minute wrapped to look like
    /// the oldest and its id was swept while inside the horizon.
    func testFarFutureIdsAreJudgedByTheirRealMinute() {
        let r = rollup(DedupeHorizon(minutes: 60, keepLast: 10))
        let far: Int64 = 253_370_764_800_000  // 9999-01-01T00:00Z
        r.ingest(event(-1, at: far))
        for i in 0..<70_000 { r.ingest(event(i, at: far + 60_000)) }
        r.ingest(event(70_000, at: far + 120_000))
        r.ingest(event(-1, at: far + 120_000))
        XCTAssertEqual(r.duplicates, 1, "two minutes later is inside the hour")
        XCTAssertEqual(r.dedupeForgotten, 0)
    }

    /// Found in review: the sweep ran only when the newest minute moved, so a file read newest first kept
    /// every id. It also runs when the table passes its threshold on insert.
    func testNewestFirstInputIsBoundedToo() {
        let r = rollup(DedupeHorizon(minutes: 1, keepLast: 0))
        for i in (0..<300_000).reversed() { r.ingest(event(i, at: Self.start + Int64(i) * 1_000)) }
        XCTAssertEqual(r.eventsCounted, 300_000)
        XCTAssertGreaterThan(r.dedupeForgotten, 150_000)
        XCTAssertLessThan(r.dedupe.count, 140_000)
    }

    /// A part of a parallel read keeps its ids untimed (no minutes) until a sweep needs them. Past the sweep point it
    /// takes them all as seen at the newest minute, so it never forgets one inside the horizon, and then sweeps as
    /// a timed table does: bounded, and exact for duplicates of the newest ids.
    func testAnUntimedTableGetsItsMinutesWhenASweepNeedsThem() {
        let events = traffic()
        let horizon = DedupeHorizon(minutes: 1, keepLast: 50_000)
        let untimed = rollup(horizon), timed = rollup(horizon)
        untimed.reserveRequestIDs(60_000, untimed: true)
        timed.reserveRequestIDs(60_000)
        XCTAssertFalse(untimed.dedupe.keepsMinutes)
        XCTAssertEqual(untimed.dedupe.memoryBytes * 3, timed.dedupe.memoryBytes * 2, "8 bytes a slot, not 12")
        var replays = 0
        for (i, e) in events.enumerated() {
            untimed.ingest(e)
            timed.ingest(e)
            if i == 60_000 { XCTAssertFalse(untimed.dedupe.keepsMinutes, "under 10/7 of keepLast: no sweep yet") }
            // A retry of the request 30 s of traffic back (600 requests): inside every bound.
            if i >= 600 && i % 499 == 0 {
                untimed.ingest(events[i - 600])
                timed.ingest(events[i - 600])
                replays += 1
            }
        }
        XCTAssertTrue(untimed.dedupe.keepsMinutes)
        XCTAssertGreaterThan(untimed.dedupeForgotten, 0, "swept once its minutes were known")
        XCTAssertLessThan(untimed.dedupe.count, 140_000)
        XCTAssertEqual(untimed.eventsCounted, Int64(events.count))
        XCTAssertEqual(untimed.duplicates, Int64(replays))
        XCTAssertEqual(untimed.counters.duplicates, timed.counters.duplicates)
        // It may keep an id longer than the timed table (taken as newer than it was), never shorter.
        XCTAssertLessThanOrEqual(untimed.dedupeForgotten, timed.dedupeForgotten)
        let counted = untimed.eventsCounted
        for e in events.suffix(50_000) { untimed.ingest(e) }
        XCTAssertEqual(untimed.eventsCounted, counted, "the newest 50,000 are all still known")
    }

    func testRetentionStillBoundsTheIdsKept() {
        // With a 10-minute retention, ids older than it are useless (their events are refused as expired):
        // kept ids never reach far behind retention, whatever keepLast says.
        var o = Rollup.Options()
        o.retentionMinutes = 10
        o.groupings = [.total]
        o.dedupe = DedupeHorizon(minutes: 60, keepLast: 10_000_000)
        let r = Rollup(options: o)
        for e in traffic() { r.ingest(e) }
        XCTAssertLessThan(r.dedupe.count, 2 * 65_536 + 20 * 60 * 20)
        XCTAssertGreaterThan(r.dedupeForgotten, 0)
    }
}

/// The dedupe table itself: every inserted id is found across growth and filtering, no other id is.
final class RequestIDSetTests: XCTestCase {
    /// Tables of megabytes get the huge-page hint before their first write: they must still start all empty,
    /// at every size around the hint's 4 MB threshold and its 2 MB alignment.
    func testLargeTablesStartEmptyWhateverTheirMemoryHint() {
        for n in [1, 1 << 16, (1 << 19) - 3, 1 << 19, (1 << 21) + 5] {
            let hashes: ContiguousArray<UInt64> = RequestIDSet.zeroed(n)
            let minutes: ContiguousArray<UInt32> = RequestIDSet.zeroed(n)
            XCTAssertEqual(hashes.count, n)
            XCTAssertEqual(minutes.count, n)
            XCTAssertTrue(hashes.allSatisfy { $0 == 0 } && minutes.allSatisfy { $0 == 0 }, "\(n) slots")
        }
        var set = RequestIDSet(capacity: 3_000_000)
        XCTAssertTrue(set.insert(42, minute: 7))
        XCTAssertFalse(set.insert(42, minute: 8))
        XCTAssertTrue(set.contains(42))
        XCTAssertFalse(set.contains(43))
    }

    /// An untimed table finds what it holds across growth like a timed one, reports its ids as never swept, and
    /// once given minutes holds every id at that minute, ready to filter.
    func testAnUntimedTableGrowsAndTakesItsMinutesLater() {
        var rng = SeededGenerator(seed: 0x7135)
        var set = RequestIDSet(capacity: 4, keepsMinutes: false)
        var ids: [UInt64] = []
        for i in 0..<20_000 {
            let h = UInt64.random(in: 1...UInt64.max, using: &rng)
            XCTAssertTrue(set.insert(h, minute: Int64(i)))
            ids.append(h)
        }
        XCTAssertFalse(set.keepsMinutes, "growth keeps the table untimed")
        XCTAssertEqual(set.count, 20_000)
        for h in ids { XCTAssertFalse(set.insert(h, minute: 0)) }
        set.set(ids[3], minute: 5)
        XCTAssertEqual(set.count, 20_000)
        var never = 0
        set.forEach { _, m in if m == .max { never += 1 } }
        XCTAssertEqual(never, 20_000)
        set.startKeepingMinutes(at: 900)
        XCTAssertTrue(set.keepsMinutes)
        XCTAssertTrue(set.insert(7, minute: 1_000))
        var at900 = 0
        set.forEach { h, m in if m == 900 { at900 += 1 } else { XCTAssertEqual(h, 7); XCTAssertEqual(m, 1_000) } }
        XCTAssertEqual(at900, 20_000)
        set.filter { $0 >= 950 }
        XCTAssertEqual(set.count, 1)
        XCTAssertTrue(set.contains(7))
        XCTAssertFalse(set.contains(ids[0]))
    }

    func testIdsSurviveGrowthAndFilterAndOthersAreNotFound() {
        var rng = SeededGenerator(seed: 0x1D5E7)
        var set = RequestIDSet(capacity: 4)
        var ids: [(UInt64, Int64)] = []
        for i in 0..<50_000 {
            let h = UInt64.random(in: 1...UInt64.max, using: &rng)
            XCTAssertTrue(set.insert(h, minute: Int64(i / 100)))
            ids.append((h, Int64(i / 100)))
        }
        XCTAssertEqual(set.count, 50_000)
        XCTAssertLessThanOrEqual(Double(set.count), Double(set.hashes.count) * 0.7, "grown at 70% load")
        for (h, _) in ids { XCTAssertFalse(set.insert(h, minute: 0)) }
        XCTAssertEqual(set.count, 50_000, "a second insert changes nothing")
        for _ in 0..<10_000 { XCTAssertFalse(set.contains(UInt64.random(in: 1...UInt64.max, using: &rng))) }
        set.filter { $0 >= 250 }
        XCTAssertEqual(set.count, 25_000)
        for (h, m) in ids { XCTAssertEqual(set.contains(h), m >= 250) }
        var seen = 0
        set.forEach { _, m in XCTAssertGreaterThanOrEqual(m, 250); seen += 1 }
        XCTAssertEqual(seen, 25_000)
        set.set(ids[0].0, minute: 9)
        set.set(ids[499].0, minute: 7)  // both older than the filter: added back
        XCTAssertTrue(set.contains(ids[0].0))
        XCTAssertEqual(set.count, 25_002)
    }

    /// A sweep that keeps most ids filters in place (no second table): every kept id must still be found
    /// through the re-placed probe paths, across the table's wrap-around, and a dropped one not.
    func testFilterInPlaceKeepsEveryProbePathWhole() {
        var rng = SeededGenerator(seed: 0xF117E)
        for round in 0..<300 {
            var set = RequestIDSet(capacity: 100 << (round % 4))
            let slots = set.hashes.count
            var ids: [(UInt64, Int64)] = []
            while set.count < set.limit {
                let h = UInt64.random(in: 1...UInt64.max, using: &rng)
                let m = Int64.random(in: 0..<100, using: &rng)
                if set.insert(h, minute: m) { ids.append((h, m)) }
            }
            let cut = Int64(5 + round % 7 * 5)
            set.filter { $0 >= cut }
            XCTAssertEqual(set.hashes.count, slots, "kept in the same table")
            XCTAssertEqual(set.count, ids.filter { $0.1 >= cut }.count)
            for (h, m) in ids { XCTAssertEqual(set.contains(h), m >= cut, "round \(round)") }
            var seen = 0
            set.forEach { _, m in XCTAssertGreaterThanOrEqual(m, cut); seen += 1 }
            XCTAssertEqual(seen, set.count)
        }
    }

    /// Minutes are kept in 32 bits: they must come back as given across the years a timestamp can name, keep
    /// their order past that, and a preseeded id (`Int64.max`, never swept) must stay newer than every minute.
    func testMinutesRoundTripAndKeepTheirOrder() {
        let year9999 = Int64(253_402_300_799) / 60, year1970: Int64 = 0, year1950: Int64 = -10_519_200
        let exact: [Int64] = [year1950, year1970, 29_380_000, year9999, .max]
        var set = RequestIDSet(capacity: 8)
        for (i, m) in exact.enumerated() { _ = set.insert(UInt64(i + 1), minute: m) }
        var back: [UInt64: Int64] = [:]
        set.forEach { h, m in back[h] = m }
        for (i, m) in exact.enumerated() { XCTAssertEqual(back[UInt64(i + 1)], m) }
        let far: [Int64] = [.min, -1 << 40, year1950, year9999, 1 << 40, .max - 1, .max]
        let codes = far.map(RequestIDSet.MinuteCode.encode)
        XCTAssertEqual(codes, codes.sorted(), "order kept, clamped at both ends")
        XCTAssertLessThan(codes[5], codes[6], "only Int64.max is the never-swept code")
    }
}
