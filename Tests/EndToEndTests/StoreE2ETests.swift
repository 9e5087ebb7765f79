import Foundation
import XCTest

/// The store under a second writer and a full disk (issue 13 points 2 and 3), with the real console.
final class StoreE2ETests: XCTestCase {
    var sessions: [TmuxSession] = []

    override func tearDown() {
        for s in sessions { s.kill() }
        sessions = []
    }

    func console(_ args: [String], width: Int = 140, launcher: [String] = []) throws -> TmuxSession {
        let s = try TmuxSession(width: width, height: 30, args: args, launcher: launcher)
        sessions.append(s)
        return s
    }

    func lines(_ range: Range<Int>) -> String {
        let ts = Int64(Date().timeIntervalSince1970 * 1000) - 120_000
        return range.map { "{\"ts\":\(ts + Int64($0)),\"request_id\":\"r\($0)\",\"feature\":\"f\($0 % 3)\",\"model\":\"gpt-4o\",\"cost_usd\":0.001}\n" }.joined()
    }

    func append(_ path: String, _ text: String) throws {
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile()
        h.write(Data(text.utf8))
        try h.close()
    }

    /// Events in the store as a reader sees them; with `namespaceOf`, read inside that process's mount
    /// namespace (SQLite resolves /proc/PID/root links, so the store is read from in there).
    func replayed(_ store: String, namespaceOf pid: pid_t? = nil) -> Int? {
        var text = ""
        if let pid {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
            p.arguments = ["-t", "\(pid)", "-U", "-m", "--preserve-credentials", "--", CLI.binary.path, "check", "--store", store]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return nil }
            text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { return nil }
        } else {
            guard let r = try? CLI.run(["check", "--store", store]), r.status == 0 else { return nil }
            text = r.stdout
        }
        guard let at = text.range(of: "replayed        ") else { return nil }
        return Int(text[at.upperBound...].prefix(while: { $0.isNumber }))
    }

    func waitUntil(_ what: String, timeout: Double = 20, _ condition: () -> Bool) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline { if condition() { return }; usleep(50_000) }
        XCTFail("timed out waiting for \(what)")
    }

    /// A second writer (a console or `check --store` with a source) gets one line naming the store and
    /// the first console's pid; `export --store` and `check --store` read while the console writes.
    func testOneWriterPerStoreAndReadersReadAlongside() throws {
        let dir = try Scratch.directory()
        let store = dir + "/spend.db", events = dir + "/events.jsonl"
        try lines(0..<300).write(toFile: events, atomically: true, encoding: .utf8)
        let first = try console(["--store", store, events])
        first.waitFor("Features 3")
        let pid = try XCTUnwrap(first.programPID())
        waitUntil("the console's first commit") { replayed(store) == 300 }

        let again = try CLI.run(["check", "--store", store, events])
        XCTAssertEqual(again.status, 1, again.stdout + again.stderr)
        XCTAssertEqual(again.stderr.split(separator: "\n").count, 1, again.stderr)
        XCTAssertTrue(again.stderr.contains("store \(store) is in use by another spendtop (pid \(pid))"), again.stderr)
        let second = try console(["--store", store, events])
        let screen = second.waitFor("EXITED:1")
        XCTAssertTrue(screen.replacingOccurrences(of: "\n", with: "").contains("(pid \(pid))"), screen)

        let export = try CLI.run(["export", "--store", store, "--view", "features"])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertEqual(CLI.parseCSV(export.stdout).count, 4, export.stdout)
        try append(events, lines(300..<400))
        waitUntil("the reader to see the console's later commit") { replayed(store) == 400 }

        first.send("q")
        first.waitFor("EXITED:0")
        let after = try CLI.run(["check", "--store", store, events])
        XCTAssertEqual(after.status, 0, "the lock went with the console: \(after.stderr)")
        XCTAssertTrue(after.stdout.contains("replayed        400 events"), after.stdout)
        XCTAssertEqual(CheckOutput(text: after.stdout).totalEvents, 400, "resumed at the saved position: \(after.stdout)")
    }

    /// The store sits on a 1 MB tmpfs in a private mount namespace (`unshare -Urm`: no mount outside it).
    /// The disk is filled from outside through /proc/PID/root while events arrive: the console goes on,
    /// says `store: write failed (disk full), holding 3000 events`, and once space is freed writes them;
    /// the store then holds every event exactly once.
    func testFullDiskHoldsEventsAndWritesThemWhenSpaceReturns() throws {
        let dir = try Scratch.directory()
        let mnt = dir + "/mnt", out = dir + "/out", pidFile = dir + "/ns.pid", events = dir + "/events.jsonl"
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let wrapper = dir + "/in-tmpfs.sh"
        try """
            #!/bin/sh
            # in-tmpfs.sh MNT PIDFILE OUT PROGRAM ARGS…: runs PROGRAM with a 1 MB tmpfs at MNT, then keeps its store.
            mnt=$1; pidfile=$2; out=$3; shift 3
            mount -t tmpfs -o size=1m tmpfs "$mnt" || exit 97
            echo $$ > "$pidfile"
            "$@"
            status=$?
            cp "$mnt"/spend.db "$out"/ || exit 98
            exit $status
            """.write(toFile: wrapper, atomically: true, encoding: .utf8)
        try lines(0..<100).write(toFile: events, atomically: true, encoding: .utf8)
        let s = try console(["--store", mnt + "/spend.db", events], width: 160,
                            launcher: ["unshare", "-Urm", "sh", wrapper, mnt, pidFile, out])
        waitUntil("the namespace") { FileManager.default.fileExists(atPath: pidFile) }
        let pid = try XCTUnwrap(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        let inside = "/proc/\(pid)/root" + mnt
        s.waitFor("Features 3")
        waitUntil("the first commit") { replayed(mnt + "/spend.db", namespaceOf: pid) == 100 }

        // Fill the tmpfs to the last byte.
        let filler = inside + "/filler"
        let fd = open(filler, O_WRONLY | O_CREAT, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0, String(cString: strerror(errno)))
        let chunk = [UInt8](repeating: 0x55, count: 4096)
        var filled = 0
        while chunk.withUnsafeBytes({ write(fd, $0.baseAddress, 4096) }) > 0 { filled += 4096 }
        XCTAssertEqual(errno, ENOSPC)
        close(fd)
        XCTAssertGreaterThan(filled, 500_000)

        try append(events, lines(100..<3100))
        s.waitFor("store: write failed (disk full), holding 3000 events", timeout: 20)
        XCTAssertEqual(replayed(mnt + "/spend.db", namespaceOf: pid), 100)

        XCTAssertEqual(unlink(filler), 0)
        s.wait(timeout: 20, "the held events written") { !$0.contains("write failed") }
        XCTAssertEqual(replayed(mnt + "/spend.db", namespaceOf: pid), 3100)
        s.send("q")
        s.waitFor("EXITED:0")

        let r = try CLI.run(["check", "--store", out + "/spend.db"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("replayed        3100 events"), r.stdout)
        XCTAssertEqual(CheckOutput(text: r.stdout).totalSpend ?? -1, 3.1, accuracy: 1e-9, r.stdout)
    }
}
