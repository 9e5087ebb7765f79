import Foundation
import XCTest

/// Alerting as a person meets it: `check --follow` as a headless alerting daemon, a paused console that still
/// alerts on time, and the alerts pane's detail (all with real files appended while spendtop follows them).
final class AlertingE2ETests: XCTestCase {
    var sessions: [TmuxSession] = []
    var processes: [Process] = []
    var dirs: [String] = []
    let rule = "feature=support-chat:spend_per_hour>40"
    let t0 = 1_795_860_000_000 as Int64  // 2026-11-28T10:00:00Z, far from the wall clock: the clock is the newest event

    override func tearDown() {
        for s in sessions { s.kill() }
        sessions = []
        for p in processes where p.isRunning { p.interrupt(); p.waitUntilExit() }
        processes = []
        for d in dirs { try? FileManager.default.removeItem(atPath: d) }
        dirs = []
    }

    func tempDir() throws -> String {
        let d = NSTemporaryDirectory() + "spendtop-e2e-alerting-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        dirs.append(d)
        return d
    }

    /// $/h per minute, as in AlertDeliveryE2ETests: crossings of 40 $/h starting at minutes 5 and 23 (judged at
    /// 10:07 and 10:25), ending at 10:13 and 10:31; too short for the anomaly detector to warm up.
    let shape: [Double] = Array(repeating: 20, count: 5) + Array(repeating: 80, count: 4) + Array(repeating: 20, count: 14)
        + Array(repeating: 80, count: 4) + Array(repeating: 20, count: 7)

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

    func jsonLines(_ path: String) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        // Only complete lines: a line being written has no newline yet.
        return text.split(separator: "\n", omittingEmptySubsequences: true).dropLast(text.hasSuffix("\n") ? 0 : 1)
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    func waitFor(_ what: String, timeout: TimeInterval = 20, file: StaticString = #filePath, line: UInt = #line, _ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(condition(), "timed out waiting for \(what)", file: file, line: line)
    }

    func bells(_ typescript: String) -> Int {
        ((try? Data(contentsOf: URL(fileURLWithPath: typescript))) ?? Data()).reduce(0) { $0 + ($1 == 0x07 ? 1 : 0) }
    }

    /// `spendtop check --follow FILE --alert RULE --on-alert CMD` runs headless as an alerting daemon: the alert
    /// still holding when it starts is delivered once, and each later crossing is delivered as the file grows.
    func testCheckFollowDeliversAlertsHeadless() throws {
        let dir = try tempDir()
        let path = dir + "/traffic.jsonl", hooked = dir + "/hooked.jsonl"
        let stdout = dir + "/stdout", stderr = dir + "/stderr", state = dir + "/state"
        // Minutes 0–8: the first crossing is under way when the daemon starts.
        try lines(minutes: 0..<9).write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertTrue(FileManager.default.createFile(atPath: stdout, contents: nil))
        XCTAssertTrue(FileManager.default.createFile(atPath: stderr, contents: nil))
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["check", "--follow", path, "--alert", rule, "--no-store", "--on-alert", "cat >> '\(hooked)'"]
        var env = ProcessInfo.processInfo.environment
        env["XDG_STATE_HOME"] = state
        env["XDG_CONFIG_HOME"] = dir + "/config"
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        try p.run()
        processes.append(p)
        let log = state + "/spendtop/alerts.jsonl"
        // The history it found is judged once it is read: the incident still holding is delivered.
        waitFor("the holding incident delivered to the hook") { jsonLines(hooked).count == 1 }
        XCTAssertEqual(jsonLines(hooked).first?["started"] as? String, "2026-11-28T10:07:00Z")
        XCTAssertEqual(jsonLines(hooked).first?["event"] as? String, "start")
        waitFor("its start line in the log") { jsonLines(log).count == 1 }
        // It ends as quiet minutes arrive, and the next crossing is delivered as it happens.
        try append(lines(minutes: 9..<23), to: path)
        waitFor("the end line") { jsonLines(log).map { $0["event"] as? String } == ["start", "end"] }
        XCTAssertEqual(jsonLines(log).last?["ended"] as? String, "2026-11-28T10:13:00Z")
        try append(lines(minutes: 23..<27), to: path)
        waitFor("the second crossing at the hook") { jsonLines(hooked).count == 2 }
        XCTAssertEqual(jsonLines(hooked).last?["started"] as? String, "2026-11-28T10:25:00Z")
        try append(lines(minutes: 27..<shape.count), to: path)
        waitFor("the second end") { jsonLines(log).map { $0["event"] as? String } == ["start", "end", "start", "end"] }
        XCTAssertTrue(p.isRunning, "still following")
        p.terminate()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let out = try String(contentsOfFile: stdout, encoding: .utf8)
        XCTAssertTrue(out.contains("alerts\n  started         2\n  active          0\n"), out)
        XCTAssertTrue(out.contains("  log             \(log)"), out)
        let all = try Data(contentsOf: URL(fileURLWithPath: stdout)) + Data(contentsOf: URL(fileURLWithPath: stderr))
        XCTAssertFalse(all.contains(0x07), "headless: no bell")
        XCTAssertFalse(String(decoding: all, as: UTF8.self).contains("RAWSECRET"))
        XCTAssertFalse((try String(contentsOfFile: hooked, encoding: .utf8)).contains("RAWSECRET"))
        XCTAssertEqual(jsonLines(hooked).count, 2, "each start delivered once")
    }

