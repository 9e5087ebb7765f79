import Foundation
import XCTest
import SpendCore
@testable import SpendIO

/// Issue 13 points 2–4 in-process: one writer per store, stores that are not ours refused untouched,
/// and a store that refuses writes held in memory and written once it accepts them again.
final class StoreSafetyTests: XCTestCase {
    var dirs: [String] = []
    var ingests: [LiveIngest] = []

    override func tearDown() {
        for i in ingests { i.stop() }
        ingests = []
        for d in dirs { try? FileManager.default.removeItem(atPath: d) }
        dirs = []
    }

    func scratch() throws -> String {
        let d = NSTemporaryDirectory() + "spendtop-store-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        dirs.append(d)
        return d
    }

    func rollup() -> Rollup {
        var o = Rollup.Options()
        o.retentionMinutes = nil
        o.internAllDimensions = true
        return Rollup(options: o)
    }

    func line(_ i: Int) -> String {
        let ts = Int64(Date().timeIntervalSince1970 * 1000) - 60_000
        return "{\"ts\":\(ts),\"request_id\":\"r\(i)\",\"feature\":\"f\(i % 3)\",\"model\":\"gpt-4o\",\"cost_usd\":0.001}\n"
    }

    func append(_ path: String, _ range: Range<Int>) throws {
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile()
        h.write(Data(range.map { line($0) }.joined().utf8))
        try h.close()
    }

    func waitFor(_ timeout: Double = 15, _ condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline { if condition() { return true }; usleep(5_000) }
        return condition()
    }

    func writer(_ store: String, file: String) throws -> LiveIngest {
        var o = LiveIngest.Options()
        o.storePath = store
        o.retentionDays = 30
        o.commitIntervalSeconds = 0.05
        let ingest = try LiveIngest(sources: [(.file(file), SourceSettings())], rollup: rollup(), options: o)
        ingests.append(ingest)
        ingest.start()
        return ingest
    }

    func storedEvents(_ store: String) throws -> Int64 { try SpendStore(path: store, readOnly: true).eventCount() }

