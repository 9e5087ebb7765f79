import Foundation
import XCTest

/// The harnesses themselves (issue 13 point 11): what they promise must hold, or the tests built on
/// them can hang or pass without checking.
final class HarnessTests: XCTestCase {
    /// A program that exits before reading its (large) stdin: the harness neither deadlocks nor dies
    /// of SIGPIPE, and still returns what the program printed.
    func testLargeStdinToAProgramThatDoesNotReadIt() throws {
        let big = Data(repeating: UInt8(ascii: "x"), count: 4 << 20)
        let r = try CLI.run(["export", "-", "--view", "nope"], stdinData: big)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("unknown view 'nope'"), r.stderr)
    }

    /// Output larger than a pipe's buffer while stdin is still being written.
    func testLargeOutputWhileStdinIsWritten() throws {
        var lines = ""
        for i in 0..<40_000 {
            lines += "{\"ts\":\(1_795_000_000 + i * 60),\"request_id\":\"r\(i)\",\"feature\":\"f\",\"cost_usd\":0.001}\n"
        }
        let r = try CLI.run(["export", "-", "--view", "series"], stdin: lines)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertGreaterThan(r.stdout.utf8.count, 1 << 20, "the series CSV is larger than any pipe buffer")
        XCTAssertEqual(CLI.parseCSV(r.stdout).count, 40_001)
    }

    /// `TmuxSession.wait` judges only whole frames: every screen it returns while the console redraws
    /// (resizes force full redraws) is a complete frame of one size, never half of one and half of another.
    func testWaitReturnsOnlyWholeFrames() throws {
        let s = try TmuxSession(width: 120, height: 40, args: ["sample-data/day.jsonl"])
        defer { s.kill() }
        s.waitFor("Features")
        for (w, h) in [(100, 30), (140, 45), (90, 28), (120, 40)] {
            s.resize(width: w, height: h)
            let screen = s.wait("\(w)×\(h)") { screen in
                let rows = screen.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                return rows.count == h && (rows.last?.contains("q:quit") ?? false)
            }
            let rows = screen.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            XCTAssertTrue(rows.first?.hasPrefix(" spendtop") ?? false, screen)
            XCTAssertEqual(rows.filter { $0.hasPrefix("└") }.isEmpty, false, screen)
        }
        s.send("q")
        s.waitFor("EXITED:0")
    }
}
