import Foundation
import XCTest

/// What the CLI echoes back of user input in errors: no raw key, no escape sequence.
final class ErrorEchoCLITests: XCTestCase {
    let secret = "sk-proj-Zq8TbW3kLmN5pQrStUvWxYz0a1b2"

    func testMissingSourcePathWithEscapesIsCleanedInTheError() throws {
        let path = NSTemporaryDirectory() + "nope-\u{1b}]0;pwned\u{07}-\u{1b}[2J.jsonl"
        let r = try CLI.run(["export", path, "--view", "features", "--no-store"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertFalse(r.stderr.isEmpty)
        XCTAssertFalse(r.stderr.contains("\u{1b}"), r.stderr)
        XCTAssertFalse(r.stderr.contains("\u{07}"), r.stderr)
    }

    func testFilterErrorsDoNotEchoTheKeyAndRawKeyFiltersMatch() throws {
        let file = try CLI.temporaryFile(
            #"{"ts":"2026-11-28T10:00:00Z","feature":"chat","api_key":"\#(secret)","model":"gpt-4o","cost_usd":1.5}"# + "\n" +
            #"{"ts":"2026-11-28T10:00:01Z","feature":"rag","api_key":"prod-web","model":"gpt-4o","cost_usd":0.5}"# + "\n")
        let bad = try CLI.run(["export", file, "--view", "features", "--no-store", "--filter", "api-token=\(secret)"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertFalse(bad.stderr.contains("Zq8TbW3kLmN5"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("sk-…a1b2"), bad.stderr)

        let ok = try CLI.run(["export", file, "--view", "features", "--no-store", "--filter", "api_key=\(secret)"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let rows = CLI.parseCSV(ok.stdout)
        XCTAssertEqual(rows.dropFirst().map { $0[0] }, ["chat"])
        XCTAssertFalse(ok.stdout.contains("Zq8TbW3kLmN5"))
    }
}
