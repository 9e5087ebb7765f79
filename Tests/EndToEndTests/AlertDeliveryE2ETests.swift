import Foundation
import XCTest

/// Alert delivery from the real console (SPEC §7): the bell in a real terminal, the alert log and
/// `--on-alert`, with the file followed while the traffic arrives.
final class AlertDeliveryE2ETests: XCTestCase {
    var sessions: [TmuxSession] = []
    /// Process groups of hook commands left sleeping, ended in tearDown.
    var hookGroups: [pid_t] = []
    let rule = "feature=support-chat:spend_per_hour>40"
    let t0 = 1_795_860_000_000 as Int64  // 2026-11-28T10:00:00Z, far from the wall clock: the clock is the newest event

    override func tearDown() {
        for s in sessions { s.kill() }
        sessions = []
        for g in hookGroups where g > 1 { kill(-g, SIGKILL) }
        hookGroups = []
    }

    func tempDir() throws -> String {
        let d = ScratchFiles.shared.track(NSTemporaryDirectory() + "spendtop-e2e-bell-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// $/h per minute: 5 quiet, 4 at $80/h (the 5-minute rate crosses 40 at the 2nd), 14 quiet (ends, and
    /// more than the 10-minute cooldown), 4 at $80/h again, 7 quiet (the second ends). Two crossings in
    /// 34 minutes: too short for the anomaly detector to warm up, so the rule is the only thing that fires.
    let shape: [Double] = Array(repeating: 20, count: 5) + Array(repeating: 80, count: 4) + Array(repeating: 20, count: 14)
        + Array(repeating: 80, count: 4) + Array(repeating: 20, count: 7)

    /// Two support-chat requests in each minute, at :05 and :35.
    func lines(minutes: Range<Int>) -> String {
        var out = ""
        for m in minutes {
            for (i, offset) in [5_000, 35_000].enumerated() {
                let ts = Double(t0 + Int64(m) * 60_000 + Int64(offset)) / 1000
                out += #"{"ts":\#(ts),"request_id":"r\#(m)-\#(i)","feature":"support-chat","api_key":"sk-proj-RAWSECRET0123456789abcd","model":"gpt-4o","cost_usd":\#(shape[m] / 120)}"# + "\n"
            }
        }
        return out
    }

    /// The header clock once minute `m`'s last event is read (`2026-11-28 10:04:35Z`).
    func clock(afterMinute m: Int) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: Date(timeIntervalSince1970: Double(t0 + Int64(m) * 60_000 + 35_000) / 1000)) + "Z"
    }

