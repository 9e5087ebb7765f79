import Foundation
import XCTest
@testable import SpendCore
@testable import SpendIO
import TestSupport

/// Issue 12 point 1: start-up from a checkpoint, not a replay. A checkpoint and the events after it must give
/// the rollup a replay of every event gives, cell by cell, and then go on deduplicating alike; a checkpoint that
/// does not fit (other prices, damage, missing minutes) is refused with a reason and every event is replayed.
final class CheckpointTests: XCTestCase {
    var paths: [String] = []

    override func tearDown() {
        for p in paths {
            for suffix in ["", "-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: p + suffix) }
        }
        paths = []
    }

    func temp(_ name: String) -> String {
        let p = NSTemporaryDirectory() + "spendtop-checkpoint-\(UUID().uuidString)-\(name)"
        paths.append(p)
        return p
    }

    static func options(keepLast: Int = 2_000_000) -> Rollup.Options {
        var o = Rollup.Options()
        o.internAllDimensions = true
        o.dedupe = DedupeHorizon(minutes: 30, keepLast: keepLast)
        return o
    }

    /// Hard traffic cut at line boundaries into `parts` pieces.
    static func pieces(_ data: Data, _ parts: Int) -> [Data] {
        var out: [Data] = [], start = data.startIndex
        for k in 1..<parts {
            var cut = data.startIndex + data.count * k / parts
            while cut < data.endIndex && data[cut] != 10 { cut += 1 }
            out.append(data[start...cut])
            start = cut + 1
        }
        out.append(data[start...])
        return out
    }

    static func feed(_ r: Rollup, _ data: Data) {
        let p = EventPipeline(rollup: r, maxLineBytes: 4096)
        data.withUnsafeBytes { p.feed($0) }
        p.finish()
    }

    /// Streaming records whose larger, later record replaces the counted one (supersession, `standing`).
    static func superseding(_ r: Rollup, from start: Int64, count: Int) {
        for i in 0..<count {
            var e = SpendEvent(timestampMs: start + Int64(i) * 7_000, requestID: "stream-\(i % (count / 3 + 1))",
                               feature: "agent-planner", apiKey: "sk-stream-\(i % 5)", model: "claude-sonnet-4-5")
            e.usage = TokenUsage(input: 100 * Int64(i + 1), output: 10)
            e.supersedeRank = UInt64(i + 1)
            r.ingest(e)
        }
    }

    /// Saves checkpoints as the store does: each minute blob replaces the saved one of its minute.
    struct SavedBlobs {
        var state: [UInt8] = []
        var minutes: [Int64: RollupCheckpoint.Minute] = [:]
        mutating func save(_ r: Rollup) {
            state = RollupCheckpoint.state(r)
            for m in RollupCheckpoint.takeChangedMinutes(r) { minutes[m.minute] = m }
            if let oldest = r.oldestMinute { minutes = minutes.filter { $0.key >= oldest } }
        }
        var sorted: [RollupCheckpoint.Minute] { minutes.keys.sorted().map { minutes[$0]! } }
    }

    func testCheckpointAndTheEventsAfterItEqualsReplayingEveryEvent() throws {
        let data = HardTraffic(seed: 41).bytes(count: 9_000)
        let parts = CheckpointTests.pieces(data, 3)
        let full = Rollup(options: CheckpointTests.options())
        let live = Rollup(options: CheckpointTests.options())
        var saved = SavedBlobs()
        for (k, part) in parts.enumerated() {
            for r in [full, live] {
                CheckpointTests.feed(r, part)
                CheckpointTests.superseding(r, from: HardTraffic(seed: 41).startMs + Int64(k) * 3_000_000, count: 40)
            }
            if k < 2 { saved.save(live) }  // two checkpoints; the second rewrites only what changed
        }
        XCTAssertGreaterThan(full.duplicates, 100, "the traffic repeats request ids")
        XCTAssertGreaterThan(full.superseded, 20, "streaming records replace counted ones")
        XCTAssertGreaterThan(full.standing.count, 0)

        // Restart after the second checkpoint: restore, then read the last part as a replay would.
        let restarted = Rollup(options: CheckpointTests.options())
        try RollupCheckpoint.restore(restarted, state: saved.state, minutes: saved.sorted)
        XCTAssertGreaterThan(restarted.buckets.count, 100)
        CheckpointTests.feed(restarted, parts[2])
        CheckpointTests.superseding(restarted, from: HardTraffic(seed: 41).startMs + 6_000_000, count: 40)
        XCTAssertEqual(RollupDifferences.between(full, restarted), [])

        // Both go on alike: repeats of ids they hold are duplicates, a later streaming record supersedes.
        let again = CheckpointTests.pieces(HardTraffic(seed: 41).bytes(count: 9_000), 3)[1]
        for r in [full, restarted] {
            CheckpointTests.feed(r, again)
            CheckpointTests.superseding(r, from: HardTraffic(seed: 41).startMs + 6_000_000, count: 60)
        }
        XCTAssertEqual(RollupDifferences.between(full, restarted), [])
        XCTAssertEqual(full.counters, restarted.counters)
    }

    func testFoldedValuesAndTheirCountsSurviveARestore() throws {
        // A small cardinality cap folds the long tail of keys into (other) before and after the checkpoint.
        var o = CheckpointTests.options()
        o.cardinality = 10
        let parts = CheckpointTests.pieces(HardTraffic(seed: 21).bytes(count: 9_000), 2)
        let full = Rollup(options: o), live = Rollup(options: o)
        for r in [full, live] { CheckpointTests.feed(r, parts[0]) }
        var saved = SavedBlobs()
        saved.save(live)
        XCTAssertGreaterThan(live.interner(.apiKey).foldedEvents, 2_000,
                             "more folded events than the state has bytes after them")
        let restarted = Rollup(options: o)
        try RollupCheckpoint.restore(restarted, state: saved.state, minutes: saved.sorted)
        for r in [full, restarted] { CheckpointTests.feed(r, parts[1]) }
        XCTAssertEqual(RollupDifferences.between(full, restarted), [])
        XCTAssertEqual(full.interner(.apiKey).foldedValues, restarted.interner(.apiKey).foldedValues)
        XCTAssertEqual(full.interner(.apiKey).names, restarted.interner(.apiKey).names)
    }

    func testSweptRequestIdsStayForgottenAfterARestore() throws {
        // A small id budget makes the dedupe horizon sweep while the day is read.
        let data = HardTraffic(seed: 7).bytes(count: 12_000)
        let parts = CheckpointTests.pieces(data, 4)
        let full = Rollup(options: CheckpointTests.options(keepLast: 500))
        let live = Rollup(options: CheckpointTests.options(keepLast: 500))
        var saved = SavedBlobs()
        for (k, part) in parts.enumerated() {
            // Sweeps are due once the table doubles past 65,536 ids: here every few hundred new ones.
            for r in [full, live] {
                r.dedupeSweepAt = r.dedupe.count + 300
                CheckpointTests.feed(r, part)
            }
            if k < 3 { saved.save(live) }
        }
        XCTAssertGreaterThan(full.dedupeSweeps, 0, "the horizon swept ids")
        XCTAssertGreaterThan(full.dedupeForgotten, 0)
        let restarted = Rollup(options: CheckpointTests.options(keepLast: 500))
        try RollupCheckpoint.restore(restarted, state: saved.state, minutes: saved.sorted)
        restarted.dedupeSweepAt = restarted.dedupe.count + 300
        CheckpointTests.feed(restarted, parts[3])
        XCTAssertEqual(RollupDifferences.between(full, restarted), [])
        var a: Set<UInt64> = [], b: Set<UInt64> = []
        full.dedupe.forEach { h, _ in a.insert(h) }
        restarted.dedupe.forEach { h, _ in b.insert(h) }
        XCTAssertEqual(a, b, "the restored rollup remembers exactly the ids the running one does")
    }

    func testADamagedOrIncompleteCheckpointIsRefusedAndChangesNothing() throws {
        let r = Rollup(options: CheckpointTests.options())
        CheckpointTests.feed(r, HardTraffic(seed: 3).bytes(count: 2_000))
        var saved = SavedBlobs()
        saved.save(r)
        var minutes = saved.sorted
        XCTAssertGreaterThan(minutes.count, 10)

        var flipped = minutes
        var bytes = flipped[5].bytes
        bytes[bytes.count / 2] ^= 0x10
        flipped[5] = RollupCheckpoint.Minute(minute: flipped[5].minute, sweeps: flipped[5].sweeps, bytes: bytes)
        var state = saved.state
        state[state.count / 3] ^= 0x01
        for (s, m, why) in [(saved.state, flipped, "seal"), (state, minutes, "seal"),
                            (saved.state, Array(minutes.dropLast()), "misses 1"),
                            (Array(saved.state.prefix(5)), minutes, "seal")] {
            let fresh = Rollup(options: CheckpointTests.options())
            XCTAssertThrowsError(try RollupCheckpoint.restore(fresh, state: s, minutes: m)) { error in
                XCTAssertTrue("\(error)".contains(why), "\(error)")
            }
            XCTAssertEqual(fresh.buckets.count, 0, "nothing restored from a refused checkpoint")
            XCTAssertEqual(fresh.counters.eventsCounted, 0)
            XCTAssertEqual(fresh.interner(.feature).names.count, 2)
        }
        // A rollup that has read events already is not overwritten either.
        minutes = saved.sorted
        XCTAssertThrowsError(try RollupCheckpoint.restore(r, state: saved.state, minutes: minutes))
    }

    func testShapeNamesWhatTheCellsDependOn() {
        let base = RollupCheckpoint.shape(of: Rollup(options: CheckpointTests.options()))
        var o = CheckpointTests.options()
        o.cardinality = 500
        XCTAssertNotEqual(RollupCheckpoint.shape(of: Rollup(options: o)), base)
        o = CheckpointTests.options()
        o.groupings = [.total, .by(.model)]
        XCTAssertNotEqual(RollupCheckpoint.shape(of: Rollup(options: o)), base)
        var prices = PriceTable.bundled.prices
        prices["gpt-4o"]?.input *= 2
        XCTAssertNotEqual(RollupCheckpoint.shape(of: Rollup(options: CheckpointTests.options(),
                                                            prices: PriceTable(prices: prices))), base)
        XCTAssertEqual(RollupCheckpoint.shape(of: Rollup(options: CheckpointTests.options())), base)
    }

    static func folded() -> Rollup.Options {
        var o = options()
        o.compaction = [CompactionTier(ageMinutes: 60, spanMinutes: 5)]
        return o
    }

    static func event(_ ms: Int64, _ id: String, rank: UInt64 = 0, input: Int64 = 100,
                      error: Bool = false) -> SpendEvent {
        var e = SpendEvent(timestampMs: ms, requestID: id, feature: "agent-planner", apiKey: "sk-review",
                           model: "claude-sonnet-4-5", usage: TokenUsage(input: input, output: 10), isError: error)
        e.supersedeRank = rank
        return e
    }

    func testFoldedMinutesKeepTheirRequestIDsAndStandingRecordsThroughACheckpoint() throws {
        // Found in review: ids and standing records of minutes 1–4 of a 5-minute cell were left out of its blob.
        let t0: Int64 = 1_795_910_400_000
        let full = Rollup(options: CheckpointTests.folded()), live = Rollup(options: CheckpointTests.folded())
        for r in [full, live] {
            r.ingest(CheckpointTests.event(t0 + 120_000, "req-a"))
            r.ingest(CheckpointTests.event(t0 + 180_000, "stream-b", rank: 1))
            r.ingest(CheckpointTests.event(t0 + 120 * 60_000, "req-later"))
        }
        XCTAssertTrue(live.buckets.values.contains { $0.span == 5 })
        let restarted = Rollup(options: CheckpointTests.folded())
        try RollupCheckpoint.restore(restarted, state: RollupCheckpoint.state(live),
                                     minutes: RollupCheckpoint.takeChangedMinutes(live))
        for r in [full, restarted] {
            r.ingest(CheckpointTests.event(t0 + 120_000, "req-a"))
            r.ingest(CheckpointTests.event(t0 + 180_000, "stream-b", rank: 2, input: 500))
        }
        XCTAssertEqual(full.counters.eventsCounted, restarted.counters.eventsCounted)
        XCTAssertEqual(full.counters.superseded, 1)
        XCTAssertEqual(RollupDifferences.between(full, restarted), [])
    }

    func testAHostileCheckpointBehindAValidSealIsRefused() throws {
        // Found in review: these restored, then crashed the next read.
        let t0: Int64 = 1_795_910_400_000
        let live = Rollup(options: CheckpointTests.options())
        live.ingest(CheckpointTests.event(t0, "a"))
        live.unpricedByModel[999] = 1
        XCTAssertThrowsError(try RollupCheckpoint.restore(Rollup(options: CheckpointTests.options()),
                                                          state: RollupCheckpoint.state(live),
                                                          minutes: RollupCheckpoint.takeChangedMinutes(live))) {
            XCTAssertTrue("\($0)".contains("unknown model"), "\($0)")
        }
        let far = Rollup(options: CheckpointTests.folded())
        far.ingest(CheckpointTests.event(t0, "b"))
        var state = RollupCheckpoint.state(far), minutes = RollupCheckpoint.takeChangedMinutes(far)
        // A minute moved next to Int64.max, resealed: refused, not restored to overflow later.
        var w = BinaryWriter()
        w.signed(Int64.max / 60_000 - 1)
        let rest = try BinaryReader.unsealing(minutes[0].bytes) { r -> [UInt8] in
            _ = try r.signed()
            return Array(UnsafeRawBufferPointer(start: r.base + r.offset, count: r.end - r.offset))
        }
        w.raw(rest)
        let bytes = w.sealed()
        minutes[0] = RollupCheckpoint.Minute(minute: Int64.max / 60_000 - 1, sweeps: 0, bytes: bytes)
        far.buckets[Int64.max / 60_000 - 1] = far.buckets.values.first
        state = RollupCheckpoint.state(far)
        let fresh = Rollup(options: CheckpointTests.folded())
        XCTAssertThrowsError(try RollupCheckpoint.restore(fresh, state: state, minutes: minutes))
        XCTAssertEqual(fresh.buckets.count, 0)
    }

    // MARK: through the store

    /// Writes `data` to a followed-to-its-end file source with the store on (a writer), then stops.
    func write(_ data: Data, to file: String, store: String, checkpointEvery: Double? = 60,
               prices: PriceTable = .bundled, commitEvents: Int = 50_000,
               compaction: [CompactionTier] = []) throws {
        if let h = FileHandle(forWritingAtPath: file) {
            h.seekToEndOfFile()
            h.write(data)
            try h.close()
        } else {
            try data.write(to: URL(fileURLWithPath: file))
        }
        var o = LiveIngest.Options()
        o.follow = false
        o.storePath = store
        o.retentionDays = 3650
        o.checkpointIntervalSeconds = checkpointEvery
        o.commitEvents = commitEvents
        var ro = Rollup.Options()
        ro.internAllDimensions = true
        ro.compaction = compaction
        let ingest = try LiveIngest(sources: [(.file(file), SourceSettings())],
                                    rollup: Rollup(options: ro, prices: prices), options: o)
        ingest.start()
        XCTAssertTrue(ingest.waitUntilIdle(timeout: 60))
        ingest.stop()
    }

    /// The rollup a reader of the store builds (every dimension interned, as the store needs).
    func storeRollup(prices: PriceTable = .bundled, compaction: [CompactionTier] = []) -> Rollup {
        var ro = Rollup.Options()
        ro.internAllDimensions = true
        ro.compaction = compaction
        return Rollup(options: ro, prices: prices)
    }

    /// A live feed's options on `store`, keeping all of the test data's (years-old) events.
    func storeOptions(_ store: String) -> LiveIngest.Options {
        var o = LiveIngest.Options()
        o.storePath = store
        o.retentionDays = 3650
        return o
    }

    /// The console's reading of the store alone.
    func read(_ store: String, prices: PriceTable = .bundled, aside: Bool = false,
              compaction: [CompactionTier] = []) throws -> (Rollup, StoreReplaySummary) {
        let rollup = storeRollup(prices: prices, compaction: compaction)
        var o = storeOptions(store)
        o.checkpointsAfterReplay = aside
        let ingest = try LiveIngest(sources: [], rollup: rollup, options: o)
        ingest.start()
        ingest.stop()
        return (rollup, try XCTUnwrap(ingest.storeReplay))
    }

    /// What replaying every stored event gives.
    func fullReplay(_ store: String, prices: PriceTable = .bundled,
                    compaction: [CompactionTier] = []) throws -> Rollup {
        let rollup = storeRollup(prices: prices, compaction: compaction)
        let s = try SpendStore(path: store, readOnly: true)
        try s.replay(into: rollup, useCheckpoint: false)
        return rollup
    }

    func testStartUpLoadsTheWritersCheckpointThenReplaysOnlyWhatCameAfter() throws {
        let file = temp("events.jsonl"), store = temp("spend.db")
        let parts = CheckpointTests.pieces(HardTraffic(seed: 99).bytes(count: 8_000), 2)
        try write(parts[0], to: file, store: store)                     // saves a checkpoint when it stops
        try write(parts[1], to: file, store: store, checkpointEvery: nil)  // adds events after it, no checkpoint

        let (restored, summary) = try read(store)
        XCTAssertNil(summary.fullReplayReason)
        XCTAssertGreaterThan(summary.checkpointMinutes, 50)
        let afterCheckpoint = try fullReplay(store).counters.eventsCounted - Int64(summary.eventsAfterCheckpoint)
        XCTAssertGreaterThan(summary.eventsAfterCheckpoint, 1_000, "the second writer's events are replayed")
        XCTAssertGreaterThan(afterCheckpoint, 1_000, "the first writer's come from its checkpoint")
        XCTAssertEqual(RollupDifferences.between(try fullReplay(store), restored, storedDuplicates: true), [])
        XCTAssertTrue(summary.text.contains("from a checkpoint of \(summary.checkpointMinutes) minutes"), summary.text)

        // A third writer resumes from the checkpoint, and its checkpoint covers everything.
        try write(Data(), to: file, store: store)
        let (again, second) = try read(store)
        XCTAssertNil(second.fullReplayReason)
        XCTAssertEqual(second.eventsAfterCheckpoint, 0)
        XCTAssertEqual(RollupDifferences.between(try fullReplay(store), again, storedDuplicates: true), [])
    }

    func testAWriterThatCommittedInManyBatchesSavesItsCheckpointWhenItStops() throws {
        // Found by `make tsan` (slower, so commits came before the stop): the stop saved no checkpoint when
        // everything had been committed already.
        let file = temp("events.jsonl"), store = temp("spend.db")
        try write(HardTraffic(seed: 6).bytes(count: 3_000), to: file, store: store, commitEvents: 100)
        let (rollup, summary) = try read(store)
        XCTAssertNil(summary.fullReplayReason)
        XCTAssertEqual(summary.eventsAfterCheckpoint, 0, "the checkpoint covers every committed event")
        XCTAssertEqual(RollupDifferences.between(try fullReplay(store), rollup, storedDuplicates: true), [])
    }

    func testAFoldingWritersCheckpointKeepsOneBlobPerCellAndRestoresExactly() throws {
        // Checkpoints saved while minutes fold: the minutes' own blobs go when their cell is saved.
        let file = temp("events.jsonl"), store = temp("spend.db")
        let tiers = [CompactionTier(ageMinutes: 60, spanMinutes: 5), CompactionTier(ageMinutes: 150, spanMinutes: 15)]
        let parts = CheckpointTests.pieces(HardTraffic(seed: 17).bytes(count: 12_000), 3)
        for part in parts {
            try write(part, to: file, store: store, checkpointEvery: 0, commitEvents: 500, compaction: tiers)
        }
        let (restored, summary) = try read(store, compaction: tiers)
        XCTAssertNil(summary.fullReplayReason)
        XCTAssertEqual(summary.eventsAfterCheckpoint, 0)
        XCTAssertTrue(restored.buckets.values.contains { $0.span == 15 })
        XCTAssertEqual(RollupDifferences.between(try fullReplay(store, compaction: tiers), restored,
                                                 storedDuplicates: true), [])
        let db = try SQLiteDatabase(path: store, readOnly: true)
        let rows = try db.prepare("SELECT count(*) FROM checkpoint_minutes")
        XCTAssertTrue(try rows.step())
        XCTAssertEqual(Int(rows.int(0)), restored.buckets.count, "no blob left for a minute folded into a cell")
    }

    func testAChangedPriceTableReplaysEveryEvent() throws {
        let file = temp("events.jsonl"), store = temp("spend.db")
        try write(HardTraffic(seed: 5).bytes(count: 3_000), to: file, store: store)
        var prices = PriceTable.bundled.prices
        prices["gpt-4o"]?.input *= 3
        let dearer = PriceTable(prices: prices)
        let (rollup, summary) = try read(store, prices: dearer)
        XCTAssertEqual(summary.fullReplayReason, "the price table changed since the checkpoint")
        XCTAssertTrue(summary.text.hasPrefix("every event replayed"), summary.text)
        XCTAssertEqual(RollupDifferences.between(try fullReplay(store, prices: dearer), rollup), [])
        XCTAssertNotEqual(spend(rollup), spend(try fullReplay(store)), "repriced, not the old cells")
    }

    func testAReaderThatReplayedEverythingSavesACheckpointForTheNextStart() throws {
        let file = temp("events.jsonl"), store = temp("spend.db")
        // A writer keeping other groupings (as `check` does) leaves a checkpoint the console cannot use.
        try data(HardTraffic(seed: 8).bytes(count: 4_000), into: store, file: file)
        let (first, one) = try read(store, aside: true)
        XCTAssertEqual(one.fullReplayReason, "checkpoint of other settings")
        let (second, two) = try read(store, aside: true)
        XCTAssertNil(two.fullReplayReason, "the first reader saved its checkpoint")
        XCTAssertEqual(two.eventsAfterCheckpoint, 0)
        XCTAssertEqual(RollupDifferences.between(first, second), [])
        // A damaged minute in the store: refused with its reason, every event replayed, the same cells.
        let db = try SQLiteDatabase(path: store, readOnly: false)
        try db.execute("UPDATE checkpoint_minutes SET cells = substr(cells, 1, 10) || substr(cells, 12)"
                       + " WHERE minute = (SELECT min(minute) FROM checkpoint_minutes)")
        let (third, three) = try read(store)
        XCTAssertEqual(three.fullReplayReason, "damaged checkpoint (blob does not match its seal)")
        XCTAssertEqual(RollupDifferences.between(first, third), [])
    }

    func spend(_ r: Rollup) -> Double {
        let total = r.groupingIndex[.total]!
        return r.buckets.values.reduce(0) { $0 + ($1.tables[total].cells.first?.spend ?? 0) }
    }

    func testAReadersAsideCheckpointNeverMixesWithANewerWritersOne() throws {
        // Found in review: a reader restored C1, a writer then saved C2 and stopped, and the reader's aside wrote its
        // own minutes and cursor over C2's other minutes, which already held rows after that cursor.
        let file = temp("events.jsonl"), store = temp("spend.db")
        let parts = CheckpointTests.pieces(HardTraffic(seed: 99).bytes(count: 6_000), 2)
        try write(parts[0], to: file, store: store)
        try write(parts[1], to: file, store: store, checkpointEvery: nil)
        var ro = Rollup.Options()
        ro.internAllDimensions = true
        var o = LiveIngest.Options()
        o.storePath = store
        o.retentionDays = 3650
        o.checkpointsAfterReplay = true
        let reader = try LiveIngest(sources: [], rollup: Rollup(options: ro), options: o)
        XCTAssertGreaterThan(try XCTUnwrap(reader.storeReplay).eventsAfterCheckpoint, 0)
        var late = ""
        for k in 0..<50 {
            late += #"{"ts":\#(HardTraffic(seed: 99).startMs + 60_000 + Int64(k) * 1_000),"feature":"support-chat","#
                + #""model":"gpt-4o","input_tokens":1000,"output_tokens":10}"# + "\n"
        }
        try write(Data(late.utf8), to: file, store: store)  // a writer saves a newer checkpoint meanwhile
        reader.start()
        reader.stop()  // its aside must not be written over the writer's
        let (restored, summary) = try read(store)
        XCTAssertNil(summary.fullReplayReason)
        XCTAssertEqual(RollupDifferences.between(try fullReplay(store), restored, storedDuplicates: true), [])
    }

    func testAWriterNoticesItsCheckpointWasReplacedByAReadersAndWritesAWholeOne() throws {
        // Found in review: a reader's aside (here of other prices) replaced the checkpoint a running writer builds
        // on, and the writer's next one wrote its changed minutes over the reader's, which then restored silently.
        let file = temp("events.jsonl"), store = temp("spend.db")
        let parts = CheckpointTests.pieces(HardTraffic(seed: 23).bytes(count: 6_000), 2)
        try write(parts[0], to: file, store: store)
        var ro = Rollup.Options()
        ro.internAllDimensions = true
        var o = LiveIngest.Options()
        o.storePath = store
        o.retentionDays = 3650
        o.checkpointIntervalSeconds = 3600
        let writerRollup = Rollup(options: ro)
        let writer = try LiveIngest(sources: [(.file(file), SourceSettings())], rollup: writerRollup, options: o)
        writer.start()
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        h.seekToEndOfFile()
        h.write(parts[1])
        try h.close()
        let expected = try fullReplay(store).counters.eventsCounted
        let deadline = Date(timeIntervalSinceNow: 30)
        while writer.read({ $0.counters.eventsCounted }) <= expected && Date() < deadline { usleep(10_000) }
        XCTAssertTrue(writer.waitUntilCaughtUp(timeout: 30))
        // Committed (every 0.25 s), not checkpointed: wait until the rows are in the store.
        func stored() throws -> Int64 { try fullReplay(store).counters.eventsCounted }
        while try stored() < writer.read({ $0.counters.eventsCounted }) && Date() < deadline {
            usleep(20_000)
        }
        var prices = PriceTable.bundled.prices
        prices["gpt-4o"]?.input *= 3
        let (_, aside) = try read(store, prices: PriceTable(prices: prices), aside: true)
        XCTAssertEqual(aside.fullReplayReason, "the price table changed since the checkpoint")
        XCTAssertEqual(try read(store, prices: PriceTable(prices: prices)).1.fullReplayReason, nil,
                       "the reader's checkpoint is saved")
        writer.stop()
        let (restored, summary) = try read(store)
        XCTAssertNil(summary.fullReplayReason)
        XCTAssertEqual(RollupDifferences.between(try fullReplay(store), restored, storedDuplicates: true), [])
    }

    func data(_ bytes: Data, into store: String, file: String) throws {
        try bytes.write(to: URL(fileURLWithPath: file))
        var ro = Rollup.Options()
        ro.groupings = [.total, .by(.model)]
        ro.retentionMinutes = nil
        ro.internAllDimensions = true
        var o = LiveIngest.Options()
        o.follow = false
        o.storePath = store
        o.retentionDays = 3650
        let ingest = try LiveIngest(sources: [(.file(file), SourceSettings())], rollup: Rollup(options: ro), options: o)
        ingest.start()
        XCTAssertTrue(ingest.waitUntilIdle(timeout: 60))
        ingest.stop()
    }
}
