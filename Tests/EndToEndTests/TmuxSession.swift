import Foundation
import XCTest

/// A real terminal for end-to-end tests: a detached tmux session of a fixed size running the
/// built binary, driven with send-keys and read with capture-pane.
final class TmuxSession {
    let name: String
    /// The session's XDG_STATE_HOME: the default store and `alerts.jsonl` land in its `spendtop` folder.
    let stateHome: String
    static var counter = 0

    /// Runs `spendtop ARGS` in a W×H session with TERM=xterm-256color and a UTF-8 locale; when it
    /// exits the pane prints `EXITED:<status>` and stays open so the test can read it. With `typescript`,
    /// it runs under util-linux `script -f`, which records every byte the program writes to the terminal there.
    /// `launcher` runs before the binary (e.g. `unshare … sh wrapper.sh`), which it is given as its arguments.
    init(width: Int, height: Int, args: [String], term: String = "xterm-256color", cwd: String? = nil, env: [String: String] = [:],
         typescript: String? = nil, launcher: [String] = []) throws {
        TmuxSession.counter += 1
        name = "spendtop-e2e-\(getpid())-\(TmuxSession.counter)-\(UUID().uuidString.prefix(6))"
        var quoted = (launcher + [CLI.binary.path] + args).map(TmuxSession.shellQuote).joined(separator: " ")
        if let typescript {
            // -e: the program's exit status; -f: flushed after each write, so the test can read it while it runs.
            quoted = "script -q -f -e -c " + TmuxSession.shellQuote(quoted) + " " + TmuxSession.shellQuote(typescript)
        }
        // A fresh state and config folder per session: the console's default store and alert log
        // land there, so no run resumes after another's saved positions or touches the home folder.
        let home = ScratchFiles.shared.track(NSTemporaryDirectory() + "spendtop-e2e-home-\(UUID().uuidString)")
        // SPENDTOP_FRAME_TITLE: each frame is bracketed by pane titles, so `capture` knows a whole frame.
        var vars = ["TERM": term, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "SPENDTOP_FRAME_TITLE": "1",
                    "XDG_STATE_HOME": home + "/state", "XDG_CONFIG_HOME": home + "/config"]
        if typescript != nil { vars["SHELL"] = "/bin/sh" }  // script runs the command with $SHELL -c
        for (k, v) in env { vars[k] = v }
        stateHome = vars["XDG_STATE_HOME"] ?? home + "/state"
        let envs = vars.sorted { $0.key < $1.key }.map { "\($0.key)=\(TmuxSession.shellQuote($0.value))" }.joined(separator: " ")
        let dir = TmuxSession.shellQuote(cwd ?? CLI.packageRoot.path)
        // The test runner's environment (NO_COLOR among it) reaches the panes through the tmux server.
        let unset = vars["NO_COLOR"] == nil ? "-u NO_COLOR " : ""
        let command = "cd \(dir) && env \(unset)\(envs) \(quoted); echo EXITED:$?; sleep 60"
        try TmuxSession.tmux(["new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", command])
    }

    static func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// This test process's own tmux server (in $TMPDIR): no other tmux server's environment reaches the
    /// panes, and the socket is removed when the bundle ends.
    static let socket: String = {
        let path = NSTemporaryDirectory() + "spendtop-tmux-\(getpid()).sock"
        ScratchFiles.shared.atEnd {
            _ = try? TmuxSession.tmux(["kill-server"])
            try? FileManager.default.removeItem(atPath: path)
        }
        // One server for the whole bundle: without this it exits with its last session, and a test starting the
        // next session while it shuts down reaches the dying server and gets no session at all.
        _ = try? TmuxSession.tmux(socket: path, ["start-server", ";", "set-option", "-s", "exit-empty", "off"])
        return path
    }()

    @discardableResult
    static func tmux(_ args: [String]) throws -> String { try tmux(socket: socket, args) }

    static func tmux(socket: String, _ args: [String]) throws -> String {
        // Through the shell into a file, waited for with waitpid: a tmux server started by this call
        // inherits descriptors and outlives it, which leaves Foundation's Process (pipes, or its
        // child tracking) waiting forever.
        let path = NSTemporaryDirectory() + "spendtop-tmux-\(UUID().uuidString).out"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let command = (["tmux", "-S", socket] + args).map(shellQuote).joined(separator: " ") + " >" + shellQuote(path) + " 2>/dev/null </dev/null"
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = ["/bin/sh", "-c", command].map { (s: String) in strdup(s) } + [nil]
        defer { for a in argv { free(a) } }
        guard posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ) == 0 else { throw CocoaError(.fileWriteUnknown) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    func capture() -> String { frame().screen }

    /// The screen with whether it holds a whole frame: the pane title is read before and after the
    /// capture in one tmux command list (tmux parses no pane output in between), and a frame is whole
    /// when both say `spendtop frame N` with the same N. A screen not drawn by the console (the shell's
    /// `EXITED:` line, a usage error) has no frame titles and counts as whole.
    func frame() -> (screen: String, whole: Bool) {
        let marker = "@@spendtop-title@@"
        let out = (try? TmuxSession.tmux(["display-message", "-p", "-t", name, marker + "#{pane_title}", ";",
                                          "capture-pane", "-p", "-t", name, ";",
                                          "display-message", "-p", "-t", name, marker + "#{pane_title}"])) ?? ""
        var lines = out.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        guard lines.count >= 2, lines[0].hasPrefix(marker), lines[lines.count - 1].hasPrefix(marker) else { return (out, false) }
        let before = String(lines[0].dropFirst(marker.count)), after = String(lines[lines.count - 1].dropFirst(marker.count))
        let screen = lines[1..<(lines.count - 1)].joined(separator: "\n") + "\n"
        let drawing = before == "spendtop drawing" || before != after
        return (screen, !drawing)
    }

    func display(_ format: String) -> String {
        ((try? TmuxSession.tmux(["display-message", "-p", "-t", name, format])) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// send-keys with tmux key names (`Enter`, `Escape`, `Tab`, `C-l`) or literal text with `literal`.
    func send(_ keys: String..., literal: Bool = false) {
        _ = try? TmuxSession.tmux(["send-keys", "-t", name] + (literal ? ["-l"] : []) + keys)
    }

    func resize(width: Int, height: Int) {
        _ = try? TmuxSession.tmux(["resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)"])
    }

    /// Polls the screen until `predicate` holds; fails the test with the last screen on timeout.
    @discardableResult
    func wait(timeout: TimeInterval = 10, _ what: String, file: StaticString = #filePath, line: UInt = #line,
              _ predicate: (String) -> Bool) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            // Only whole frames are judged, so what the caller asserts next was drawn in the same frame.
            let (screen, whole) = frame()
            if whole && predicate(screen) { return screen }
            if Date() > deadline {
                XCTFail("timed out waiting for \(what); screen:\n\(screen)", file: file, line: line)
                return screen
            }
            usleep(whole ? 30_000 : 2_000)
        }
    }

    func waitFor(_ text: String, timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line) -> String {
        wait(timeout: timeout, "'\(text)'", file: file, line: line) { $0.contains(text) }
    }

    func kill() { _ = try? TmuxSession.tmux(["kill-session", "-t", name]) }

    /// The pid of the program the pane runs (the shell's child), or nil once it has exited.
    func programPID() -> pid_t? {
        guard let shell = Int32(display("#{pane_pid}")) else { return nil }
        let children = (try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)) ?? ""
        return children.split(separator: " ").first.flatMap { pid_t($0) }
    }
}
