import Foundation
import XCTest
@testable import SpendCore
@testable import SpendIO
import TestSupport

/// Issue 12 point 1: a replay of every stored event (a changed price table, no usable checkpoint) runs on the
/// ingest thread when the console asks (`replaysInBackground`): readers get in between its pages, the header
/// says it is running, and the rollup it ends with is the one a replay in `init` builds.
extension CheckpointTests {

    /// What the page hook saw, from the ingest thread with no lock held.
    final class Seen: @unchecked Sendable {
        let lock = NSLock()
        weak var ingest: LiveIngest?
        var statuses: [String] = []
        var counted: [Int64] = []
        var pages: [Int] = []
        /// Signalled at the first page; the hook then waits for `resume` (nil: it never waits).
        let reached = DispatchSemaphore(value: 0)
        var resume: DispatchSemaphore?
    }

    func backgroundIngest(_ store: String, prices: PriceTable, seen: Seen, aside: Bool = false) throws -> LiveIngest {
        let rollup = storeRollup(prices: prices)  // as `read` and `fullReplay` build it
        var o = storeOptions(store)
        o.replaysInBackground = true
        o.replayPageSize = 250
        o.checkpointsAfterReplay = aside
        o.onReplayPage = { n in
            seen.lock.lock()
            let ingest = seen.ingest, first = seen.pages.isEmpty
            seen.pages.append(n)
            seen.lock.unlock()
            // A reader between two pages: the console's refresh.
            let status = ingest?.storeStatus ?? "", counted = ingest?.read { $0.counters.eventsCounted } ?? -1
            seen.lock.lock()
            seen.statuses.append(status)
            seen.counted.append(counted)
            let resume = seen.resume
            seen.lock.unlock()
            if first, let resume {
                seen.reached.signal()
                resume.wait()
            }
        }
        let ingest = try LiveIngest(sources: [], rollup: rollup, options: o)
        seen.ingest = ingest
        return ingest
    }

    func dearer() -> PriceTable {
        var prices = PriceTable.bundled.prices
        prices["gpt-4o"]?.input *= 3
        return PriceTable(prices: prices)
    }

    func testABackgroundReplayLetsReadersInSaysSoAndEndsWithTheWholeReplay() throws {
        let file = temp("events.jsonl"), store = temp("spend.db")
        try write(HardTraffic(seed: 21).bytes(count: 3_000), to: file, store: store)
        let prices = dearer()
        let reference = try fullReplay(store, prices: prices)
        let total = Int(reference.eventsCounted)
        XCTAssertGreaterThan(total, 2_000)

        let seen = Seen()
        let ingest = try backgroundIngest(store, prices: prices, seen: seen)
        XCTAssertEqual(ingest.replayedEvents, 0, "init leaves the replay to the ingest thread")
        XCTAssertTrue(ingest.storeStatus?.hasPrefix("store: replaying its events, row 0 of ~") == true,
                      ingest.storeStatus ?? "no status")
        ingest.start()
        XCTAssertTrue(ingest.waitUntilIdle(timeout: 60), "the replay ends and the feed is idle")
        ingest.stop()

        seen.lock.lock()
        let statuses = seen.statuses, counted = seen.counted, pages = seen.pages
        seen.lock.unlock()
        XCTAssertGreaterThan(pages.count, 5, "a page at a time")
        XCTAssertEqual(pages, pages.sorted())
        XCTAssertTrue(statuses.allSatisfy { $0.hasPrefix("store: replaying its events, ") }, "\(statuses.prefix(3))")
        XCTAssertTrue(statuses.first?.contains("row 250 of ~") == true, statuses.first ?? "")
        XCTAssertTrue(statuses.first?.hasSuffix("totals are partial until it ends") == true)
        XCTAssertEqual(counted, counted.sorted(), "readers see the totals grow")
        XCTAssertLessThan(counted.first ?? .max, Int64(total), "partial while it runs")
        XCTAssertEqual(ingest.replayedEvents, total)
        XCTAssertNil(ingest.storeStatus, "nothing to say once it is done")
        XCTAssertEqual(ingest.storeReplay?.fullReplayReason, "the price table changed since the checkpoint")
        XCTAssertEqual(ingest.read { RollupDifferences.between(reference, $0 as! Rollup) }, [])
    }

