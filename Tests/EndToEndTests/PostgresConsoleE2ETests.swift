import Foundation
import XCTest
import TestSupport

/// The console on `postgres://` (issue 10 Part B) in a real terminal against a real server: views are answered by
/// the server's aggregates, rows inserted while it runs show within 10 s, the password never reaches the screen,
/// and the table is never written.
final class PostgresConsoleE2ETests: XCTestCase {
    var sessions: [TmuxSession] = []
    var dirs: [String] = []

    override func tearDown() {
        for s in sessions { s.kill() }
        sessions = []
        for d in dirs { try? FileManager.default.removeItem(atPath: d) }
        dirs = []
    }

    func row(_ id: String, feature: String, spend: Double, atMs: Int64) -> [String: Any] {
        ["request_id": id, "api_key": SpendLogsRowMaker.hashes[1], "spend": spend, "prompt_tokens": 1200,
         "completion_tokens": 90, "total_tokens": 1290, "startTime": SpendLogsRowMaker.iso(atMs),
         "endTime": SpendLogsRowMaker.iso(atMs + 800), "request_duration_ms": 800, "model": "gpt-4o",
         "custom_llm_provider": "openai", "status": "success", "request_tags": ["feature:\(feature)"]]
    }

    func testRowsInsertedWhileTheConsoleRunsShowAndTheTableIsNeverWritten() throws {
        let server = try PostgresTestServer.shared()
        let db = try server.makeDatabase()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var maker = SpendLogsRowMaker(seed: 11)
        // Half an hour of LiteLLM-shaped rows (hostile tags and keys among them) and a feature that stands out.
        var rows = maker.rows(400, startMs: now - 30 * 60_000, minutes: 29)
        rows += (0..<20).map { row("steady-\($0)", feature: "steady-search", spend: 0.5, atMs: now - Int64(20 - $0) * 60_000) }
        try server.copy(rows, into: db)
        let before = try server.fingerprint(db)

        let dir = NSTemporaryDirectory() + "spendtop-e2e-pg-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        dirs.append(dir)
        try "[postgres]\npoll_interval = \"1s\"\n".write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
        let s = try TmuxSession(width: 160, height: 45, args: [server.url(db), "--config", dir + "/config.toml", "--window", "1h"])
        sessions.append(s)
        var screen = s.wait(timeout: 60, "the first frame from the server's aggregates") {
            $0.contains("steady-search") && $0.contains("● 1 live")
        }
        XCTAssertTrue(screen.contains("$10.0"), "20 requests at $0.50 on steady-search:\n\(screen)")
        XCTAssertFalse(screen.contains(server.password), "the password never reaches the screen")
        XCTAssertFalse(screen.contains("\u{1b}"))

        // A batch LiteLLM writes now; the console polls every second and re-reads the last minutes.
        try server.copy([row("late-1", feature: "late-arrival", spend: 25, atMs: Int64(Date().timeIntervalSince1970 * 1000))],
                        into: db)
        let inserted = Date()
        screen = s.wait(timeout: 10, "the inserted row on screen within 10 s") { $0.contains("late-arrival") }
        XCTAssertLessThan(Date().timeIntervalSince(inserted), 10.5)
        // Drilling reads the server again, by the feature's id.
        XCTAssertTrue(screen.contains("$25.0"), screen)
        s.send("q")
        s.waitFor("EXITED:0")
        XCTAssertEqual(try server.fingerprint(db), try fingerprintAfter(before, server: server, db: db, added: 1))
    }

    /// The table's fingerprint must be what the test itself wrote: the rows it loaded plus the one it inserted.
    func fingerprintAfter(_ before: String, server: PostgresTestServer, db: String, added: Int) throws -> String {
        let count = Int(before.split(separator: ":")[0])! + added
        let now = try server.fingerprint(db)
        XCTAssertEqual(now.split(separator: ":").first.map(String.init), String(count), "no row added or removed by spendtop")
        return now
    }

    /// `export postgres://…` answers a view by pushdown: totals per feature over the whole table and over a window
    /// that ends at `--at` equal the sums worked out from the rows loaded; hostile rows beside them change nothing of
    /// that, the password is not in the output, and the table is never written.
    func testExportByPushdownEqualsTheRowsLoaded() throws {
        let server = try PostgresTestServer.shared()
        let db = try server.makeDatabase()
        let t0 = Int64(1_795_860_000_000)  // 2026-11-28T10:00:00Z
        // One request a minute for 90 minutes: "chat" at $0.50, every third minute "batch" at $2 as well.
        var rows: [[String: Any]] = []
        for m in 0..<90 {
            rows.append(row("chat-\(m)", feature: "chat", spend: 0.5, atMs: t0 + Int64(m) * 60_000 + 10_000))
            if m % 3 == 0 { rows.append(row("batch-\(m)", feature: "batch", spend: 2, atMs: t0 + Int64(m) * 60_000 + 20_000)) }
        }
        try server.copy(rows, into: db)
        let before = try server.fingerprint(db)
        func features(_ extra: [String]) throws -> [String: (requests: String, spend: Double)] {
            let r = try CLI.run(["export", server.url(db), "--view", "features"] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertFalse(r.stdout.contains(server.password) || r.stderr.contains(server.password))
            let csv = CLI.parseCSV(r.stdout)
            let header = try XCTUnwrap(csv.first)
            let req = try XCTUnwrap(header.firstIndex(of: "requests")), spend = try XCTUnwrap(header.firstIndex(of: "spend_usd"))
            return Dictionary(csv.dropFirst().map { ($0[0], ($0[req], Double($0[spend]) ?? -1)) }, uniquingKeysWith: { a, _ in a })
        }
        let all = try features(["--window", "all"])
        XCTAssertEqual(all["chat"]?.requests, "90")
        XCTAssertEqual(all["chat"]?.spend ?? 0, 45, accuracy: 1e-9)
        XCTAssertEqual(all["batch"]?.requests, "30")
        XCTAssertEqual(all["batch"]?.spend ?? 0, 60, accuracy: 1e-9)
        // The 30 minutes ending with 11:29: minutes 60–89.
        let window = try features(["--window", "30m", "--at", "2026-11-28T11:29:30Z"])
        XCTAssertEqual(window["chat"]?.requests, "30")
        XCTAssertEqual(window["batch"]?.requests, "10")
        XCTAssertEqual(window["batch"]?.spend ?? 0, 20, accuracy: 1e-9)
        XCTAssertEqual(try server.fingerprint(db), before)
    }

    func testARemoteEngineIsGivenAlone() throws {
        let other = try CLI.temporaryFile(#"{"ts":1,"cost_usd":1}"# + "\n")
        defer { try? FileManager.default.removeItem(atPath: other) }
        let r = try CLI.run(["export", "postgres://u@127.0.0.1:1/db", other, "--view", "features"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("give it as the only SOURCE"), r.stderr)
    }
}
