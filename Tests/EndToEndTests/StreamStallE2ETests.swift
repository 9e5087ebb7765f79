import Foundation
import XCTest

/// A stream that stalls without closing (issue 13 point 1), in the real console on a real terminal.
final class StreamStallE2ETests: XCTestCase {
    var running: [Background] = []
    var sessions: [TmuxSession] = []

    override func tearDown() {
        for s in sessions { s.kill() }
        for b in running { b.kill() }
        sessions = []
        running = []
    }

    /// The SSE server goes silent after event 80 for longer than the 2 s idle timeout, holding the
    /// connection open. The header says `stalled, reconnecting`; the source reconnects with
    /// `Last-Event-ID: 80`, gets the rest, and the stored totals are exact.
    func testStalledSSEStreamShowsStalledAndResumesExactly() throws {
        let dir = try Scratch.directory()
        let log = dir + "/connections.jsonl", store = dir + "/spend.db"
        let (server, port) = try Background.server(["sse", "--events", "200", "--drop-after", "100000", "--fail", "0",
                                                    "--stall-after", "80", "--stall-seconds", "8", "--reconnect-delay", "1",
                                                    "--log", log])
        running.append(server)
        let console = try TmuxSession(width: 140, height: 30, args: ["--store", store, "--idle-timeout", "2s",
                                                                     "http://127.0.0.1:\(port)/events"])
        sessions.append(console)
        console.waitFor("stalled, reconnecting", timeout: 20)
        // The second connection serves events 81–200 and ends; a later one asks for what follows 200. (A loaded
        // machine may also time out a reconnect the server is slow to answer: that one resumes after 80 again.)
        let connections = try waitForConnections(log, timeout: 30) { rows in
            rows.contains { $0["last_event_id"] as? String == "200" }
        }
        console.wait(timeout: 10, "the stall cleared") { !$0.contains("stalled") && $0.contains("Features 3") }
        XCTAssertTrue(connections[0]["last_event_id"] is NSNull)
        XCTAssertEqual(connections[1]["last_event_id"] as? String, "80", "resumed after the last event before the stall")
        let ids = connections.dropFirst().map { $0["last_event_id"] as? String }
        let firstAfter200 = try XCTUnwrap(ids.firstIndex(of: "200"))
        XCTAssertTrue(ids[..<firstAfter200].allSatisfy { $0 == "80" }, "only resumes after 80 before the rest was read: \(ids)")
        console.send("q")
        console.waitFor("EXITED:0", timeout: 15)

        // The server's events are from 2026-11: a long retention keeps them in view.
        let config = dir + "/config.toml"
        try "[store]\nretention = \"3650d\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let r = try CLI.run(["check", "--config", config, "--store", store])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("replayed        200 events"), r.stdout)
        let expected = (1...200).reduce(0.0) { $0 + Double($1 % 13) / 1000 }
        XCTAssertEqual(CheckOutput(text: r.stdout).totalSpend ?? -1, expected, accuracy: 1e-9, r.stdout)
    }

    /// `--idle-timeout` takes the one duration grammar; nonsense is a usage error.
    func testIdleTimeoutIsChecked() throws {
        for bad in ["0s", "soon", "1e300s", "-5s"] {
            let r = try CLI.run(["check", "--idle-timeout", bad, "sample-data/day.jsonl"])
            XCTAssertEqual(r.status, 2, bad + r.stderr)
            XCTAssertTrue(r.stderr.contains("--idle-timeout"), r.stderr)
        }
    }

    func waitForConnections(_ log: String, timeout: Double, until done: ([[String: Any]]) -> Bool) throws -> [[String: Any]] {
        let deadline = Date(timeIntervalSinceNow: timeout)
        var rows: [[String: Any]] = []
        while Date() < deadline {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            rows = text.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
            }
            if done(rows) { return rows }
            usleep(20_000)
        }
        XCTFail("only \(rows.count) connections logged")
        return rows
    }
}