    func testAReplayStoppedPartWayCountsNoMoreAndSavesNoCheckpoint() throws {
        let file = temp("events.jsonl"), store = temp("spend.db")
        try write(HardTraffic(seed: 22).bytes(count: 3_000), to: file, store: store)
        let prices = dearer()
        let total = Int(try fullReplay(store, prices: prices).eventsCounted)

        let seen = Seen()
        seen.resume = DispatchSemaphore(value: 0)
        let ingest = try backgroundIngest(store, prices: prices, seen: seen, aside: true)
        ingest.start()
        XCTAssertEqual(seen.reached.wait(timeout: .now() + 60), .success, "the first page was read")
        // Quitting while it runs: stop() (on a thread of its own, as it joins the ingest thread) raises the flag,
        // then the replay goes on from its page and finds it.
        let stopped = DispatchGroup()
        DispatchQueue.global().async(group: stopped) { ingest.stop() }
        let deadline = Date(timeIntervalSinceNow: 30)
        while !ingest.isStopping && Date() < deadline { usleep(1_000) }
        XCTAssertTrue(ingest.isStopping)
        seen.resume?.signal()
        XCTAssertEqual(stopped.wait(timeout: .now() + 60), .success, "stop() returned")
        XCTAssertEqual(ingest.replayedEvents, 250, "it stopped after the page it was on")
        XCTAssertLessThan(ingest.read { $0.counters.eventsCounted }, Int64(total))
        // A reader that had replayed everything would have saved its checkpoint; a stopped one left the writer's.
        let (_, again) = try read(store, prices: prices)
        XCTAssertEqual(again.fullReplayReason, "the price table changed since the checkpoint")
    }
}

extension CheckpointTests {
    /// A replay that fails part way in a console that writes the store (it has a source): the header says so
    /// and the source's events wait, neither counted nor saved (with their positions), so none is lost for good.
    func testAFailedReplayInAWriterLetsNoSourceEventThroughAndSavesNothing() throws {
        let file = temp("events.jsonl"), store = temp("spend.db"), more = temp("more.jsonl")
        try write(HardTraffic(seed: 23).bytes(count: 2_000), to: file, store: store)
        try HardTraffic(seed: 24).bytes(count: 300).write(to: URL(fileURLWithPath: more))
        func text(_ sql: String) throws -> String {
            let s = try SQLiteDatabase(path: store, readOnly: true).prepare(sql)
            return try s.step() ? s.text(0) ?? "" : "none"
        }
        func positions() throws -> String {
            try text("SELECT coalesce(group_concat(key || '=' || value, ','), '') FROM positions")
        }
        func checkpoint() throws -> String { try text("SELECT written_ms || ':' || event_rowid FROM checkpoint") }
        let positionsBefore = try positions(), checkpointBefore = try checkpoint()
        XCTAssertFalse(positionsBefore.isEmpty, "the writer saved its file's position")
        let seen = Seen()
        var o = storeOptions(store)
        o.follow = false
        o.replaysInBackground = true
        o.replayPageSize = 250
        // After the first page the events table goes (another program, a broken disk): the next page fails.
        o.onReplayPage = { n in
            seen.lock.lock()
            let first = seen.pages.isEmpty
            seen.pages.append(n)
            seen.lock.unlock()
            if first {
                do {
                    try SQLiteDatabase(path: store, readOnly: false).execute("DROP TABLE events")
                } catch {
                    seen.lock.lock(); seen.statuses.append("DROP failed: \(error)"); seen.lock.unlock()
                }
            }
        }
        // Other prices: the writer's checkpoint does not fit, every row is replayed, a page at a time.
        let ingest = try LiveIngest(sources: [(.file(more), SourceSettings())],
                                    rollup: storeRollup(prices: dearer()), options: o)
        ingest.start()
        let deadline = Date(timeIntervalSinceNow: 30)
        while ingest.storeStatus?.hasPrefix("store: replay failed") != true && Date() < deadline { usleep(1_000) }
        let status = try XCTUnwrap(ingest.storeStatus)
        XCTAssertTrue(status.hasPrefix("store: replay failed ("), status)
        XCTAssertTrue(status.hasSuffix("totals are partial, the sources wait"), status)
        ingest.stop()
        XCTAssertEqual(seen.statuses, [], "the table was dropped")
        XCTAssertEqual(ingest.read { $0.counters.eventsCounted }, 250, "the first page only: no source event")
        XCTAssertEqual(ingest.sources.first?.stats.events ?? -1, 0, "the source's events were not counted")
        XCTAssertEqual(try positions(), positionsBefore, "no position saved for events never saved")
        XCTAssertEqual(try checkpoint(), checkpointBefore, "no checkpoint of the partial rollup")
    }
}
