import Foundation
import XCTest

final class AlertsCLITests: XCTestCase {
    /// support-chat at $20/h, then $80/h, twice, with a quiet hour between (two crossings of 40 $/h).
    func crossingTraffic() -> String {
        let t0 = 1_795_860_000_000 as Int64  // 2026-11-28T10:00:00Z
        var lines: [String] = []
        var minute = 0
        for (minutes, perHour) in [(60, 20.0), (30, 80.0), (60, 20.0), (30, 80.0), (30, 20.0)] {
            for _ in 0..<minutes {
                for (i, offset) in [5_000, 35_000].enumerated() {
                    let ts = Double(t0 + Int64(minute) * 60_000 + Int64(offset)) / 1000
                    lines.append(#"{"ts":\#(ts),"request_id":"r\#(minute)-\#(i)","feature":"support-chat","api_key":"sk-proj-RAWSECRET0123456789abcd","model":"gpt-4o","cost_usd":\#(perHour / 120)}"#)
                }
                minute += 1
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func isolated() throws -> [String: String] { try Scratch.isolatedEnvironment() }

    func testExportAlertsListsOneIncidentPerCrossing() throws {
        let path = try CLI.temporaryFile(crossingTraffic())
        let r = try CLI.run(["export", path, "--view", "alerts", "--alert", "feature=support-chat:spend_per_hour>40"],
                            environment: try isolated())
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = CLI.parseCSV(r.stdout)
        // The one alerts table (the console's pane and `e` write the same columns).
        XCTAssertEqual(rows[0], ["started", "ended", "kind", "scope", "metric", "observed", "expected", "score", "reason",
                                 "budget_limit_usd", "budget_used_pct", "budget_run_out", "state", "id", "scopes"])
        let thresholds = rows.dropFirst().filter { $0[2] == "threshold" }
        XCTAssertEqual(thresholds.map { $0[0] }, ["2026-11-28T11:02:00Z", "2026-11-28T12:32:00Z"])
        XCTAssertEqual(thresholds.map { $0[1] }, ["2026-11-28T11:34:00Z", "2026-11-28T13:04:00Z"])
        XCTAssertEqual(thresholds[0][3], "feature=support-chat")
        XCTAssertEqual(thresholds[0][4], "spend_per_hour")
        XCTAssertEqual(thresholds[0][6], "40")
        XCTAssertFalse(r.stdout.contains("RAWSECRET"))
    }

    func testConfigRulesBudgetsAndOnAlert() throws {
        let env = try isolated()
        let configDir = env["XDG_CONFIG_HOME"]! + "/spendtop"
        try FileManager.default.createDirectory(atPath: configDir, withIntermediateDirectories: true)
        try """
        [[alert]]
        name = "burn"
        metric = "spend_per_hour"
        scope = "feature=support-chat"
        window = "5m"
        above = 40

        [[budget]]
        scope = "feature=support-chat"
        per_day = 100
        """.write(toFile: configDir + "/config.toml", atomically: true, encoding: .utf8)
        let path = try CLI.temporaryFile(crossingTraffic())
        let got = ScratchFiles.shared.track(NSTemporaryDirectory() + "spendtop-e2e-hook-\(UUID().uuidString)")
        let r = try CLI.run(["export", path, "--view", "alerts", "--on-alert", "cat >> '\(got)'"], environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = CLI.parseCSV(r.stdout).dropFirst()
        XCTAssertEqual(rows.filter { $0[2] == "threshold" }.count, 2)
        // $130 over the file against $100/day: the 80% and 100% marks are crossed, each a budget row.
        let budget = try XCTUnwrap(rows.first { $0[2] == "budget" })
        XCTAssertEqual(budget[4], "budget_per_day")
        XCTAssertEqual(budget[9], "100")
        XCTAssertGreaterThanOrEqual(Double(budget[10]) ?? 0, 80)
        XCTAssertLessThan(Double(budget[10]) ?? 100, 82, "one minute ($1.33 at most) past the mark")
        XCTAssertFalse(budget[11].isEmpty, "a projected run-out time")
        XCTAssertEqual(rows.filter { $0[2] == "budget" }.count, 2)
        // The hook got one JSON line per listed incident.
        let lines = try String(contentsOfFile: got, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, rows.count)
        for l in lines {
            let obj = try JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any]
            XCTAssertNotNil(obj?["reason"] as? String)
        }
    }

    func testUnreadableRuleIsAUsageErrorNamingIt() throws {
        let path = try CLI.temporaryFile(crossingTraffic())
        let r = try CLI.run(["export", path, "--view", "alerts", "--alert", "feature=support-chat:spnd_per_hour>40"],
                            environment: try isolated())
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("feature=support-chat:spnd_per_hour>40"), r.stderr)
        XCTAssertTrue(r.stderr.contains("unknown metric 'spnd_per_hour'"), r.stderr)
    }

    func testFailingOnAlertDoesNotFailTheExport() throws {
        let path = try CLI.temporaryFile(crossingTraffic())
        let r = try CLI.run(["export", path, "--view", "alerts", "--alert", "feature=support-chat:spend_per_hour>40",
                             "--on-alert", "echo nope >&2; exit 7"], environment: try isolated())
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("exit 7") && r.stderr.contains("nope"), r.stderr)
    }
}
