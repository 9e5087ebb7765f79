import Foundation
import XCTest

/// Issue 9 in a real terminal and on the real command line: what a new user sees in the first hour.
final class FirstHourE2ETests: XCTestCase {
    var sessions: [TmuxSession] = []
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "spendtop-e2e-firsthour-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        for s in sessions {
            s.kill()
            try? FileManager.default.removeItem(atPath: (s.stateHome as NSString).deletingLastPathComponent)
        }
        sessions = []
        try? FileManager.default.removeItem(atPath: dir)
    }

    func start(_ args: [String], width: Int = 120, height: Int = 40, env: [String: String] = [:]) throws -> TmuxSession {
        let s = try TmuxSession(width: width, height: height, args: args, cwd: dir, env: env)
        sessions.append(s)
        return s
    }

    static let base: Int64 = 1_795_860_000_000   // 2026-11-28T10:00:00Z

    static func iso(_ ms: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    static func line(_ ms: Int64, _ feature: String, cost: Double, id: String, model: String = "gpt-4o") -> String {
        #"{"ts":"\#(iso(ms))","request_id":"\#(id)","feature":"\#(feature)","api_key":"ci","model":"\#(model)","input_tokens":100,"output_tokens":10,"cost_usd":\#(cost)}"#
    }

    func append(_ path: String, _ lines: [String]) throws {
        let h = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        h.seekToEndOfFile()
        h.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        try h.close()
    }

    /// The rows of the features pane, top to bottom, and which one is selected.
    func featureRows(_ screen: String) -> (names: [String], selected: String?) {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let top = lines.firstIndex(where: { $0.contains("┌ Features") }) else { return ([], nil) }
        var names: [String] = [], selected: String?
        for l in lines[(top + 2)...] {
            if l.hasPrefix("└") { break }
            let body = l.drop { $0 == "│" }
            guard let mark = body.first else { continue }
            let name = body.dropFirst(2).split(separator: " ").first.map(String.init) ?? ""
            if name.isEmpty || name == "│" { continue }
            names.append(name)
            if mark == "▶" { selected = name }
        }
        return (names, selected)
    }

    // MARK: point 1

    /// Rows re-sort while nobody types: the highlight stays on the group picked; when that group
    /// leaves the window it goes to its nearest neighbour; g, G and the arrows still move it.
    func testSelectionFollowsTheGroupAcrossReSorts() throws {
        let path = dir + "/gw.jsonl"
        let b = FirstHourE2ETests.base
        try ([FirstHourE2ETests.line(b, "alpha-feat", cost: 3, id: "a1"), FirstHourE2ETests.line(b + 1000, "bravo-feat", cost: 2, id: "b1"),
              FirstHourE2ETests.line(b + 2000, "charlie-feat", cost: 1, id: "c1")].joined(separator: "\n") + "\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let s = try start([path, "--no-store"])
        var screen = s.wait("three features, alpha on top and selected") { self.featureRows($0) == (["alpha-feat", "bravo-feat", "charlie-feat"], "alpha-feat") }
        // bravo overtakes alpha: the rows swap, the selection does not move to bravo.
        try append(path, [FirstHourE2ETests.line(b + 10_000, "bravo-feat", cost: 5, id: "b2")])
        screen = s.wait("bravo on top") { self.featureRows($0).names.first == "bravo-feat" }
        XCTAssertEqual(featureRows(screen).selected, "alpha-feat", screen)
        s.send("G")
        s.wait("G: the last row") { self.featureRows($0).selected == "charlie-feat" }
        s.send("g")
        s.wait("g: the first row") { self.featureRows($0).selected == "bravo-feat" }
        s.send("Down")
        s.wait("down: alpha") { self.featureRows($0).selected == "alpha-feat" }
        // Twenty minutes later only bravo and charlie spend: alpha leaves the 5m window; charlie was next to it.
        try append(path, [FirstHourE2ETests.line(b + 20 * 60_000, "bravo-feat", cost: 1, id: "b3"),
                          FirstHourE2ETests.line(b + 20 * 60_000 + 500, "charlie-feat", cost: 2, id: "c2")])
        screen = s.wait("alpha gone") { self.featureRows($0).names == ["charlie-feat", "bravo-feat"] }
        XCTAssertEqual(featureRows(screen).selected, "charlie-feat", screen)
        s.send("Enter")
        s.waitFor("all › feature charlie-feat")
        s.send("q")
        s.waitFor("EXITED:0")
    }

    // MARK: point 2

    func testAFileWithNoValidLineIsNamedInTheHeaderNotLive() throws {
        let path = dir + "/app.log"
        try (0..<120).map { "2026-11-28 10:00:\(String(format: "%02d", $0 % 60)) INFO request served in \($0) ms" }
            .joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
        let s = try start([path, "--no-store"], width: 160)
        let screen = s.waitFor("✗ app.log: 120 lines, none valid: not JSON")
        let header = screen.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertFalse(header.contains("live"), header)
        // In the alert colour (the default theme: white on red, 256 colours).
        let coloured = (try? TmuxSession.tmux(["capture-pane", "-p", "-e", "-t", s.name])) ?? ""
        let first = coloured.split(separator: "\n").first.map(String.init) ?? ""
        let before = try XCTUnwrap(first.range(of: "✗")).lowerBound
        XCTAssertTrue(first[..<before].contains("48;5;160"), "alert background before the ✗: \(first.debugDescription)")
        s.send("q")
        s.waitFor("EXITED:0")
    }

    func testWaitForSourceWaitsThenGoesLive() throws {
        let path = dir + "/later.jsonl"
        let s = try start([path, "--no-store", "--wait-for-source"], width: 160)
        s.waitFor("○ later.jsonl: waiting")
        try (FirstHourE2ETests.line(FirstHourE2ETests.base, "late-feature", cost: 1, id: "l1") + "\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let screen = s.wait("the file appeared and is read") { $0.contains("● 1 live") && $0.contains("late-feature") }
        XCTAssertFalse(screen.contains("waiting"), screen)
        s.send("q")
        s.waitFor("EXITED:0")
    }

    func testSourcesThatCannotBeOpenedAreUsageErrors() throws {
        for command in [[], ["check"], ["export", "--view", "features"]] {
            let missing = try CLI.run(command + [dir + "/nope.jsonl", "--no-store"])
            XCTAssertEqual(missing.status, 2, "\(command): \(missing.stderr)")
            XCTAssertEqual(missing.stderr, "spendtop: no such file: \(dir)/nope.jsonl (to wait for it to appear, add --wait-for-source)\n")
            let folder = try CLI.run(command + [dir, "--no-store"])
            XCTAssertEqual(folder.status, 2, folder.stderr)
            XCTAssertTrue(folder.stderr.hasPrefix("spendtop: \(dir) is a folder with no *.jsonl files in it; give its files, e.g. '\(dir)/*.jsonl'"),
                          folder.stderr)
            XCTAssertEqual(folder.stderr.filter { $0 == "\n" }.count, 1, "one line")
        }
        // A glob that matches nothing yet is no usage error: the console waits for it, a finite read says so.
        let glob = try CLI.run(["check", dir + "/*.jsonl", "--no-store"])
        XCTAssertEqual(glob.status, 1, glob.stderr)
        XCTAssertTrue(glob.stderr.contains("no file matches yet"), glob.stderr)
    }

    /// Not readable: a usage error, one line. As root, the check runs as nobody (root reads everything).
    func testUnreadableSourceIsAUsageError() throws {
        let path = dir + "/secret.jsonl"
        try (FirstHourE2ETests.line(FirstHourE2ETests.base, "x", cost: 1, id: "s1") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(chmod(path, 0o000), 0)
        XCTAssertEqual(chmod(dir, 0o755), 0)
        let out = dir + "/out.txt"
        let command = getuid() == 0
            ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary.path, "check", path]
            : [CLI.binary.path, "check", path]
        let p = Process()
        p.executableURL = URL(fileURLWithPath: command[0])
        p.arguments = Array(command.dropFirst())
        XCTAssertTrue(FileManager.default.createFile(atPath: out, contents: nil))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        let err = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertEqual(p.terminationStatus, 2, err)
        XCTAssertEqual(err, "spendtop: cannot read \(path): permission denied (add --wait-for-source to wait until it can be)\n")
    }

    func testMistypedSubcommandSuggestsIt() throws {
        let sample = CLI.packageRoot.appendingPathComponent("sample-data/day.jsonl").path
        for (typo, meant) in [("chekc", "check"), ("exprot", "export"), ("deom", "demo")] {
            let r = try CLI.run([typo, sample])
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertEqual(r.stderr, "spendtop: '\(typo)' is neither a file nor a command; did you mean `spendtop \(meant)`?\n")
        }
    }

    func testExportAndCheckFailWhenEveryLineIsRejected() throws {
        let csv = dir + "/spend.csv"
        try "ts,feature,cost\n2026-11-28T10:00:00Z,chat,1.5\n2026-11-28T10:00:01Z,chat,0.5\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let check = try CLI.run(["check", csv])
        XCTAssertEqual(check.status, 1, check.stderr)
        XCTAssertTrue(check.stdout.contains("invalid JSON: 3"), "the report still prints: \(check.stdout)")
        XCTAssertTrue(check.stderr.hasPrefix("spendtop: \(csv): 3 lines, none valid (invalid JSON 3)"), check.stderr)
        let export = try CLI.run(["export", csv, "--view", "features"])
        XCTAssertEqual(export.status, 1, export.stderr)
        XCTAssertEqual(export.stdout, "", "no CSV that looks like an empty result")
        XCTAssertTrue(export.stderr.contains("none valid (invalid JSON 3)"), export.stderr)
        // One good line among them is a result with rejects, as before.
        try append(csv, [FirstHourE2ETests.line(FirstHourE2ETests.base, "chat", cost: 1, id: "ok")])
        XCTAssertEqual(try CLI.run(["export", csv, "--view", "features"]).status, 0)
    }

    // MARK: point 3

    /// 30 steady minutes and 20 s of the 31st: the last chart column, the trend and the spend change
    /// do not show a drop that is not there.
    func testTheOpenMinuteIsNotDrawnAsADrop() throws {
        let path = dir + "/steady.jsonl"
        var lines: [String] = []
        for sec in 0..<(30 * 60 + 20) {
            lines.append(FirstHourE2ETests.line(FirstHourE2ETests.base + Int64(sec) * 1000, "steady-feat", cost: 1.0 / 60, id: "s\(sec)"))
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let s = try start([path, "--no-store"])
        let screen = s.waitFor("2026-11-28 10:30:19Z")
        let rows = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let top = try XCTUnwrap(rows.firstIndex { $0.contains("┌ Spend per minute") })
        let bottom = try XCTUnwrap(rows[(top + 1)...].firstIndex { $0.hasPrefix("└") })
        let chart = rows[(top + 1)..<(bottom - 1)].map { Array($0) }
        func height(_ x: Int) -> Int { chart.filter { x < $0.count && "▁▂▃▄▅▆▇█".contains($0[x]) }.count }
        let width = chart.map(\.count).max() ?? 0
        let last = try XCTUnwrap((0..<width).last { height($0) > 0 }, screen)
        XCTAssertEqual(height(last), height(last - 1), "the open minute's column:\n\(screen)")
        XCTAssertEqual(chart.first { last < $0.count && $0[last] != " " }?[last], chart.first { last - 1 < $0.count && $0[last - 1] != " " }?[last - 1])
        let feature = try XCTUnwrap(rows.first { $0.contains("▶ steady-feat") })
        XCTAssertTrue(feature.contains("████████"), "the trend's last minute: \(feature)")
        let spend = try XCTUnwrap(rows.first { $0.contains("vs prev") || $0.contains("= prev") })
        XCTAssertTrue(spend.contains("= prev 5m"), "steady spend compares equal: \(spend)")
        s.send("q")
        s.waitFor("EXITED:0")
    }

    // MARK: points 4, 7, 8

    /// Two quiet hours then five hot minutes, seen at 24h: the burn tile says what is spent now (the
    /// last five minutes), with the 24h average beside it, labelled; at 80, 120 and 160 columns no KPI
    /// line is cut.
    func testBurnTileAndKPIStripAtCommonWidths() throws {
        let path = dir + "/burn.jsonl"
        var lines: [String] = []
        let b = FirstHourE2ETests.base
        for m in 0..<120 { lines.append(FirstHourE2ETests.line(b + Int64(m) * 60_000, "quiet-feat", cost: 0.5, id: "q\(m)")) }
        for sec in stride(from: 0, to: 300, by: 5) {
            lines.append(FirstHourE2ETests.line(b + 120 * 60_000 + Int64(sec) * 1000, "hot-feat", cost: 2, id: "h\(sec)"))
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let s = try start([path, "--no-store", "--window", "24h"], width: 160)
        // $120 in the last 4 min 55 s: $1.46k/h now; the window average: $180 over its 24 h, $7.50/h.
        var screen = s.waitFor("$1.46k/h last 5m")
        XCTAssertTrue(screen.contains("24h avg $7.50/h"), screen)
        for width in [160, 120, 80] {
            s.resize(width: width, height: 40)
            screen = s.wait("\(width) columns") { $0.split(separator: "\n").first.map { $0.count <= width } ?? false && $0.contains("┌ Spend 24h") }
            let strip = screen.split(separator: "\n").dropFirst().prefix(4)
            XCTAssertFalse(strip.contains { $0.contains("…") }, "\(width) columns:\n\(strip.joined(separator: "\n"))")
            XCTAssertTrue(strip.joined().contains("/h last 5m") || strip.joined().contains("/h 5m"), "\(width)")
            XCTAssertTrue(strip.joined().contains("avg $7.50/h"), "\(width): \(strip.joined(separator: "\n"))")
        }
        s.send("q")
        s.waitFor("EXITED:0")
    }

    // MARK: point 9

    func testSortAndThemeFeedbackInTheTerminal() throws {
        let sample = CLI.packageRoot.appendingPathComponent("sample-data/day.jsonl").path
        let s = try start([sample, "--no-store"])
        s.waitFor("2026-11-27 23:59:49Z")
        s.send("s")
        s.wait("sorted by share") { $0.contains("sort features by share ▼") && $0.contains("sort share ▼") }
        s.send("S")
        s.wait("reversed, status and title agree") { $0.contains("sort features by share ▲") && $0.contains("sort share ▲") }
        let header: () -> String = { ((try? TmuxSession.tmux(["capture-pane", "-p", "-e", "-t", s.name])) ?? "").split(separator: "\n").first.map(String.init) ?? "" }
        let before = header()
        s.send("t")
        s.waitFor("theme light")
        let after = header()
        XCTAssertNotEqual(before.prefix(40), after.prefix(40), "the light theme's header looks different:\n\(before.debugDescription)\n\(after.debugDescription)")
        s.send("q")
        s.waitFor("EXITED:0")
    }

    // MARK: point 5

    func testUnpricedModelsExportAnEmptySpendCell() throws {
        let path = dir + "/own-model.jsonl"
        try ([#"{"ts":"2026-11-28T10:00:00Z","feature":"sql","model":"ft-sql-7b","input_tokens":20000,"output_tokens":500}"#,
              #"{"ts":"2026-11-28T10:00:01Z","feature":"chat","model":"gpt-4o","input_tokens":1000,"output_tokens":100}"#]
            .joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let r = try CLI.run(["export", path, "--view", "models"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = CLI.parseCSV(r.stdout)
        let header = try XCTUnwrap(rows.first)
        let row = try XCTUnwrap(rows.first { $0.first == "ft-sql-7b" })
        XCTAssertEqual(row[try XCTUnwrap(header.firstIndex(of: "spend_usd"))], "", "not 0")
        XCTAssertEqual(row[try XCTUnwrap(header.firstIndex(of: "unpriced_requests"))], "1")
        XCTAssertEqual(row[try XCTUnwrap(header.firstIndex(of: "input_tokens"))], "20000")
        let priced = try XCTUnwrap(rows.first { $0.first == "gpt-4o" })
        XCTAssertNotEqual(priced[try XCTUnwrap(header.firstIndex(of: "spend_usd"))], "")
        // And on screen.
        let s = try start([path, "--no-store"], width: 200, height: 50)
        let screen = s.waitFor("ft-sql-7b")
        let line = try XCTUnwrap(screen.split(separator: "\n").first { $0.contains("ft-sql-7b") }.map(String.init))
        XCTAssertTrue(line.contains("unpriced") && line.contains("20.5k"), line)
        XCTAssertFalse(line.contains("$0"), line)
        s.send("q")
        s.waitFor("EXITED:0")
    }

    // MARK: point 12

    /// The default store: a second run on another file says the store holds other history; the
    /// store and the alert log are the owner's only.
    func testTheStoreNamesHistoryFromOtherSources() throws {
        let state = dir + "/state"
        let a = dir + "/day-a.jsonl", b = dir + "/other-b.jsonl"
        // Days before the wall clock, not a fixed date: the store keeps what its retention says, counted from now.
        let t = (Int64(Date().timeIntervalSince1970 * 1000) - 3 * 86_400_000) / 3_600_000 * 3_600_000
        try ((0..<90).map { FirstHourE2ETests.line(t + Int64($0) * 16 * 60_000, "from-a", cost: 1, id: "a\($0)") }
            .joined(separator: "\n") + "\n").write(toFile: a, atomically: true, encoding: .utf8)
        try (FirstHourE2ETests.line(t + 24 * 3_600_000, "from-b", cost: 1, id: "b1") + "\n").write(toFile: b, atomically: true, encoding: .utf8)
        let first = try start([a], width: 160, env: ["XDG_STATE_HOME": state])
        first.wait("a read") { $0.contains("● 1 live") && $0.contains("from-a") }
        XCTAssertFalse(first.capture().contains("store:"), "nothing else in the store yet")
        first.send("q")
        first.waitFor("EXITED:0")
        for file in ["spend.db", "alerts.jsonl"] {
            let attrs = try FileManager.default.attributesOfItem(atPath: state + "/spendtop/" + file)
            XCTAssertEqual((attrs[.posixPermissions] as? NSNumber)?.intValue, 0o600, "\(file) is the owner's only")
        }
        let second = try start([b], width: 160, env: ["XDG_STATE_HOME": state])
        var screen = second.waitFor("store: 1 other source, 24h (--no-store leaves them out)")
        second.send("q")
        second.waitFor("EXITED:0")
        // The same file again: its own history, nothing to say. With --no-store: nothing of the store.
        let again = try start([a], width: 160, env: ["XDG_STATE_HOME": state])
        // b is the other one now (and the clock is b's newest event, so a's history is older than 5m).
        screen = again.wait("a again") { $0.contains("● day-a.jsonl: no new lines yet") && $0.contains("store: 1 other source, 24h") }
        again.send("q")
        again.waitFor("EXITED:0")
        let alone = try start([b, "--no-store"], width: 160, env: ["XDG_STATE_HOME": state])
        screen = alone.wait("b alone") { $0.contains("● 1 live") && $0.contains("from-b") }
        XCTAssertFalse(screen.contains("from-a") || screen.contains("store:"), screen)
    }

    // MARK: point 13

    /// When the demo quits it prints the one line that runs the same console on your own file.
    func testDemoEndsWithTheLineForYourOwnData() throws {
        let s = try start(["demo"], width: 120, height: 40)
        s.waitFor("● 1 live")
        s.send("q")
        let screen = s.waitFor("EXITED:0")
        // A long path wraps at the pane's width: read the lines joined.
        let joined = screen.replacingOccurrences(of: "\n", with: "")
        XCTAssertTrue(joined.contains("Now your own data: \(CLI.binary.path) path/to/your-gateway-log.jsonl"), screen)
    }

    // MARK: point 14

    func testCommandLineMessagesAreOneLineAndHelpful() throws {
        let sample = CLI.packageRoot.appendingPathComponent("sample-data/day.jsonl").path
        let veiw = try CLI.run(["export", sample, "--veiw", "keys"])
        XCTAssertEqual(veiw.status, 2)
        XCTAssertEqual(veiw.stderr, "spendtop: unknown option '--veiw'; did you mean '--view'? (`spendtop export --help` lists the options)\n")
        let view = try CLI.run(["export", sample, "--view", "nope"])
        XCTAssertEqual(view.status, 2)
        XCTAssertEqual(view.stderr, "spendtop: unknown view 'nope'; one of features, keys, models, teams, providers, gpus, series, alerts, savings\n")
        let filter = try CLI.run(["export", sample, "--view", "features", "--filter", "colour=red"])
        XCTAssertEqual(filter.status, 2)
        XCTAssertTrue(filter.stderr.contains("DIM one of feature, api_key, model, team, provider, user, gateway"), filter.stderr)
        let missing = try CLI.run(["export", sample])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stderr.filter { $0 == "\n" }.count, 1, "one line: \(missing.stderr)")
        XCTAssertTrue(missing.stderr.hasPrefix("spendtop: missing expected argument '--view <view>'"), missing.stderr)
        let help = try CLI.run(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("USAGE: spendtop [SOURCE …]"), help.stdout)
        let version = try CLI.run(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, version.stdout)
        let dash = try CLI.run(["-"])
        XCTAssertTrue(dash.stderr.contains("`spendtop check -`"), dash.stderr)
    }

    /// `cat file | spendtop` in a terminal: the console cannot read events from stdin; say what can.
    func testPipingIntoTheConsoleSuggestsCheck() throws {
        let log = dir + "/typescript"
        let sample = CLI.packageRoot.appendingPathComponent("sample-data/openai-responses.jsonl").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-q", "-e", "-c", "cat \(TmuxSession.shellQuote(sample)) | \(TmuxSession.shellQuote(CLI.binary.path))", log]
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = "xterm-256color"
        env["SHELL"] = "/bin/sh"
        env["XDG_STATE_HOME"] = dir + "/state"
        p.environment = env
        try p.run()
        p.waitUntilExit()
        let text = try String(contentsOfFile: log, encoding: .utf8)
        XCTAssertEqual(p.terminationStatus, 2, text)
        XCTAssertTrue(text.contains("Use `spendtop check -`"), text)
        XCTAssertFalse(text.contains("\u{1B}[?1049h"), "the console never started")
    }
}
