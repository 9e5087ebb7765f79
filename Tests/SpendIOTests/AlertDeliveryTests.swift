import Foundation
import XCTest
@testable import SpendCore
@testable import SpendIO

final class AlertDeliveryTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "spendtop-alerts-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    let event = AlertEvent(key: "anomaly:feature=support-chat:spend", kind: .anomaly, startedMs: 1_764_000_000_000,
                           scope: "api_key=\(KeyMask.mask("sk-live-RAWSECRETKEY1234567890wxyz"))", metric: "spend",
                           observed: 2.18, expected: 0.19, score: 14.2,
                           reason: "support-chat spend 11× baseline; key sk-…wxyz 96% of rise\u{1b}[31m")

    func testAlertLogAppendsStartAndEndLinesBesideTheStore() throws {
        XCTAssertEqual(AlertLog.defaultPath(storePath: dir + "/spend.db"), dir + "/alerts.jsonl")
        XCTAssertEqual(AlertLog.defaultPath(environment: ["XDG_STATE_HOME": dir]), dir + "/spendtop/alerts.jsonl")
        let path = AlertLog.defaultPath(environment: ["XDG_STATE_HOME": dir])
        var e = event
        do {
            let log = try AlertLog(path: path)  // creates the directory
            try log.append(e)
            e.endedMs = e.startedMs + 300_000
            try log.append(e)
        }
        let again = try AlertLog(path: path)  // reopening appends, never truncates
        try again.append(event)
        let records = AlertLog.read(path)
        XCTAssertEqual(records.map(\.event), ["start", "end", "start"])
        XCTAssertEqual(records[0].started, "2025-11-24T16:00:00Z")
        XCTAssertEqual(records[1].ended, "2025-11-24T16:05:00Z")
        XCTAssertEqual(records[0].score, 14.2)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text.split(separator: "\n").count, 3)
        XCTAssertFalse(text.contains("RAWSECRETKEY"), "raw keys never reach the log")
        XCTAssertFalse(text.contains("\u{1b}"), "control characters are stripped")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
    }

    func testAlertLogReportsAnUnwritablePath() {
        XCTAssertThrowsError(try AlertLog(path: "/proc/spendtop-cannot/alerts.jsonl")) { e in
            XCTAssertTrue("\(e)".contains("cannot open alert log"), "\(e)")
        }
    }

    final class Lines: @unchecked Sendable {
        let lock = NSLock()
        var items: [String] = []
        func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
    }

    func testHookReceivesValidJSONOnStdin() throws {
        let out = dir + "/got.json"
        let logs = Lines()
        let hook = AlertHook(command: "cat > '\(out)'", log: { logs.add($0) })
        let outcome = Lines()
        XCTAssertTrue(hook.run(event) { outcome.add("\($0)") })
        XCTAssertTrue(hook.waitUntilIdle(seconds: 5))
        XCTAssertEqual(outcome.all, ["\(AlertHook.Outcome.exited(0))"])
        let data = try XCTUnwrap(FileManager.default.contents(atPath: out))
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(obj["kind"] as? String, "anomaly")
        XCTAssertEqual(obj["metric"] as? String, "spend")
        XCTAssertEqual(obj["event"] as? String, "start")
        XCTAssertEqual(obj["observed"] as? Double, 2.18)
        XCTAssertEqual(obj["started"] as? String, "2025-11-24T16:00:00Z")
        let decoded = try JSONDecoder().decode(AlertRecord.self, from: data)
        XCTAssertEqual(decoded, AlertRecord(event))
        XCTAssertFalse(String(decoding: data, as: UTF8.self).contains("RAWSECRETKEY"))
        XCTAssertTrue(logs.all.isEmpty, "\(logs.all)")
    }

    func testHangingCommandNeverBlocksAndIsKilled() throws {
        let logs = Lines()
        let pidFile = dir + "/pid"
        // The shell starts a child that ignores stdin and sleeps: the whole process group must go.
        let hook = AlertHook(command: "sleep 30 & echo $! > '\(pidFile)'; wait", timeout: 0.5, log: { logs.add($0) })
        let t0 = Date()
        hook.run(event)
        XCTAssertEqual(hook.running, 1, "run returned while the command still runs")
        XCTAssertTrue(hook.waitUntilIdle(seconds: 20))
        let elapsed = Date().timeIntervalSince(t0)
        XCTAssertGreaterThanOrEqual(elapsed, 0.5)
        XCTAssertLessThan(elapsed, 20, "killed at its timeout, long before the command's 30 s")
        XCTAssertEqual(logs.all.count, 1)
        XCTAssertTrue(logs.all[0].contains("timed out"), logs.all[0])
        let pid = try XCTUnwrap(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        // Reaped by init or gone: either way no longer running (kill 0 fails, or it is a zombie being reaped).
        var gone = false
        for _ in 0..<100 {
            if kill(pid, 0) != 0 { gone = true; break }
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            if stat.contains(") Z") { gone = true; break }
            usleep(20_000)
        }
        XCTAssertTrue(gone, "the command's child was killed with its group")
    }

    func testFailingCommandIsLoggedWithItsStderr() {
        let logs = Lines()
        let hook = AlertHook(command: "echo 'pager down' >&2; exit 3", log: { logs.add($0) })
        hook.run(event)
        XCTAssertTrue(hook.waitUntilIdle(seconds: 5))
        XCTAssertEqual(logs.all.count, 1)
        XCTAssertTrue(logs.all[0].contains("exit 3") && logs.all[0].contains("pager down"), logs.all[0])
        XCTAssertTrue(logs.all[0].contains("anomaly:feature=support-chat:spend"))
    }

    func testCommandThatDoesNotReadStdinIsFine() {
        let logs = Lines()
        let hook = AlertHook(command: "exit 0", log: { logs.add($0) })
        let big = AlertEvent(key: "k", kind: .threshold, startedMs: 0, scope: "fleet", metric: "spend", observed: 1,
                             reason: String(repeating: "x", count: 300_000))
        hook.run(big)
        XCTAssertTrue(hook.waitUntilIdle(seconds: 5))
        XCTAssertTrue(logs.all.isEmpty, "\(logs.all)")
    }

    func testAlertStormIsBounded() {
        let logs = Lines()
        let hook = AlertHook(command: "sleep 0.3", maxInFlight: 2, log: { logs.add($0) })
        let started = (0..<5).map { _ in hook.run(event) }
        XCTAssertEqual(started, [true, true, false, false, false])
        XCTAssertTrue(hook.waitUntilIdle(seconds: 5))
        XCTAssertEqual(logs.all.filter { $0.contains("still running") }.count, 3)
        XCTAssertTrue(hook.run(event), "runs again once the others finished")
        XCTAssertTrue(hook.waitUntilIdle(seconds: 5))
    }

    /// An incident that starts and ends between two calls (a console that was busy, or a burst of late
    /// lines) is still delivered as a start: one start line then one end line, and the hook reads a start.
    func testIncidentStartingAndEndingInOneCallIsDeliveredAsAStart() throws {
        let t0 = Timestamp.parseRFC3339("2026-11-28T10:00:00Z")!
        var lines: [String] = []
        // $20/h, one minute at $80/h, then $20/h: with a 1-minute window it holds for that minute only.
        for (m, perHour) in [20.0, 20, 20, 80, 20, 20].enumerated() {
            let ts = Timestamp.format(ms: t0 + Int64(m) * 60_000 + 5_000)
            lines.append(#"{"ts":"\#(ts)","request_id":"r\#(m)","feature":"support-chat","model":"gpt-4o","cost_usd":\#(perHour / 60)}"#)
        }
        let rollup = Rollup(options: Rollup.Options())
        let pipeline = EventPipeline(rollup: rollup)
        let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        bytes.withUnsafeBytes { pipeline.feed($0) }
        pipeline.finish()
        XCTAssertEqual(pipeline.stats.rejected, 0)
        var options = AlertEngine.Options()
        options.anomalies = false
        let rules = try AlertRuleSet.load(config: nil, commandLine: ["feature=support-chat:spend_per_hour>40 window=1m"])
        let path = dir + "/alerts.jsonl", out = dir + "/hook.json"
        let hook = AlertHook(command: "cat > '\(out)'")
        let delivery = AlertDelivery(engine: AlertEngine(rules: rules, options: options), log: try AlertLog(path: path),
                                     hook: hook, report: { XCTFail($0) })
        XCTAssertEqual(delivery.evaluate(rollup, nowMs: t0 + 2 * 60_000 + 10_000), [], "minutes 0 and 1: quiet")
        // Minutes 2 to 5 in one call: the incident starts at the end of minute 3 and ends at the end of minute 4.
        let started = delivery.evaluate(rollup, nowMs: t0 + 6 * 60_000 + 10_000)
        XCTAssertEqual(started.map(\.startedMs), [t0 + 4 * 60_000])
        XCTAssertEqual(started.first?.endedMs, t0 + 5 * 60_000)
        XCTAssertTrue(hook.waitUntilIdle(seconds: 5))
        let records = AlertLog.read(path)
        XCTAssertEqual(records.map(\.event), ["start", "end"])
        XCTAssertNil(records.first?.ended, "a start line does not carry the end")
        XCTAssertEqual(records.last?.ended, "2026-11-28T10:05:00Z")
        let got = try JSONDecoder().decode(AlertRecord.self, from: try XCTUnwrap(FileManager.default.contents(atPath: out)))
        XCTAssertEqual(got.event, "start")
        XCTAssertNil(got.ended)
    }

    func testSampleConfigRulesLoad() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let config = try ConfigLoader.load(explicitPath: root.appendingPathComponent("sample-data/config.toml").path)
        let set = try AlertRuleSet.load(config: config, commandLine: [])
        XCTAssertEqual(set.rules.map(\.name), ["support-chat burn", "cache collapse"])
        XCTAssertEqual(set.rules[0].windowMinutes, 15)
        XCTAssertEqual(set.rules[0].forMinutes, 2)
        XCTAssertEqual(set.rules[1].comparison, .below)
        XCTAssertEqual(set.budgets.map(\.limitUSD), [50])
    }
}