    func append(_ text: String, to path: String) throws {
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: Data(text.utf8))
    }

    /// BEL bytes the console has written to its terminal so far.
    func bells(_ typescript: String) -> Int {
        ((try? Data(contentsOf: URL(fileURLWithPath: typescript))) ?? Data()).reduce(0) { $0 + ($1 == 0x07 ? 1 : 0) }
    }

    /// Polls until `n` BELs were written, then checks no more follow; fails on timeout.
    func expectBells(_ n: Int, _ typescript: String, timeout: TimeInterval = 5, file: StaticString = #filePath, line: UInt = #line) {
        let deadline = Date().addingTimeInterval(timeout)
        while bells(typescript) < n && Date() < deadline { usleep(20_000) }
        XCTAssertEqual(bells(typescript), n, "BEL bytes written", file: file, line: line)
    }

    func alertLog(_ s: TmuxSession) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: s.stateHome + "/spendtop/alerts.jsonl", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// The alerts pane (newest first) lists the two incidents by start time.
    func listsBoth(_ screen: String) -> Bool {
        guard let second = screen.range(of: "10:25:00 support-chat"), let first = screen.range(of: "10:07:00 support-chat") else { return false }
        return second.lowerBound < first.lowerBound
    }

    func start(_ args: [String], typescript: String, width: Int = 120, height: Int = 40) throws -> TmuxSession {
        let s = try TmuxSession(width: width, height: height, args: args, typescript: typescript)
        sessions.append(s)
        return s
    }

    /// The issue's acceptance: on a followed replay the rule fires exactly once per crossing, one BEL each.
    func testBellRingsOncePerCrossingOnAFollowedReplay() throws {
        let dir = try tempDir()
        let path = dir + "/traffic.jsonl"
        let typescript = dir + "/typescript"
        try lines(minutes: 0..<5).write(toFile: path, atomically: true, encoding: .utf8)
        let s = try start([path, "--alert", rule, "--no-store", "--window", "15m"], typescript: typescript)
        // The first evaluation catches up on the quiet minutes.
        s.waitFor(clock(afterMinute: 4))
        XCTAssertEqual(bells(typescript), 0, "drawing the console rings nothing")
        // Then the traffic arrives a few minutes at a time; each step is judged (the clock on screen comes
        // from the same read as the evaluation) before the next lands, as a live stream would be.
        var m = 5
        while m < shape.count {
            let next = min(m + 3, shape.count)
            try append(lines(minutes: m..<next), to: path)
            let last = next - 1
            s.waitFor(clock(afterMinute: last))
            // Minute 6 closes (first start) once minute 7 is read; minute 24 (second start) once minute 25 is.
            expectBells(last >= 25 ? 2 : last >= 7 ? 1 : 0, typescript)
            if last == 13 {
                XCTAssertEqual(alertLog(s).map { $0["event"] as? String }, ["start", "end"], "the first incident ended at 10:13")
            }
            m = next
        }
        let screen = s.wait("both incidents listed") { $0.contains("Alerts 0 active") && listsBoth($0) }
        XCTAssertFalse(screen.contains("RAWSECRET"))
        expectBells(2, typescript)
        let log = alertLog(s)
        XCTAssertEqual(log.map { $0["event"] as? String }, ["start", "end", "start", "end"])
        XCTAssertEqual(log.map { $0["started"] as? String },
                       ["2026-11-28T10:07:00Z", "2026-11-28T10:07:00Z", "2026-11-28T10:25:00Z", "2026-11-28T10:25:00Z"])
        XCTAssertEqual(log.compactMap { $0["ended"] as? String }, ["2026-11-28T10:13:00Z", "2026-11-28T10:31:00Z"])
        for l in log {
            XCTAssertEqual(l["kind"] as? String, "threshold")
            XCTAssertEqual(l["scope"] as? String, "feature=support-chat")
        }
        // The same incidents as the headless replay.
        let export = try CLI.run(["export", path, "--view", "alerts", "--alert", rule, "--no-store"],
                                 environment: ["XDG_STATE_HOME": dir + "/x", "XDG_CONFIG_HOME": dir + "/x"])
        XCTAssertEqual(CLI.parseCSV(export.stdout).dropFirst().map { $0[0] }, ["2026-11-28T10:07:00Z", "2026-11-28T10:25:00Z"], export.stderr)
        s.send("q")
        s.waitFor("EXITED:0")
        XCTAssertEqual(bells(typescript), 2, "no BEL on the way out")
    }

    /// Control: ncurses draws, the help overlay, window changes and quitting write no BEL, and a first
    /// evaluation over history that already ended catches up quietly (listed, not rung).
    func testNoBellForDrawingOrForHistoryCaughtUpOnStart() throws {
        let dir = try tempDir()
        let path = dir + "/traffic.jsonl"
        let typescript = dir + "/typescript"
        try lines(minutes: 0..<shape.count).write(toFile: path, atomically: true, encoding: .utf8)
        let s = try start([path, "--alert", rule, "--no-store", "--window", "15m"], typescript: typescript)
        let screen = s.wait("both incidents listed") { $0.contains(clock(afterMinute: shape.count - 1)) && listsBoth($0) }
        XCTAssertTrue(screen.contains("Alerts 0 active"), screen)
        s.send("?")
        s.waitFor("this help")
        s.send("Escape")
        s.wait("help closed") { !$0.contains("this help") }
        s.send("1")
        s.waitFor("window 1m")
        for k in ["Tab", "Down", "s"] { s.send(k) }
        s.waitFor("sort share")
        s.send("q")
        s.waitFor("EXITED:0")
        XCTAssertGreaterThan((try Data(contentsOf: URL(fileURLWithPath: typescript))).count, 1000, "the console's output was recorded")
        XCTAssertEqual(bells(typescript), 0)
        XCTAssertFalse(alertLog(s).contains { $0["event"] as? String == "start" }, "history caught up on start is not delivered")
    }

    /// Traffic whose last closed minute is inside the first crossing: the first evaluation delivers that
    /// still-holding incident (bell, log, hook) once.
    func crossingNow(_ path: String) throws {
        try lines(minutes: 0..<9).write(toFile: path, atomically: true, encoding: .utf8)
    }

    func testOnAlertGetsTheAlertAsJSONAndAHangingCommandDoesNotStallTheConsole() throws {
        let dir = try tempDir()
        let path = dir + "/traffic.jsonl", out = dir + "/out.json", pidFile = dir + "/hook.pid"
        let typescript = dir + "/typescript"
        try crossingNow(path)
        let hook = "echo $$ > '\(pidFile)'; cat > '\(out)'; sleep 30"
        let s = try start([path, "--alert", rule, "--no-store", "--on-alert", hook], typescript: typescript)
        s.waitFor(clock(afterMinute: 8))
        expectBells(1, typescript)
        // The hook has read its stdin (cat hit end of file) and now hangs in sleep.
        var json: [String: Any]?
        let deadline = Date().addingTimeInterval(5)
        while json == nil && Date() < deadline {
            if let d = FileManager.default.contents(atPath: out), d.last == 0x0A {
                json = try JSONSerialization.jsonObject(with: d) as? [String: Any]
            } else {
                usleep(20_000)
            }
        }
        if let p = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap({ pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
            hookGroups.append(p)  // its own process group (docs/alerts.md)
        }
        let alert = try XCTUnwrap(json, "the hook got one JSON document on stdin")
        let group = try XCTUnwrap(hookGroups.first, "the hook wrote its pid")
        XCTAssertEqual(kill(group, 0), 0, "the hook is still running (sleeping)")
        XCTAssertEqual(alert["event"] as? String, "start")
        XCTAssertEqual(alert["kind"] as? String, "threshold")
        XCTAssertEqual(alert["scope"] as? String, "feature=support-chat")
        XCTAssertEqual(alert["metric"] as? String, "spend_per_hour")
        XCTAssertEqual(alert["started"] as? String, "2026-11-28T10:07:00Z")
        XCTAssertEqual((alert["started_ms"] as? NSNumber)?.int64Value, t0 + 7 * 60_000)
        XCTAssertEqual(alert["expected"] as? Double, 40)
        XCTAssertGreaterThan(alert["observed"] as? Double ?? 0, 40)
        XCTAssertNil(alert["ended"])
        XCTAssertTrue((alert["reason"] as? String ?? "").contains("support-chat"), "\(alert)")
        XCTAssertTrue((alert["key"] as? String ?? "").hasPrefix("rule:"), "\(alert)")
        XCTAssertFalse(String(decoding: FileManager.default.contents(atPath: out) ?? Data(), as: UTF8.self).contains("RAWSECRET"))
        // While it hangs, keys are answered: the console quits while the hook's group still lives (it
        // is killed at its 10 s timeout, so a console that waited for it would find it gone).
        s.send("?")
        s.waitFor("this help", timeout: 2)
        s.send("Escape")
        s.wait(timeout: 2, "help closed") { !$0.contains("this help") }
        s.send("q")
        s.waitFor("EXITED:0", timeout: 3)
        XCTAssertEqual(kill(group, 0), 0, "the console did not wait for the hook")
        XCTAssertEqual(bells(typescript), 1)
        XCTAssertEqual(alertLog(s).map { $0["event"] as? String }, ["start"])
    }

    func testFailingOnAlertIsReportedAfterQuitAndTheConsoleKeepsRunning() throws {
        let dir = try tempDir()
        let path = dir + "/traffic.jsonl", done = dir + "/hook.done"
        let typescript = dir + "/typescript"
        try crossingNow(path)
        let hook = "cat >/dev/null; echo 'no pager here' >&2; touch '\(done)'; exit 3"
        let s = try start([path, "--alert", rule, "--no-store", "--on-alert", hook], typescript: typescript)
        s.waitFor(clock(afterMinute: 8))
        let deadline = Date().addingTimeInterval(5)
        while !FileManager.default.fileExists(atPath: done) && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: done), "the hook ran")
        // The console goes on: more traffic is read and drawn, keys are answered; nothing is written over it.
        try append(lines(minutes: 9..<12), to: path)
        var screen = s.waitFor(clock(afterMinute: 11))
        XCTAssertFalse(screen.contains("no pager here"), "the hook's stderr is not drawn over the console")
        s.send("?")
        s.waitFor("this help", timeout: 2)
        s.send("Escape")
        s.wait(timeout: 2, "help closed") { !$0.contains("this help") }
        s.send("q")
        screen = s.waitFor("EXITED:0", timeout: 3)
        // Printed once the console has given the screen back.
        XCTAssertTrue(screen.contains("on-alert command failed (exit 3)"), screen)
        XCTAssertTrue(screen.contains("no pager here"), screen)
        let recorded = String(decoding: try Data(contentsOf: URL(fileURLWithPath: typescript)), as: UTF8.self)
        let message = try XCTUnwrap(recorded.range(of: "spendtop: on-alert command failed (exit 3)"), "on stderr")
        let leftScreen = try XCTUnwrap(recorded.range(of: "\u{1B}[?1049l", options: .backwards), "rmcup")
        XCTAssertLessThan(leftScreen.upperBound, message.lowerBound, "after the console left the alternate screen")
        XCTAssertEqual(bells(typescript), 1)
    }
}
