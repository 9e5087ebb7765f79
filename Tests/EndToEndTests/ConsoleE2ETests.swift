import Foundation
import XCTest

/// The console in a real terminal (tmux): what a person sees and types.
final class ConsoleE2ETests: XCTestCase {
    var sessions: [TmuxSession] = []
    let sample = CLI.packageRoot.appendingPathComponent("sample-data/day.jsonl").path

    override func tearDown() {
        for s in sessions { s.kill() }
        sessions = []
    }

    func start(_ args: [String], width: Int = 120, height: Int = 40, term: String = "xterm-256color", cwd: String? = nil,
               env: [String: String] = [:]) throws -> TmuxSession {
        let s = try TmuxSession(width: width, height: height, args: args, term: term, cwd: cwd, env: env)
        sessions.append(s)
        return s
    }

    func tempDir() throws -> String {
        let d = ScratchFiles.shared.track(NSTemporaryDirectory() + "spendtop-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    func lines(_ screen: String, containing s: String) -> [String] { screen.split(separator: "\n").map(String.init).filter { $0.contains(s) } }

    /// The feature in the selected (first) row of the features pane.
    func selectedName(_ screen: String) -> String? {
        guard let l = lines(screen, containing: "▶ ").first, let r = l.range(of: "▶ ") else { return nil }
        return l[r.upperBound...].split(separator: " ").first.map(String.init)
    }

    func testDrillFilterSortWindowOnSampleData() throws {
        let s = try start([sample, "--window", "15m"])
        // The file is followed like tail -F: the clock reaches its newest event once it is read.
        var screen = s.waitFor("2026-11-27 23:59:49Z")
        screen = s.waitFor("Features 10")
        XCTAssertTrue(screen.contains("window 15m"))
        XCTAssertTrue(screen.contains("● 1 live"), screen)
        let feature = try XCTUnwrap(selectedName(screen), screen)
        s.send("Enter")
        screen = s.wait("drilled into the feature") { $0.contains("all › feature \(feature)") && !$0.contains("loading") }
        XCTAssertTrue(screen.contains("API keys"))
        let key = try XCTUnwrap(selectedName(screen), screen)
        s.send("Enter")
        screen = s.wait("drilled into the key") { $0.contains("all › feature \(feature) › key \(key)") && !$0.contains("loading") }
        XCTAssertTrue(screen.contains("Models"))
        s.send("Escape")
        screen = s.wait("one level up") { $0.contains("all › feature \(feature)") && !$0.contains("› key") }
        s.send("BSpace")
        screen = s.wait("back at the top") { !$0.contains("all ›") && $0.contains("Features 10") }
        // Filter narrows as it is typed.
        s.send("/")
        s.send("sup", literal: true)
        screen = s.waitFor("Features 1 ")
        XCTAssertTrue(screen.contains("support-chat"))
        XCTAssertTrue(screen.contains("filter sup"))
        s.send("Escape")
        s.waitFor("Features 10")
        // Sort and window.
        s.send("s")
        screen = s.waitFor("sort share ▼")
        s.send("S")
        s.waitFor("sort share ▲")
        s.send("1")
        // A capture can land mid-frame: wait for everything the frame should hold, not just one part.
        s.wait("the 1m window in the header and the KPI strip") { $0.contains("window 1m") && $0.contains("Spend 1m") }
        s.send("w")
        s.waitFor("window 5m")
        s.send("?")
        s.wait("the help overlay with the keymap's lines") { $0.contains("this help") && $0.contains("drill into the selected row") }
        s.send("Escape")
        s.wait("help closed") { !$0.contains("this help") }
        s.send("q")
        s.waitFor("EXITED:0")
    }

    /// `e` writes the current view; `spendtop export` for the same view gives the same CSV.
    func testSnapshotExportMatchesExportCommand() throws {
        let dir = try tempDir()
        let s = try start([sample, "--window", "15m", "--export-dir", dir])
        s.waitFor("2026-11-27 23:59:49Z")
        var screen = s.waitFor("Features 10")
        // The selection stays on the group it was on while the file was read; g takes the top row (the biggest spender).
        let all = screen.split(separator: "\n").map(String.init)
        let columns = try XCTUnwrap(all.firstIndex { $0.contains("FEATURE") && $0.contains("SPEND") })
        let topName = try XCTUnwrap(all[columns + 1].dropFirst(3).split(separator: " ").first.map(String.init))
        s.send("g")
        screen = s.wait("the top row selected") { self.selectedName($0) == topName }
        let feature = try XCTUnwrap(selectedName(screen))
        s.send("Enter")
        s.waitFor("all › feature \(feature)")
        s.send("e")
        s.waitFor("exported ")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".csv") }
        XCTAssertEqual(files.count, 1)
        let name = try XCTUnwrap(files.first)
        XCTAssertTrue(name.hasPrefix("spendtop-keys-feature=\(feature)-15m-"), name)
        let written = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
        let r = try CLI.run(["export", sample, "--view", "keys", "--window", "15m", "--filter", "feature=\(feature)"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(written, r.stdout)
        XCTAssertGreaterThan(CLI.parseCSV(written).count, 2)
        // The top level too.
        s.send("Escape")
        s.wait("top") { !$0.contains("all ›") }
        s.send("e")
        // Wait for the file under its final name: an atomic write shows a temporary file in the folder first.
        func topFile() -> String? {
            (try? FileManager.default.contentsOfDirectory(atPath: dir))?
                .first { $0.hasPrefix("spendtop-features-15m-") && $0.hasSuffix(".csv") }
        }
        s.wait("second export") { _ in topFile() != nil }
        let second = topFile()
        let top = try String(contentsOfFile: dir + "/" + XCTUnwrap(second), encoding: .utf8)
        XCTAssertEqual(top, try CLI.run(["export", sample, "--view", "features", "--window", "15m"]).stdout)
    }

    func testResizeAdaptsAndComesBack() throws {
        let s = try start([sample], width: 200, height: 60)
        var screen = s.waitFor("Tokens/s")
        XCTAssertTrue(screen.contains("┌ GPUs"), "200 columns: six KPI tiles")
        s.resize(width: 80, height: 24)
        screen = s.wait("80×24 layout") { !$0.contains("Tokens/s") && $0.contains("Features") }
        XCTAssertLessThanOrEqual(screen.components(separatedBy: "\n").map { $0.count }.max() ?? 0, 80)
        s.resize(width: 60, height: 20)
        screen = s.waitFor("◀ Features")
        s.resize(width: 30, height: 8)
        screen = s.waitFor("enlarge")
        s.resize(width: 200, height: 60)
        s.waitFor("Tokens/s")
        s.send("q")
        s.waitFor("EXITED:0")
    }

    func testWallboardIgnoresEverythingButQ() throws {
        let cwd = try tempDir()
        let s = try start([sample, "--wallboard", "--rotate", "60s"], width: 100, height: 30, cwd: cwd)
        var screen = s.waitFor("Overview (1/6)")
        XCTAssertTrue(screen.contains("█"), "big block digits")
        for k in ["1", "e", "/", "Enter", "Tab", "?", "t", "p", "s", "Escape"] { s.send(k) }
        // Not a pause: two resizes, each waited for as a whole frame at the new size, are read after
        // the keys sent before them, so by the second frame every key above has been handled.
        s.resize(width: 110, height: 32)
        _ = s.wait("110×32") { $0.split(separator: "\n", omittingEmptySubsequences: false).count == 33 && $0.contains("Overview") }
        s.resize(width: 100, height: 30)
        screen = s.wait("100×30") { $0.split(separator: "\n", omittingEmptySubsequences: false).count == 31 && $0.contains("Overview") }
        XCTAssertTrue(screen.contains("Overview (1/6)"), screen)
        XCTAssertTrue(screen.contains("window 5m"), screen)
        XCTAssertFalse(screen.contains("this help"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cwd), [], "no export from the wallboard")
        s.send("q")
        s.waitFor("EXITED:0")
    }

    func testEscapeSequencesInDataNeverReachTheTerminal() throws {
        let path = try CLI.temporaryFile(#"{"ts":"2026-11-28T10:00:00Z","feature":"evil\u001b[31mRED\u001b]0;pwned\u0007name","api_key":"sk-proj-Zq8TbW3kLmN5pQrStUvWxYz0a1b2","cost_usd":2}"# + "\n")
        let s = try start([path])
        let screen = s.waitFor("evilREDname")
        XCTAssertFalse(screen.contains("[31m"))
        XCTAssertNotEqual(s.display("#{pane_title}"), "pwned", "an OSC title sequence got through")
        XCTAssertTrue(screen.contains("sk-…a1b2"))
        XCTAssertFalse(screen.contains("Zq8TbW3k"), "raw key on screen")
    }

    func testQuitRestoresTheTerminal() throws {
        let s = try start([sample])
        s.waitFor("Features")
        XCTAssertEqual(s.display("#{alternate_on}"), "1")
        s.send("q")
        let screen = s.waitFor("EXITED:0")
        XCTAssertEqual(s.display("#{alternate_on}"), "0")
        XCTAssertFalse(screen.contains("Features"), screen)
        XCTAssertEqual(s.display("#{cursor_flag}"), "1", "cursor visible again")
    }

    func testUnusableTerminalsGetAClearMessage() throws {
        let piped = try CLI.run([sample])
        XCTAssertEqual(piped.status, 1)
        XCTAssertTrue(piped.stderr.contains("stdout is not a terminal"), piped.stderr)
        XCTAssertFalse(piped.stdout.contains("\u{1B}"))
        let dumb = try start([sample], term: "dumb")
        let screen = dumb.waitFor("EXITED:1")
        XCTAssertTrue(screen.contains("TERM=dumb cannot draw the console"), screen)
        XCTAssertFalse(screen.contains("\u{1B}"))
    }

    /// Option mistakes are usage errors (exit 2) with or without a terminal.
    func testConsoleUsageErrors() throws {
        for (args, message) in [([sample, "--theme", "nope"], "unknown theme 'nope'; available: default, light, solarized-dark"),
                                ([sample, "--window", "all"], "unreadable window 'all'"),
                                ([sample, "--wallboard", "--rotate", "soon"], "unreadable --rotate 'soon'"),
                                ([sample, "--export-dir", "/nonexistent/dir"], "--export-dir /nonexistent/dir is not a folder"),
                                (["demo", "--speed", "0"], "--speed must be in"),
                                (["-"], "`-` cannot be a source here")] {
            let r = try CLI.run(args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }

    func testThemesCycleAndNoColorDrawsWithoutColour() throws {
        let s = try start([sample, "--theme", "solarized-dark"], env: ["NO_COLOR": "1"])
        s.waitFor("┌ Features")
        let escapes = (try? TmuxSession.tmux(["capture-pane", "-p", "-e", "-t", s.name])) ?? ""
        XCTAssertFalse(escapes.contains("[38;5;") || escapes.contains("[38;2;") || escapes.contains("[3" + "1m"), "NO_COLOR: no colour codes")
        XCTAssertTrue(escapes.contains("\u{1B}[7m") || escapes.contains(";7m"), "reverse video still marks the header")
        s.send("q")
        s.waitFor("EXITED:0")
        let coloured = try start([sample, "--theme", "light"])
        coloured.waitFor("┌ Features")
        let before = (try? TmuxSession.tmux(["capture-pane", "-p", "-e", "-t", coloured.name])) ?? ""
        XCTAssertTrue(before.contains("38;5;"), "256-colour codes on xterm-256color")
        coloured.send("t")
        coloured.wait("theme changed") { _ in ((try? TmuxSession.tmux(["capture-pane", "-p", "-e", "-t", coloured.name])) ?? "") != before }
    }

    func testDemoShowsIncidentsLive() throws {
        let s = try start(["demo", "--speed", "60"], width: 160, height: 48)
        var screen = s.waitFor("● 1 live")
        XCTAssertTrue(screen.contains("agent-planner"))
        screen = s.waitFor("! 1 idle", timeout: 15)
        screen = s.waitFor("sk-…7f3a", timeout: 15)
        XCTAssertTrue(screen.contains("unpriced"), "the demo has an unpriced self-hosted model")
        // Issue 9 point 10: the four scripted incidents, each alerted (DemoTrafficTests times them), and no other.
        screen = s.waitFor("4 today", timeout: 30)
        XCTAssertFalse(screen.contains("5 today"), screen)
        s.send("q")
        s.waitFor("EXITED:0")
    }

    /// `[general] window` and `theme` from config apply; the command line wins over them.
    func testConfigDefaultsAndFlagsWin() throws {
        let dir = try tempDir()
        let config = dir + "/config.toml"
        try "[general]\nwindow = \"1h\"\ntheme = \"mono\"\nexport_dir = \"\(dir)\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let s = try start([sample, "--config", config, "--no-store"])
        s.waitFor("window 1h")
        s.send("e")
        s.waitFor("exported ")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".csv") }.count, 1,
                       "the snapshot went to [general] export_dir")
        s.send("q")
        s.waitFor("EXITED:0")
        let flagged = try start([sample, "--config", config, "--no-store", "--window", "15m"])
        flagged.waitFor("window 15m")
        flagged.send("q")
        flagged.waitFor("EXITED:0")
    }

    /// `[gpu] hourly_price_usd` turns idle GPUs into a cost per hour in the GPU tile.
    func testIdleGPUCostFromConfig() throws {
        let dir = try tempDir()
        try "[gpu]\nhourly_price_usd = 2.49\n".write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
        var lines: [String] = []
        for m in 0..<5 {
            for g in 0..<3 {
                lines.append(#"{"ts":"2026-11-28T10:0\#(m):00Z","kind":"gpu","node":"h100-a","gpu":\#(g),"util_pct":\#(g < 2 ? 3 : 80)}"#)
            }
            lines.append(#"{"ts":"2026-11-28T10:0\#(m):30Z","feature":"chat","cost_usd":1}"#)
        }
        try lines.joined(separator: "\n").write(toFile: dir + "/gpus.jsonl", atomically: true, encoding: .utf8)
        let s = try start([dir + "/gpus.jsonl", "--config", dir + "/config.toml", "--no-store"])
        s.waitFor("! 2 idle $4.98/h")
        s.send("q")
        s.waitFor("EXITED:0")
    }
}
