import Foundation
import XCTest
import SpendCore
import TestSupport

/// `promql:` from the command line and in the console (issue 14), against a real Prometheus backfilled with LiteLLM
/// counters (a replica that restarts, a key that appears late, scrapes that fail) and DCGM gauges with known values.
final class PromQLCLITests: XCTestCase {
    var sessions: [TmuxSession] = []
    var dirs: [String] = []

    override func tearDown() {
        for s in sessions { s.kill() }
        sessions = []
        for d in dirs { try? FileManager.default.removeItem(atPath: d) }
        dirs = []
    }

    static func rfc3339(_ ms: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// The fixture's window as `--window Nm --at T`.
    func windowArgs(_ f: PromQLFixture) -> [String] {
        ["--window", "\((f.windowTo - f.windowFrom) / 60)m", "--at", PromQLCLITests.rfc3339(f.windowTo * 1000 - 1)]
    }

    func export(_ server: PrometheusTestServer, _ view: String) throws -> (header: [String], rows: [[String]]) {
        let r = try CLI.run(["export", "promql:" + server.baseURL, "--view", view] + windowArgs(server.fixture))
        XCTAssertEqual(r.status, 0, r.stderr)
        let csv = CLI.parseCSV(r.stdout)
        return (csv.first ?? [], Array(csv.dropFirst()))
    }

    /// Requests exact, spend and tokens to 1%: what the counters grew by in the window, restarts included.
    func assertKnown(_ row: [String]?, _ header: [String], _ f: PromQLFixture, _ key: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        guard let row else { return XCTFail("no row for \(key)", file: file, line: line) }
        func col(_ id: String) -> Double { Double(row[header.firstIndex(of: id)!]) ?? -1 }
        XCTAssertEqual(col("requests"), f.known("litellm_requests_metric", key), key, file: file, line: line)
        let spend = f.known("litellm_spend_metric", key)
        XCTAssertEqual(col("spend_usd"), spend, accuracy: spend * 0.01, key, file: file, line: line)
        let input = f.known("litellm_input_tokens_metric", key)
        XCTAssertEqual(col("input_tokens"), input, accuracy: input * 0.01, key, file: file, line: line)
    }

    func testEveryViewEqualsTheKnownGrowth() throws {
        let server = try PrometheusTestServer.shared()
        let f = server.fixture
        let models = try export(server, "models")
        XCTAssertEqual(models.rows.count, 3)
        for m in ["gpt-4o", "claude-sonnet-4", "llama-3-70b"] {
            assertKnown(models.rows.first { $0[0] == m }, models.header, f, "model=" + m)
        }
        let features = try export(server, "features")
        XCTAssertEqual(Set(features.rows.map { $0[0] }), ["search", "chat", "summarise", "env:prod"])
        for name in ["search", "chat", "summarise", "env:prod"] {
            assertKnown(features.rows.first { $0[0] == name }, features.header, f, "feature=" + name)
        }
        let keys = try export(server, "keys")
        XCTAssertEqual(keys.rows.count, PromQLFixture.keyHashes.count)
        for (i, hash) in PromQLFixture.keyHashes.enumerated() {
            let shown = i == 3 ? KeyMask.mask(hash) : "app-\(i)"
            assertKnown(keys.rows.first { $0[0] == shown }, keys.header, f, "api_key=" + hash)
            XCTAssertFalse(keys.rows.joined().joined().contains(hash.suffix(12)), "a raw key hash reached the CSV")
        }
        let teams = try export(server, "teams")
        for t in ["team-0", "team-1"] {
            assertKnown(teams.rows.first { $0[0] == t || $0[0] == (t == "team-0" ? "Team 0" : "Team 1") }, teams.header, f,
                        "team=" + t)
        }
        let series = try export(server, "series")
        XCTAssertEqual(series.rows.count, Int(f.windowTo - f.windowFrom) / 60, "one row per minute of the window")
        let spendColumn = try XCTUnwrap(series.header.firstIndex(of: "spend_usd"))
        let spend = series.rows.reduce(0) { $0 + (Double($1[spendColumn]) ?? 0) }
        let total = f.known("litellm_spend_metric", "total=")
        XCTAssertEqual(spend, total, accuracy: total * 0.01)
        let gpus = try export(server, "gpus")
        XCTAssertEqual(Set(gpus.rows.map { $0[0] }), ["h100-a:0", "h100-a:1", "h100-b:0", "h100-b:1", "10.0.0.5:8000:vllm0"])
        let mem = try XCTUnwrap(gpus.header.firstIndex(of: "mem_total_mb"))
        XCTAssertEqual(Double(gpus.rows.first { $0[0] == "h100-a:0" }?[mem] ?? "") ?? 0, 81_920, accuracy: 0.001)
    }

    /// The console polls the engine: a counter that starts growing on a page Prometheus scrapes shows within 30 s.
    func testTheConsoleShowsLiveMinutes() throws {
        let server = try PrometheusTestServer.shared()
        let dir = NSTemporaryDirectory() + "spendtop-e2e-promql-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        dirs.append(dir)
        try "[promql]\npoll = \"1s\"\nscrape_interval = \"1s\"\n".write(toFile: dir + "/config.toml", atomically: true,
                                                                      encoding: .utf8)
        let s = try TmuxSession(width: 160, height: 45, args: ["promql:" + server.baseURL, "--config", dir + "/config.toml"])
        sessions.append(s)
        _ = s.wait(timeout: 60, "the console reading the engine") { $0.contains("● 1 live") }
        // A model the fixture does not have, growing every second on the live page.
        let started = Date()
        var spend = 0.0
        var screen = ""
        while Date().timeIntervalSince(started) < 30 {
            spend += 0.25
            try server.setLivePage("""
                # TYPE litellm_spend_metric counter
                litellm_spend_metric_total{model="live-e2e-model",tag="feature:live-e2e"} \(spend)
                # TYPE litellm_requests_metric counter
                litellm_requests_metric_total{model="live-e2e-model",tag="feature:live-e2e"} \(Int(spend * 4))

                """)
            screen = s.capture()
            if screen.contains("live-e2e") { break }
            usleep(500_000)
        }
        XCTAssertTrue(screen.contains("live-e2e"), "the live minutes within 30 s:\n\(screen)")
        s.send("q")
        s.waitFor("EXITED:0")
    }
}
