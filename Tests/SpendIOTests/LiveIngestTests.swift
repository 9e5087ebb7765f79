import Foundation
import XCTest
import SpendCore
@testable import SpendIO

/// LiveIngest in-process over real files, a real SQLite store and a real local HTTP server.
final class LiveIngestTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var servers: [Process] = []
    var ingests: [LiveIngest] = []
    var dirs: [String] = []

    override func tearDown() {
        for i in ingests { i.stop() }
        ingests = []
        for s in servers where s.isRunning { s.terminate(); s.waitUntilExit() }
        servers = []
        for d in dirs { try? FileManager.default.removeItem(atPath: d) }
        dirs = []
    }

    func scratch() throws -> String {
        let d = NSTemporaryDirectory() + "spendtop-ingest-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        dirs.append(d)
        return d
    }

    func serve(_ args: [String]) throws -> Int {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", LiveIngestTests.root.appendingPathComponent("scripts/testservers/serve.py").path] + args
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        servers.append(p)
        var line = Data()
        while true {
            let b = out.fileHandleForReading.readData(ofLength: 1)
            if b.isEmpty || b == Data("\n".utf8) { break }
            line.append(b)
        }
        return try XCTUnwrap(Int(String(decoding: line, as: UTF8.self)))
    }

    func rollup() -> Rollup {
        var o = Rollup.Options()
        o.retentionMinutes = nil
        o.internAllDimensions = true
        return Rollup(options: o)
    }

    func line(_ i: Int, feature: String = "f") -> String {
        "{\"ts\":\"2026-11-28T10:00:00Z\",\"request_id\":\"r\(i)\",\"feature\":\"\(feature)\(i % 3)\",\"model\":\"gpt-4o\",\"cost_usd\":0.001}\n"
    }

    func start(_ specs: [SourceSpec], rollup: Rollup, store: String?, follow: Bool, settings: SourceSettings = SourceSettings(),
               queueBytes: Int = 32 << 20) throws -> LiveIngest {
        var o = LiveIngest.Options()
        o.follow = follow
        o.storePath = store
        o.queueBytes = queueBytes
        o.retentionDays = 100_000
        let ingest = try LiveIngest(sources: specs.map { ($0, settings) }, rollup: rollup, options: o)
        ingests.append(ingest)
        ingest.start()
        return ingest
    }

    func waitFor(_ timeout: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline { if condition() { return true }; usleep(5_000) }
        return condition()
    }

    /// A partial last line is held back, the position saved before it; after a restart the line
    /// completes and counts once, and a request id seen before the restart is a duplicate.
    func testStoreResumesAtSavedPositionAndDedupesAcrossRestarts() throws {
        let dir = try scratch()
        let path = dir + "/events.jsonl", store = dir + "/spend.db"
        let partial = line(100)
        try ((0..<100).map { line($0) }.joined() + partial.prefix(30)).write(toFile: path, atomically: true, encoding: .utf8)
        let first = rollup()
        let a = try start([.file(path)], rollup: first, store: store, follow: true)
        XCTAssertTrue(waitFor { a.read { $0.counters.eventsCounted } == 100 })
        XCTAssertTrue(a.waitUntilCaughtUp(timeout: 5))
        XCTAssertEqual(a.sources[0].state, .live)
        a.stop()
        a.stop()  // safe twice

        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile()
        h.write(Data((partial.dropFirst(30) + (101..<150).map { line($0) }.joined()).utf8))
        try h.close()
        // Another file repeats ten request ids from before the restart.
        try (90..<100).map { line($0) }.joined().write(toFile: dir + "/again.jsonl", atomically: true, encoding: .utf8)

        let second = rollup()
        let b = try start([.file(path), .file(dir + "/again.jsonl")], rollup: second, store: store, follow: false)
        XCTAssertEqual(b.replayedEvents, 100)
        XCTAssertTrue(b.waitUntilIdle(timeout: 10))
        b.stop()
        XCTAssertEqual(second.eventsCounted, 150)
        XCTAssertEqual(b.sources[0].stats.events, 50, "resumed after the 100 stored events, the held-back line included")
        XCTAssertEqual(b.sources[1].stats.duplicates, 10)
        XCTAssertEqual(b.sources[0].state, .ended)
        let spend = try second.rows(ViewQuery(groupBy: .feature, window: .all), wallMs: 0)
        XCTAssertEqual(spend.total.spend, 0.150, accuracy: 1e-9)
        XCTAssertEqual(Set(spend.rows.map(\.name)), ["f0", "f1", "f2"])
    }

    /// A queue far smaller than the input makes the file source wait; nothing is lost.
    func testTinyQueueAppliesBackpressureWithoutLoss() throws {
        let dir = try scratch()
        let path = dir + "/big.jsonl"
        try (0..<20_000).map { line($0) }.joined().write(toFile: path, atomically: true, encoding: .utf8)
        let r = rollup()
        let ingest = try start([.file(path)], rollup: r, store: nil, follow: false, queueBytes: 4096)
        XCTAssertTrue(ingest.waitUntilIdle(timeout: 30))
        ingest.stop()
        XCTAssertEqual(r.eventsCounted, 20_000)
        XCTAssertEqual(ingest.sources[0].stats.rejected, 0)
    }

    func testBoundedQueueBlocksAProducerUntilThereIsRoom() {
        let q = BoundedQueue<Int>(capacityBytes: 100)
        XCTAssertTrue(q.push(1, cost: 60))
        let done = expectation(description: "second push")
        final class Box: @unchecked Sendable { let lock = NSLock(); var pushed = false }
        let box = Box()
        Thread.detachNewThread {
            q.push(2, cost: 60)
            box.lock.lock(); box.pushed = true; box.lock.unlock()
            done.fulfill()
        }
        XCTAssertTrue(q.waitForWaitingProducers(1, timeout: 10), "over budget: the producer waits in push")
        box.lock.lock(); XCTAssertFalse(box.pushed, "over budget: the producer waits"); box.lock.unlock()
        XCTAssertEqual(q.pop(timeout: 1), 1)
        wait(for: [done], timeout: 5)
        XCTAssertEqual(q.pop(timeout: 1), 2)
        q.close()
        XCTAssertFalse(q.push(3, cost: 1))
        XCTAssertNil(q.pop(timeout: 0.01))
    }

    /// A popped batch is freed at once, not when the queue next compacts (memory stays bounded).
    func testBoundedQueueReleasesPoppedItems() {
        final class Payload {}
        let q = BoundedQueue<Payload>(capacityBytes: 1 << 20)
        weak var watched: Payload?
        do {
            let p = Payload()
            watched = p
            q.push(p, cost: 10)
            q.push(Payload(), cost: 10)
        }
        XCTAssertNotNil(watched)
        _ = q.pop(timeout: 1)
        XCTAssertNil(watched, "the queue kept a reference to a popped batch")
    }

    /// Followed scrapes turn the vLLM prefix-cache counters into a hit rate per interval.
    func testPrometheusCountersBecomeRatesAcrossScrapes() throws {
        let page = LiveIngestTests.root.appendingPathComponent("Tests/SpendCoreTests/Fixtures/dcgm-vllm-metrics.prom").path
        let port = try serve(["prom", "--page", page])
        var settings = SourceSettings()
        settings.scrapeIntervalSeconds = 0.05
        let r = Rollup()
        let ingest = try start([.prometheus("http://127.0.0.1:\(port)/metrics")], rollup: r, store: nil, follow: true, settings: settings)
        XCTAssertTrue(waitFor { ingest.read { $0.counters.gpuSamples } >= 9 }, "three scrapes of three GPUs")
        ingest.stop()
        let rows = r.gpus(ViewQuery(groupBy: nil, window: .all), wallMs: Int64(Date().timeIntervalSince1970 * 1000))
        let engine = try XCTUnwrap(rows.first { $0.name.hasSuffix(":vllm0") })
        XCTAssertEqual(engine.measures.prefixCacheHitRate ?? -1, 0.75, accuracy: 1e-12)
        XCTAssertEqual(engine.measures.kvCachePct ?? -1, 63, accuracy: 1e-9)
        XCTAssertEqual(ingest.sources[0].stats.formats["prometheus"].map { $0 >= 3 }, true)
    }

    /// A source that cannot connect says so and retries on a backoff, visible as state.
    func testUnreachableStreamShowsRetryingWithTheError() throws {
        // A port that was just free: nothing listens there.
        let port = try serve(["garbage"])
        servers.last!.terminate(); servers.last!.waitUntilExit()
        var settings = SourceSettings()
        // A backoff of at least 30 s (60 s × jitter 0.5–1): returning well within it means stop woke the sleep.
        settings.backoffBaseSeconds = 60
        settings.backoffCapSeconds = 60
        let ingest = try start([.http("http://127.0.0.1:\(port)/")], rollup: Rollup(), store: nil, follow: true, settings: settings)
        XCTAssertTrue(waitFor {
            if case .retrying = ingest.sources[0].state { return ingest.sources[0].lastError != nil }
            return false
        }, "\(ingest.sources)")
        let t0 = Date()
        ingest.stop()
        XCTAssertLessThan(Date().timeIntervalSince(t0), 25, "stop interrupts the backoff sleep (30–60 s)")
    }

    /// Another spendtop's store, read as a `sqlite:` source while it is written; the reader's
    /// totals match and its dimension names (masked keys included) come across.
    func testAnotherStoreIsFollowedAsASQLiteSource() throws {
        let dir = try scratch()
        let path = dir + "/events.jsonl", store = dir + "/spend.db"
        try (0..<300).map { line($0, feature: "s") }.joined().write(toFile: path, atomically: true, encoding: .utf8)
        let writer = try start([.file(path)], rollup: rollup(), store: store, follow: true)
        let readerRollup = rollup()
        var settings = SourceSettings()
        settings.sqlitePollSeconds = 0.02
        let reader = try start([.sqlite(path: store, table: nil)], rollup: readerRollup, store: nil, follow: true, settings: settings)
        XCTAssertTrue(waitFor { reader.read { $0.counters.eventsCounted } == 300 }, "\(reader.sources)")
        let more = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        more.seekToEndOfFile()
        more.write(Data((300..<400).map { line($0, feature: "s") }.joined().utf8))
        try more.close()
        XCTAssertTrue(waitFor { reader.read { $0.counters.eventsCounted } == 400 }, "\(reader.sources)")
        writer.stop()
        reader.stop()
        let rows = try readerRollup.rows(ViewQuery(groupBy: .feature, window: .all), wallMs: 0)
        XCTAssertEqual(Set(rows.rows.map(\.name)), ["s0", "s1", "s2"])
        XCTAssertEqual(rows.total.spend, 0.4, accuracy: 1e-9)
        XCTAssertEqual(reader.sources[0].stats.events, 400)
    }

    /// A writer holding an exclusive lock makes the SpendLogs source wait, not fail or flood errors.
    func testLockedDatabaseIsRetriedQuietly() throws {
        let dir = try scratch()
        let db = dir + "/litellm.db"
        let fixture = LiveIngestTests.root.appendingPathComponent("Tests/SpendCoreTests/Fixtures/litellm-spendlogs-rows.jsonl").path
        let writerScript = LiveIngestTests.root.appendingPathComponent("scripts/testservers/spendlogs_writer.py").path
        let w = Process()
        w.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        w.arguments = ["python3", writerScript, "--db", db, "--fixture", fixture, "--rows", "40", "--batch", "40"]
        w.standardOutput = FileHandle.nullDevice
        try w.run(); w.waitUntilExit()
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(0.8); c.execute('COMMIT')"
        locker.arguments = ["python3", "-c", script, db]
        let out = Pipe()
        locker.standardOutput = out
        try locker.run()
        servers.append(locker)
        _ = out.fileHandleForReading.readData(ofLength: 6)
        var settings = SourceSettings()
        settings.sqlitePollSeconds = 0.02
        let r = rollup()
        let ingest = try start([.sqlite(path: db, table: nil)], rollup: r, store: nil, follow: true, settings: settings)
        var sawFailure = false
        XCTAssertTrue(waitFor(10) {
            if ingest.sources[0].state == .failed { sawFailure = true }
            return ingest.read { $0.counters.eventsCounted } == 40
        })
        XCTAssertFalse(sawFailure)
        XCTAssertEqual(ingest.sources[0].state, .live)
        XCTAssertNil(ingest.sources[0].lastError)
        ingest.stop()
    }

    /// Two raw keys that mask alike (`sk-…abcd`) stay two groups after a replay from the store;
    /// raw keys never reach the store file; retention drops old rows.
    func testReplayKeepsKeysApartStoresNoRawKeysAndAppliesRetention() throws {
        let dir = try scratch()
        let path = dir + "/keys.jsonl", store = dir + "/spend.db"
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let lines = [
            "{\"ts\":\(now - 60_000),\"request_id\":\"a\",\"api_key\":\"sk-proj-AAAAAAAAAAAAAAAAAAAAabcd\",\"model\":\"gpt-4o\",\"cost_usd\":1}",
            "{\"ts\":\(now - 60_000),\"request_id\":\"b\",\"api_key\":\"sk-proj-BBBBBBBBBBBBBBBBBBBBabcd\",\"model\":\"gpt-4o\",\"cost_usd\":2}",
            "{\"ts\":\(now - 10 * 86_400_000),\"request_id\":\"old\",\"api_key\":\"ci\",\"model\":\"gpt-4o\",\"cost_usd\":4}",
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let a = try start([.file(path)], rollup: rollup(), store: store, follow: false)
        XCTAssertTrue(a.waitUntilIdle(timeout: 10))
        a.stop()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: store))
        XCTAssertNil(bytes.range(of: Data("AAAAAAAAAAAA".utf8)), "the store holds masked keys only")

        let replayed = rollup()
        let b = try start([], rollup: replayed, store: store, follow: false)
        XCTAssertEqual(b.replayedEvents, 3)
        b.stop()
        let keys = try replayed.rows(ViewQuery(groupBy: .apiKey, window: .all), wallMs: now)
        XCTAssertEqual(keys.rows.filter { $0.name == "sk-…abcd" }.map(\.measures.spend).sorted(), [1, 2])

        var o = LiveIngest.Options()
        o.storePath = store
        o.retentionDays = 7
        let c = try LiveIngest(sources: [], rollup: rollup(), options: o)
        XCTAssertEqual(c.replayedEvents, 2, "the 10-day-old event is past a 7-day retention")
        c.stop()
    }

    /// The SSE resume point survives a restart through the store: the next run asks for the events
    /// after the last one it counted, and counts none twice.
    func testSSELastEventIDIsSavedAndSentAfterARestart() throws {
        let dir = try scratch()
        let log = dir + "/connections.jsonl", store = dir + "/spend.db"
        let port = try serve(["sse", "--events", "120", "--drop-after", "1000000", "--fail", "0", "--log", log])
        let url = "http://127.0.0.1:\(port)/events"
        let first = rollup()
        let a = try start([.http(url)], rollup: first, store: store, follow: true)
        XCTAssertTrue(waitFor { a.read { $0.counters.eventsCounted } == 120 })
        XCTAssertTrue(a.waitUntilCaughtUp(timeout: 5))
        a.stop()
        try "".write(toFile: log, atomically: true, encoding: .utf8)

        let second = rollup()
        let b = try start([.http(url)], rollup: second, store: store, follow: true)
        XCTAssertEqual(b.replayedEvents, 120)
        XCTAssertTrue(waitFor { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("\"connection\"") })
        b.stop()
        let firstConnection = try XCTUnwrap(try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").first)
        XCTAssertTrue(firstConnection.contains("\"last_event_id\": \"120\""), String(firstConnection))
        XCTAssertEqual(second.eventsCounted, 120)
        XCTAssertEqual(b.sources[0].stats.duplicates, 0)
    }

    /// An NDJSON server that goes silent mid-line with the connection open: past the idle timeout the
    /// source shows as stalled, reconnects, and the re-sent lines count once (by request_id).
    func testStalledNDJSONStreamIsReconnectedAndCountedOnce() throws {
        let dir = try scratch()
        let file = dir + "/events.jsonl"
        let body = (0..<300).map { line($0) }.joined()
        try body.write(toFile: file, atomically: true, encoding: .utf8)
        let cut = body.utf8.count / 2 + 7  // mid-line
        // A later connection is answered after 0.5 s, well inside the 2 s idle timeout: a delay as long as the
        // timeout made every reconnect time out in turn on a loaded machine.
        let port = try serve(["ndjson", "--file", file, "--stall-after", "\(cut)", "--stall-seconds", "6",
                              "--reconnect-delay", "0.5", "--log", dir + "/log.jsonl"])
        var settings = SourceSettings()
        settings.idleTimeoutSeconds = 2
        settings.backoffBaseSeconds = 0.05
        settings.backoffCapSeconds = 0.5
        let r = rollup()
        let ingest = try start([.http("http://127.0.0.1:\(port)/")], rollup: r, store: nil, follow: true, settings: settings)
        XCTAssertTrue(waitFor(15) { ingest.sources[0].stalled }, "\(ingest.sources)")
        XCTAssertTrue(ingest.sources[0].lastError?.contains("stalled") ?? false, "\(ingest.sources)")
        let before = ingest.read { $0.counters.eventsCounted }
        XCTAssertGreaterThan(before, 100, "the lines before the stall were counted while it was silent")
        XCTAssertLessThan(before, 300)
        XCTAssertTrue(waitFor(15) { ingest.read { $0.counters.eventsCounted } == 300 && !ingest.sources[0].stalled }, "\(ingest.sources)")
        XCTAssertTrue(ingest.waitUntilCaughtUp(timeout: 5))
        ingest.stop()
        XCTAssertEqual(r.eventsCounted, 300)
        // Every reconnect re-sends the whole body (NDJSON has no resume): all of it is duplicates.
        XCTAssertGreaterThanOrEqual(ingest.sources[0].stats.duplicates, before, "the re-sent lines count once")
        XCTAssertEqual(ingest.sources[0].stats.rejected, 0, "the half line cut by the stall is dropped, not rejected")
        XCTAssertEqual(try r.rows(ViewQuery(groupBy: nil, window: .all), wallMs: 0).total.spend, 0.3, accuracy: 1e-9)
    }

    func writeSpendLogs(_ db: String, start: Int, rows: Int) throws {
        let fixture = LiveIngestTests.root.appendingPathComponent("Tests/SpendCoreTests/Fixtures/litellm-spendlogs-rows.jsonl").path
        let w = Process()
        w.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        w.arguments = ["python3", LiveIngestTests.root.appendingPathComponent("scripts/testservers/spendlogs_writer.py").path,
                       "--db", db, "--fixture", fixture, "--rows", "\(rows)", "--start", "\(start)", "--pause", "0"]
        w.standardOutput = FileHandle.nullDevice
        try w.run()
        w.waitUntilExit()
        XCTAssertEqual(w.terminationStatus, 0)
    }

    /// The SpendLogs rowid cursor is saved: after a restart only the new rows are read.
    func testSpendLogsCursorResumesAfterARestart() throws {
        let dir = try scratch()
        let db = dir + "/litellm.db", store = dir + "/spend.db"
        try writeSpendLogs(db, start: 0, rows: 40)
        let a = try start([.sqlite(path: db, table: nil)], rollup: rollup(), store: store, follow: false)
        XCTAssertTrue(a.waitUntilIdle(timeout: 10))
        a.stop()
        XCTAssertEqual(a.sources[0].stats.events, 40)
        try writeSpendLogs(db, start: 40, rows: 25)
        let r = rollup()
        let b = try start([.sqlite(path: db, table: nil)], rollup: r, store: store, follow: false)
        XCTAssertTrue(b.waitUntilIdle(timeout: 10))
        b.stop()
        XCTAssertEqual(b.replayedEvents, 40)
        XCTAssertEqual(b.sources[0].stats.events, 25)
        XCTAssertEqual(b.sources[0].stats.duplicates, 0, "rows before the cursor are not read again")
        XCTAssertEqual(r.eventsCounted, 65)
    }

    func testSourceSpecsParseEveryForm() throws {
        XCTAssertEqual(try SourceSpec(parsing: "-"), .stdin)
        XCTAssertEqual(try SourceSpec(parsing: "logs/*.jsonl"), .file("logs/*.jsonl"))
        XCTAssertEqual(try SourceSpec(parsing: "https://gw/stream"), .http("https://gw/stream"))
        XCTAssertEqual(try SourceSpec(parsing: "sqlite:/x/litellm.db?table=Spend"), .sqlite(path: "/x/litellm.db", table: "Spend"))
        XCTAssertEqual(try SourceSpec(parsing: "/x/spend.sqlite"), .sqlite(path: "/x/spend.sqlite", table: nil))
        XCTAssertEqual(try SourceSpec(parsing: "prom:http://h:9400/metrics"), .prometheus("http://h:9400/metrics"))
        XCTAssertEqual(try SourceSpec(parsing: "nvidia-smi:-"), .nvidiaSmi)
        XCTAssertThrowsError(try SourceSpec(parsing: "ftp://x/y"))
        XCTAssertThrowsError(try SourceSpec(parsing: "prom:nothttp"))
        XCTAssertThrowsError(try SourceSpec(parsing: "sqlite:x.db?table=a;drop"))
        XCTAssertEqual(try SourceSpec(parsing: "https://user:pw@gw:8443/s?token=abc").name, "https://gw:8443/s")
    }

    func testHeaderValuesComeFromTheEnvironmentNamedInConfig() throws {
        let config = try ConfigLoader.parse("""
            [sources]
            prom_interval = "5s"
            [[source]]
            url = "https://gw.internal/"
            headers = { "X-Team" = "ops" }
            header_env = { Authorization = "GW_TOKEN" }
            """)
        let s = try SourceConfig.settings(for: .http("https://gw.internal/v1/stream"), config: config, insecure: false,
                                          environment: ["GW_TOKEN": "Bearer abc"])
        XCTAssertEqual(s.headers.map { "\($0.0)=\($0.1)" }.sorted(), ["Authorization=Bearer abc", "X-Team=ops"])
        XCTAssertEqual(s.scrapeIntervalSeconds, 5)
        XCTAssertFalse(s.insecure)
        XCTAssertThrowsError(try SourceConfig.settings(for: .http("https://gw.internal/x"), config: config, insecure: false, environment: [:])) {
            XCTAssertFalse("\($0)".contains("Bearer"))
        }
        let other = try SourceConfig.settings(for: .http("https://elsewhere/"), config: config, insecure: true, environment: [:])
        XCTAssertTrue(other.headers.isEmpty)
        XCTAssertTrue(other.insecure)
    }
}
