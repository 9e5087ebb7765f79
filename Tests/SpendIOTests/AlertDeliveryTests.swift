import Foundation
import XCTest
@testable import SpendCore
@testable import SpendIO

final class AlertDeliveryTests: XCTestCase {
    var dir: String!
    /// 2100: far from the data, so the alert clock is the data's newest event.
    let wall: Int64 = 4_102_444_800_000

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
        func lines(_ minutes: Range<Int>) -> [UInt8] {
            // $20/h, one minute at $80/h, then $20/h: with a 1-minute window it holds for that minute only.
            let perHour = [20.0, 20, 20, 80, 20, 20, 20]
            return Array(minutes.map { m in
                let ts = Timestamp.format(ms: t0 + Int64(m) * 60_000 + 5_000)
                return #"{"ts":"\#(ts)","request_id":"r\#(m)","feature":"support-chat","model":"gpt-4o","cost_usd":\#(perHour[m] / 60)}"# + "\n"
            }.joined().utf8)
        }
        let rollup = Rollup(options: Rollup.Options())
        let pipeline = EventPipeline(rollup: rollup)
        var options = AlertEngine.Options()
        options.anomalies = false
        let rules = try AlertRuleSet.load(config: nil, commandLine: ["feature=support-chat:spend_per_hour>40 window=1m"])
        let path = dir + "/alerts.jsonl", out = dir + "/hook.json"
        let hook = AlertHook(command: "cat > '\(out)'")
        let delivery = AlertDelivery(engine: AlertEngine(rules: rules, options: options), logPath: path, hook: hook,
                                     report: { XCTFail($0) })
        lines(0..<3).withUnsafeBytes { pipeline.feed($0) }
        XCTAssertFalse(delivery.evaluate(rollup, wallMs: wall), "minutes 0 and 1 judged (the data's clock), nothing left")
        XCTAssertEqual(delivery.alertState.started, 0)
        XCTAssertEqual(delivery.alertState.judgedThroughMs, t0 + 2 * 60_000)
        // Minutes 2 to 5 in one go: the incident starts at the end of minute 3 and ends at the end of minute 4.
        lines(3..<7).withUnsafeBytes { pipeline.feed($0) }
        XCTAssertEqual(pipeline.stats.rejected, 0)
        delivery.evaluate(rollup, wallMs: wall)
        let state = delivery.alertState
        XCTAssertEqual(state.started, 1)
        XCTAssertEqual(state.history.map(\.startedMs), [t0 + 4 * 60_000])
        XCTAssertEqual(state.history.first?.endedMs, t0 + 5 * 60_000)
        XCTAssertTrue(delivery.waitUntilDelivered(timeout: 5))
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

/// Issue 13 point 5: an alert log that cannot be written (a full disk, a path that cannot be created) and a hook
/// that floods its output never stop alerting; each problem is published for the `!` screen.
final class AlertDeliveryFailureTests: XCTestCase {
    var dir: String!
    let wall: Int64 = 4_102_444_800_000
    let t0 = Timestamp.parseRFC3339("2026-11-28T10:00:00Z")!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "spendtop-alerts-fail-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// A rollup where support-chat crosses 40 $/h from minute 3 on (1-minute window), and a delivery judging it.
    func crossing(logPath: String, hook: AlertHook? = nil) throws -> (Rollup, AlertDelivery) {
        let rollup = Rollup(options: Rollup.Options())
        let pipeline = EventPipeline(rollup: rollup)
        let text = (0..<8).map { m in
            let ts = Timestamp.format(ms: t0 + Int64(m) * 60_000 + 5_000)
            return #"{"ts":"\#(ts)","request_id":"r\#(m)","feature":"support-chat","model":"gpt-4o","cost_usd":\#(m >= 3 ? 80.0 / 60 : 20.0 / 60)}"#
        }.joined(separator: "\n") + "\n"
        Array(text.utf8).withUnsafeBytes { pipeline.feed($0) }
        var options = AlertEngine.Options()
        options.anomalies = false
        let rules = try AlertRuleSet.load(config: nil, commandLine: ["feature=support-chat:spend_per_hour>40 window=1m"])
        var o = AlertDelivery.Options()
        o.logRetrySeconds = 0.05
        return (rollup, AlertDelivery(engine: AlertEngine(rules: rules, options: options), logPath: logPath, hook: hook, options: o))
    }

