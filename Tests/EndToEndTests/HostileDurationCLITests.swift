import Foundation
import XCTest

/// Issue 13 point 6 through the binary: hostile durations on the command line, in config and in rules
/// are one-line errors with the usage or runtime exit code, never a trap (which would exit by signal).
final class HostileDurationCLITests: XCTestCase {
    let sample = "sample-data/day.jsonl"

    func testHostileDurationsAreErrorsNotTraps() throws {
        let cases: [([String], Int32, String)] = [
            (["export", sample, "--view", "features", "--window", "1000000000000000m"], 2, "too long"),
            (["export", sample, "--view", "series", "--window", "1e300s"], 2, "not a duration"),
            ([sample, "--window", "99999999999999999999h"], 2, "unreadable window"),
            ([sample, "--wallboard", "--rotate", "1e300s"], 2, "unreadable --rotate"),
            (["check", "--follow", "--for", "1e300s", sample], 2, "unreadable --for"),
            (["check", "--idle-timeout", "1000000000000000m", sample], 2, "--idle-timeout"),
            (["export", sample, "--view", "alerts", "--alert", "spend>1 window=1000000000000000m"], 2, "too long"),
            (["export", sample, "--view", "alerts", "--alert", "spend>1 cooldown=1e300d"], 2, "cooldown"),
        ]
        for (args, status, text) in cases {
            let r = try CLI.run(args)
            XCTAssertEqual(r.status, status, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(text), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line: \(r.stderr)")
        }
        for retention in ["\"1e300d\"", "1e300", "\"-5d\"", "9.2e18"] {
            let config = try CLI.temporaryFile("[store]\nretention = \(retention)\n", suffix: ".toml")
            let dir = try Scratch.directory()
            let r = try CLI.run(["check", "--config", config, "--store", dir + "/s.db", sample])
            XCTAssertEqual(r.status, 1, "retention \(retention): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("[store] retention"), r.stderr)
        }
        let config = try CLI.temporaryFile("[[alert]]\nmetric = \"spend\"\nabove = 1\nwindow = 9000000000000000000\n", suffix: ".toml")
        let r = try CLI.run(["export", sample, "--view", "alerts", "--config", config])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("[[alert]] #1"), r.stderr)
    }
}