    func testASecondWriterIsRefusedWithThePathAndPidWhileReadersRead() throws {
        let dir = try scratch()
        let store = dir + "/spend.db", file = dir + "/e.jsonl"
        try (0..<50).map { line($0) }.joined().write(toFile: file, atomically: true, encoding: .utf8)
        let a = try writer(store, file: file)
        XCTAssertTrue(waitFor { (try? self.storedEvents(store)) == 50 })
        XCTAssertThrowsError(try SpendStore(path: store)) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains(store), text)
            XCTAssertTrue(text.contains("pid \(getpid())"), text)
            XCTAssertTrue(text.contains("--no-store"), text)
            XCTAssertFalse(text.contains("\n"), "one line")
        }
        // Readers need no lock and see what the writer committed.
        var o = LiveIngest.Options()
        o.storePath = store
        o.retentionDays = 30
        let reader = try LiveIngest(sources: [], rollup: rollup(), options: o)
        XCTAssertEqual(reader.replayedEvents, 50)
        reader.stop()
        a.stop()
        XCTAssertNoThrow(try SpendStore(path: store), "the lock goes with the writer")
    }

    /// Truncated, not SQLite, another program's database, a newer schema: each refused with the file's
    /// name and what to do, and left byte for byte as it was.
    func testCorruptAndForeignStoresAreRefusedUntouched() throws {
        let dir = try scratch()
        let good = dir + "/good.db", file = dir + "/e.jsonl"
        try (0..<3000).map { line($0) }.joined().write(toFile: file, atomically: true, encoding: .utf8)
        let w = try writer(good, file: file)
        XCTAssertTrue(waitFor { (try? self.storedEvents(good)) == 3000 })
        w.stop()
        let goodBytes = try Data(contentsOf: URL(fileURLWithPath: good))
        XCTAssertGreaterThan(goodBytes.count, 8192)

        let truncated = dir + "/truncated.db"
        try goodBytes.prefix(goodBytes.count / 2 + 100).write(to: URL(fileURLWithPath: truncated))
        let text = dir + "/text.db"
        try "this is not a database\n".write(toFile: text, atomically: true, encoding: .utf8)
        let foreign = dir + "/foreign.db", newer = dir + "/newer.db"
        try goodBytes.write(to: URL(fileURLWithPath: newer))
        let py = "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table invoices(a,b)'); c.commit(); "
            + "d=sqlite3.connect(sys.argv[2]); d.execute(\"update meta set value='spendtop-store 2' where key='schema'\"); d.commit()"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", py, foreign, newer]
        try p.run(); p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)

        let cases: [(String, String)] = [(truncated, "truncated"), (text, "not a SQLite database"),
                                         (foreign, "another program"), (newer, "newer spendtop")]
        for (path, why) in cases {
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            for readOnly in [false, true] {
                XCTAssertThrowsError(try SpendStore(path: path, readOnly: readOnly), path) { e in
                    let m = "\(e)"
                    XCTAssertTrue(m.contains(path) && m.contains(why) && m.contains("--no-store"), m)
                }
            }
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, "\(path) was changed")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path + "-journal"), path)
            // A WAL-mode file read by SQLite may get its empty -wal/-shm companions; never written frames.
            let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber)??.intValue ?? 0
            XCTAssertEqual(wal, 0, "nothing was written to \(path)")
        }
    }

    /// The store's file may not grow (RLIMIT_FSIZE, the kernel's file-size limit: writes fail with
    /// EFBIG as on a full disk). Counting goes on, the failure and the held events are reported, and
    /// once the limit is lifted the held events are written: none lost, none twice.
    func testWriteFailureIsHeldAndWrittenOnceTheStoreAcceptsWrites() throws {
        let dir = try scratch()
        let store = dir + "/spend.db", file = dir + "/e.jsonl"
        try (0..<200).map { line($0) }.joined().write(toFile: file, atomically: true, encoding: .utf8)
        let w = try writer(store, file: file)
        XCTAssertTrue(waitFor { (try? self.storedEvents(store)) == 200 })
        // A checkpoint now, so the WAL is reused from its start and its size is the ceiling to test.
        let sizes = [store, store + "-wal"].map { (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? NSNumber)??.intValue ?? 0 }

        // The appender is started before the limit, so the limit applies to this process's store only.
        let appender = Process()
        appender.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let ts = Int64(Date().timeIntervalSince1970 * 1000) - 60_000
        appender.arguments = ["python3", "-c", """
            import sys
            sys.stdin.readline()
            with open(sys.argv[1], 'a') as f:
                for i in range(200, 5200):
                    f.write('{"ts":%d,"request_id":"r%d","feature":"f%d","model":"gpt-4o","cost_usd":0.001}\\n' % (\(ts), i, i % 3))
            print('done', flush=True)
            """, file]
        let toAppender = Pipe(), fromAppender = Pipe()
        appender.standardInput = toAppender
        appender.standardOutput = fromAppender
        try appender.run()

        signal(SIGXFSZ, SIG_IGN)
        var old = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &old)
        var limited = old
        limited.rlim_cur = rlim_t(sizes.max()! + 1)
        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limited), 0)
        var restored = false
        defer { if !restored { _ = setrlimit(Int32(RLIMIT_FSIZE.rawValue), &old) } }

        toAppender.fileHandleForWriting.write(Data("go\n".utf8))
        XCTAssertEqual(String(decoding: fromAppender.fileHandleForReading.readData(ofLength: 4), as: UTF8.self), "done")
        appender.waitUntilExit()
        XCTAssertTrue(waitFor { w.read { $0.counters.eventsCounted } == 5200 }, "counting goes on while the store fails")
        XCTAssertTrue(waitFor { w.storeStatus?.contains("holding 5000 events") ?? false }, w.storeStatus ?? "no status")
        let status = w.storeStatus ?? ""
        XCTAssertTrue(status.hasPrefix("store: write failed ("), status)
        XCTAssertEqual(try storedEvents(store), 200, "nothing of the failed transactions was saved")

        XCTAssertEqual(setrlimit(Int32(RLIMIT_FSIZE.rawValue), &old), 0)
        restored = true
        XCTAssertTrue(waitFor { w.storeStatus == nil }, w.storeStatus ?? "")
        XCTAssertEqual(try storedEvents(store), 5200)
        try append(file, 5200..<5300)
        XCTAssertTrue(waitFor { (try? self.storedEvents(store)) == 5300 })
        w.stop()

        var o = LiveIngest.Options()
        o.storePath = store
        o.retentionDays = 30
        let r = rollup()
        let replay = try LiveIngest(sources: [], rollup: r, options: o)
        XCTAssertEqual(replay.replayedEvents, 5300)
        XCTAssertEqual(r.duplicates, 0)
        XCTAssertEqual(try r.rows(ViewQuery(groupBy: nil, window: .all), wallMs: 0).total.spend, 5.3, accuracy: 1e-9)
        replay.stop()
    }
}
