import XCTest
@testable import SpendCore

final class LineSplitterTests: XCTestCase {
    func split(_ chunks: [String], max: Int = 100) -> (lines: [String], tooLong: Int) {
        var s = LineSplitter(maxLineBytes: max)
        var lines: [String] = []
        var tooLong = 0
        for c in chunks {
            Array(c.utf8).withUnsafeBytes { s.feed($0, line: { lines.append(String(decoding: $0, as: UTF8.self)) }, tooLong: { tooLong += 1 }) }
        }
        s.finish { lines.append(String(decoding: $0, as: UTF8.self)) }
        return (lines, tooLong)
    }

    func testLinesAcrossChunkBoundariesAndCRLF() {
        let r = split(["ab", "c\nde", "f\r\n", "\n", "gh"])
        XCTAssertEqual(r.lines, ["abc", "def", "", "gh"])
        XCTAssertEqual(r.tooLong, 0)
    }

    func testOverlongLinesAreCountedAndSkippedWholeWhetherSplitOrNot() {
        let long = String(repeating: "x", count: 250)
        let r = split(["ok1\n" + long + "\nok2\n", String(long.prefix(60)), String(long.dropFirst(60)) + "\nok3", "\n"])
        XCTAssertEqual(r.lines, ["ok1", "ok2", "ok3"])
        XCTAssertEqual(r.tooLong, 2)
    }

    func testPartialLineIsHeldUntilItCompletes() {
        var s = LineSplitter()
        var lines: [String] = []
        Array("{\"a\":".utf8).withUnsafeBytes { s.feed($0, line: { lines.append(String(decoding: $0, as: UTF8.self)) }, tooLong: {}) }
        XCTAssertEqual(lines, [])
        XCTAssertEqual(s.pendingCount, 5)
        Array("1}\n".utf8).withUnsafeBytes { s.feed($0, line: { lines.append(String(decoding: $0, as: UTF8.self)) }, tooLong: {}) }
        XCTAssertEqual(lines, ["{\"a\":1}"])
    }
}
