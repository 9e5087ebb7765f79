import XCTest
@testable import SpendUI

final class CanvasTests: XCTestCase {
    func testTextWideCharactersAndClipping() {
        var c = Canvas(width: 10, height: 2)
        XCTAssertEqual(c.put("ab研究c", x: 1, y: 0, style: .plain), 7)
        XCTAssertEqual(c.line(0), " ab研究c  ")
        XCTAssertTrue(c[4, 0].isContinuation)
        // A wide character that does not fit in the last column is not drawn half.
        c.put("xxxxxxxx研", x: 1, y: 1, style: .plain)
        XCTAssertEqual(c.line(1), " xxxxxxxx ")
        c.put("abc", x: 2, y: 0, style: .plain, clip: Rect(x: 0, y: 0, width: 4, height: 1))
        XCTAssertEqual(c.line(0), " aab 究c  ", "overwriting the left half of 研 blanks its right half")
    }

    func testControlCharactersNeverReachACell() {
        var c = Canvas(width: 20, height: 1)
        c.put("a\u{1B}[2Jb\u{07}c\u{9B}d", x: 0, y: 0, style: .plain)
        XCTAssertEqual(c.text, "a[2Jbcd")
        XCTAssertFalse(c.cells.contains { $0.char.unicodeScalars.contains { $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) } })
    }

    func testCharWidthAndTruncate() {
        XCTAssertEqual(CharWidth.of("研究-検索"), 9)
        XCTAssertEqual(CharWidth.of("sk-…1a2b"), 8)
        XCTAssertEqual(CharWidth.truncate("claude-sonnet-4-5", to: 8), "claude-…")
        XCTAssertEqual(CharWidth.truncate("研究研究", to: 5), "研究…")
    }

    func testSparklineAndBigDigits() {
        XCTAssertEqual(Sparkline.render([0, 1, 2, 4, 8], width: 5), " ▂▃▅█")
        XCTAssertEqual(Sparkline.render([1, 2, 3], width: 2), "▆█")
        XCTAssertEqual(BigDigits.rows("1.5")[4], "███  █  ███")
        XCTAssertEqual(BigDigits.width("$184"), 15)
    }

    func testBoxTitleAndBorders() {
        var c = Canvas(width: 20, height: 3)
        let inner = Box(title: "Features 3").render(into: &c, in: c.bounds, theme: .builtIn)
        XCTAssertEqual(inner, Rect(x: 1, y: 1, width: 18, height: 1))
        let bar = String(repeating: "─", count: 18)
        XCTAssertEqual(c.text, "┌ Features 3 ──────┐\n│" + String(repeating: " ", count: 18) + "│\n└" + bar + "┘")
    }
}