    /// `check --alert` without `--follow` is a usage error that points at `export --view alerts`.
    func testCheckAlertWithoutFollowIsAUsageError() throws {
        let path = try CLI.temporaryFile(lines(minutes: 0..<3))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try CLI.run(["check", path, "--alert", rule, "--no-store"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("--alert and --on-alert go with --follow"), r.stderr)
    }

    /// A paused console still alerts on time: the bell, the log and the header's alert count arrive while the
    /// data on screen holds.
    func testPausedConsoleStillAlertsOnTime() throws {
        let dir = try tempDir()
        let path = dir + "/traffic.jsonl", typescript = dir + "/typescript"
        try lines(minutes: 0..<5).write(toFile: path, atomically: true, encoding: .utf8)
        let s = try TmuxSession(width: 120, height: 40, args: [path, "--alert", rule, "--no-store", "--window", "15m"],
                                typescript: typescript)
        sessions.append(s)
        s.waitFor(clock(afterMinute: 4))
        s.send("p")
        s.waitFor("⏸ PAUSED")
        try append(lines(minutes: 5..<9), to: path)
        let log = s.stateHome + "/spendtop/alerts.jsonl"
        waitFor("the start line while paused") { jsonLines(log).map { $0["event"] as? String } == ["start"] }
        waitFor("one bell while paused") { bells(typescript) == 1 }
        let screen = s.wait("the alert in the header and the pane, the data held") {
            $0.contains("▲ 1 alert") && $0.contains("Alerts 1 active") && $0.contains("⏸ PAUSED")
        }
        XCTAssertTrue(screen.contains(clock(afterMinute: 4)), "the data on screen is still the paused frame")
        XCTAssertFalse(screen.contains(clock(afterMinute: 8)))
        s.send("p")
        s.waitFor(clock(afterMinute: 8))
        s.send("q")
        s.waitFor("EXITED:0")
        XCTAssertEqual(bells(typescript), 1)
    }

    /// Enter on an alert row opens its detail (started, ended or active for, scope, metric, observed vs expected,
    /// the full reason), ended alerts are marked, the title counts both, and Enter in the detail drills to the scope.
    func testAlertDetailAndEndedMarks() throws {
        let dir = try tempDir()
        let path = dir + "/traffic.jsonl"
        // Minutes 0–25: the first incident ended at 10:13, the second is under way.
        try lines(minutes: 0..<26).write(toFile: path, atomically: true, encoding: .utf8)
        let s = try TmuxSession(width: 200, height: 50, args: [path, "--alert", rule, "--no-store", "--window", "15m"])
        sessions.append(s)
        var screen = s.waitFor("Alerts 1 active · 2 today")
        XCTAssertTrue(screen.contains("▲ 1 alert"), screen)
        let ended = try XCTUnwrap(screen.split(separator: "\n").first { $0.contains("10:07:00 support-chat") }, screen)
        XCTAssertTrue(ended.contains("ended 10:13"), String(ended))
        let active = try XCTUnwrap(screen.split(separator: "\n").first { $0.contains("10:25:00 support-chat") }, screen)
        XCTAssertTrue(active.contains("▲ active"), String(active))
        // Tab to the alerts pane (features, keys, models, alerts); its first row is the newest (active) alert. The
        // selection follows a row's id, so if a frame drawn while the history was still being judged selected the
        // first incident, it stays on it: go to the first row.
        for _ in 0..<3 { s.send("Tab") }
        s.send("g")
        s.send("Enter")
        screen = s.waitFor("Alert · threshold")
        XCTAssertTrue(screen.contains("2026-11-28 10:25:00Z"), screen)
        XCTAssertTrue(screen.contains("▲ active for 0m"), screen)
        XCTAssertTrue(screen.contains("feature=support-chat"), screen)
        XCTAssertTrue(screen.contains("spend_per_hour"), screen)
        XCTAssertTrue(screen.contains("expected $40/h (threshold)"), screen)
        XCTAssertTrue(screen.contains("support-chat spend_per_hour $44/h > $40/h over 5m"), "the full reason:\n\(screen)")
        XCTAssertTrue(screen.contains("⏎ open feature=support-chat"), screen)
        s.send("Escape")
        s.wait("detail closed") { !$0.contains("Alert · threshold") }
        s.send("Down")
        s.send("Enter")
        screen = s.waitFor("lasted 6m")
        XCTAssertTrue(screen.contains("2026-11-28 10:13:00Z"), screen)
        s.send("Enter")
        screen = s.wait("drilled to the alert's scope") { $0.contains("all › feature support-chat") && !$0.contains("Alert · ") }
        s.send("q")
        s.waitFor("EXITED:0")
    }

    /// Issue 13 point 5: `alerts.jsonl` on a full disk and a hook that floods its output and fails: the console
    /// keeps running, draws none of the flood, and says both in the header and under `!`.
    func testFullDiskLogAndFloodingHookAreShownUnderBang() throws {
        let dir = try tempDir()
        let path = dir + "/traffic.jsonl", state = dir + "/state"
        try FileManager.default.createDirectory(atPath: state + "/spendtop", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: state + "/spendtop/alerts.jsonl", withDestinationPath: "/dev/full")
        try lines(minutes: 0..<5).write(toFile: path, atomically: true, encoding: .utf8)
        let hook = "cat >/dev/null; yes FLOOD | head -c 20000000; yes FLOODERR | head -c 2000000 >&2; exit 4"
        let s = try TmuxSession(width: 200, height: 50, args: [path, "--alert", rule, "--no-store", "--on-alert", hook],
                                env: ["XDG_STATE_HOME": state])
        sessions.append(s)
        s.waitFor(clock(afterMinute: 4))
        try append(lines(minutes: 5..<9), to: path)
        var screen = s.waitFor("! alert delivery (see !)")
        XCTAssertTrue(screen.contains("▲ 1 alert"), screen)
        s.send("!")
        screen = s.wait("both problems under !") {
            $0.contains("alert delivery") && $0.contains("No space left on device") && $0.contains("on-alert command failed (exit 4)")
        }
        XCTAssertFalse(screen.split(separator: "\n").contains { $0.contains("FLOOD") && !$0.contains("on-alert command failed") },
                       "the hook's output is never drawn: only the tail of its stderr, in the message")
        s.send("Escape")
        s.wait("overlay closed") { !$0.contains("No space left on device") }
        // It keeps following and drawing.
        try append(lines(minutes: 9..<12), to: path)
        s.waitFor(clock(afterMinute: 11))
        s.send("q")
        screen = s.waitFor("EXITED:0")
        XCTAssertTrue(screen.contains("No space left on device"), "said again on stderr after the console exits")
    }

    /// Issue 9 point 11: `spendtop sample-data/day.jsonl` shows the incidents its README promises: the console's first
    /// evaluation judges the whole replayed day (not only its last hour), and lists them without ringing for them.
    func testSampleDayShowsItsIncidents() throws {
        let dir = try tempDir()
        let sample = CLI.packageRoot.appendingPathComponent("sample-data/day.jsonl").path
        let typescript = dir + "/typescript"
        let s = try TmuxSession(width: 200, height: 50, args: [sample, "--no-store"], cwd: dir, typescript: typescript)
        sessions.append(s)
        // Judging a day of minutes takes a moment (seconds in a debug build); the pane says how far it is.
        let screen = s.wait(timeout: 180, "the whole day judged") {
            $0.contains("2026-11-27 23:59:49Z") && $0.range(of: #"Alerts \d+ active · \d+ today"#, options: .regularExpression) != nil
                && !$0.contains("judging history")
        }
        XCTAssertTrue(screen.contains("● 1 live"), screen)
        // What the pane lists is what `e` writes: read it all back.
        for _ in 0..<3 { s.send("Tab") }
        s.send("e")
        s.waitFor("exported ")
        let csv = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasSuffix(".csv") })
        let rows = CLI.parseCSV(try String(contentsOfFile: dir + "/" + csv, encoding: .utf8))
        let header = try XCTUnwrap(rows.first)
        let started = try XCTUnwrap(header.firstIndex(of: "started")), scope = try XCTUnwrap(header.firstIndex(of: "scope"))
        func found(_ from: String, _ to: String, gpu: Bool = false) -> Bool {
            rows.dropFirst().contains { r in
                r[started] >= "2026-11-27T\(from):00Z" && r[started] <= "2026-11-27T\(to):00Z" && r[scope].hasPrefix("gpu=") == gpu
            }
        }
        let listed = rows.map { $0.joined(separator: " | ") }.joined(separator: "\n")
        XCTAssertTrue(found("09:36", "10:19"), "the anthropic 429 storm:\n\(listed)")
        XCTAssertTrue(found("13:55", "14:39"), "the runaway agent-planner key:\n\(listed)")
        XCTAssertTrue(found("06:00", "07:15", gpu: true), "GPU 2 of h100-b idle:\n\(listed)")
        s.send("q")
        s.waitFor("EXITED:0")
        XCTAssertEqual(bells(typescript), 0, "a day of history is listed, not rung")
    }
}