    func waitFor(_ what: String, _ condition: () -> Bool) {
        let deadline = Date(timeIntervalSinceNow: 20)
        while Date() < deadline { if condition() { return }; usleep(5_000) }
        XCTAssertTrue(condition(), "timed out waiting for \(what)")
    }

    func testAFullDiskHoldsTheLinesSaysSoAndWritesThemOnceItCan() throws {
        let path = dir + "/alerts.jsonl"
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/full")
        let (rollup, delivery) = try crossing(logPath: path)
        delivery.evaluate(rollup, wallMs: wall)
        XCTAssertEqual(delivery.alertState.started, 1, "alerting goes on")
        XCTAssertTrue(delivery.waitUntilDelivered(timeout: 5))
        let problems = delivery.alertState.problems.joined(separator: "\n")
        XCTAssertTrue(problems.contains("No space left on device"), problems)
        XCTAssertTrue(problems.contains("held"), problems)
        // Space again (here: the log moved to a real disk): the held start line is written, once, in order.
        try FileManager.default.removeItem(atPath: path)
        waitFor("the held line written") {
            delivery.evaluate(rollup, wallMs: wall)
            delivery.waitUntilDelivered(timeout: 1)
            return AlertLog.read(path).count == 1
        }
        XCTAssertEqual(AlertLog.read(path).map(\.event), ["start"])
        XCTAssertTrue(delivery.alertState.problems.last?.contains("writable again: 1 held line written") ?? false,
                      delivery.alertState.problems.joined(separator: "\n"))
    }

    func testALogThatCannotBeCreatedIsSaidAndTriedAgain() throws {
        // Its directory cannot be made: a file stands where it should be (this holds for root too).
        let blocker = dir + "/state"
        try "not a directory".write(toFile: blocker, atomically: true, encoding: .utf8)
        let path = blocker + "/spendtop/alerts.jsonl"
        let (rollup, delivery) = try crossing(logPath: path)
        XCTAssertTrue(delivery.alertState.problems.first?.contains("cannot open alert log \(path)") ?? false,
                      delivery.alertState.problems.joined(separator: "\n"))
        delivery.evaluate(rollup, wallMs: wall)
        XCTAssertEqual(delivery.alertState.started, 1)
        try FileManager.default.removeItem(atPath: blocker)
        waitFor("the log created and the line written") {
            delivery.evaluate(rollup, wallMs: wall)
            delivery.waitUntilDelivered(timeout: 1)
            return AlertLog.read(path).count == 1
        }
    }

    func testAHookFloodingItsOutputIsReportedAndAlertingGoesOn() throws {
        let hook = AlertHook(command: "cat >/dev/null; yes FLOOD | head -c 20000000; yes ERR | head -c 2000000 >&2; exit 4",
                             log: { _ in })
        let (rollup, delivery) = try crossing(logPath: dir + "/alerts.jsonl", hook: hook)
        delivery.evaluate(rollup, wallMs: wall)
        XCTAssertTrue(delivery.waitUntilDelivered(timeout: 5))
        XCTAssertTrue(hook.waitUntilIdle(seconds: 15))
        let problems = delivery.alertState.problems.joined(separator: "\n")
        XCTAssertTrue(problems.contains("on-alert command failed (exit 4)"), problems)
        XCTAssertTrue(problems.contains("ERR"), "the tail of its stderr")
        XCTAssertFalse(problems.contains("FLOOD"), "its stdout is discarded")
        XCTAssertLessThan(problems.count, 1_000, "a tail, not the flood")
        XCTAssertEqual(AlertLog.read(dir + "/alerts.jsonl").map(\.event), ["start"], "the log is not disturbed")
    }
}
