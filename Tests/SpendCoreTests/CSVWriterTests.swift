import XCTest
@testable import SpendCore

final class CSVWriterTests: XCTestCase {
    func table(_ names: [String]) -> ViewTable {
        ViewTable(title: "t", columns: [.init(id: "feature", title: "F", kind: .text), .init(id: "spend_usd", title: "S", kind: .usd)],
                  rows: names.map { [.text($0), .number(1.5)] })
    }

    func testRFC4180QuotingAndFormulaGuard() {
        let csv = CSVWriter.csv(table(["plain", "a,b", "say \"hi\"", "=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", " lead"]))
        let lines = csv.components(separatedBy: "\r\n")
        XCTAssertEqual(lines[0], "feature,spend_usd")
        XCTAssertEqual(lines[1], "plain,1.5")
        XCTAssertEqual(lines[2], "\"a,b\",1.5")
        XCTAssertEqual(lines[3], "\"say \"\"hi\"\"\",1.5")
        XCTAssertEqual(lines[4], "\"'=HYPERLINK(\"\"http://x\"\")\",1.5")
        XCTAssertEqual(lines[5], "'+1,1.5")
        XCTAssertEqual(lines[6], "'-2,1.5")
        XCTAssertEqual(lines[7], "'@SUM(A1),1.5")
        XCTAssertEqual(lines[8], "\" x\",1.5", "a tab is a control character: it becomes a space, so nothing leads with it")
        XCTAssertEqual(lines[9], "\" lead\",1.5")
        XCTAssertEqual(lines.last, "")
    }

    func testEscapeSequencesNeverReachTheFile() {
        let csv = CSVWriter.csv(table(["evil\u{1B}[2J\u{1B}]0;pwned\u{07}name"]))
        XCTAssertFalse(csv.contains("\u{1B}"))
        XCTAssertTrue(csv.contains("evilname,1.5"))
    }

    func testNumbersArePlainDecimals() {
        XCTAssertEqual(CSVWriter.number(12), "12")
        XCTAssertEqual(CSVWriter.number(0.000001234), "0.000001234")
        XCTAssertEqual(CSVWriter.number(8404.990868675037), "8404.990868675")
        XCTAssertEqual(CSVWriter.number(-3.5), "-3.5")
        XCTAssertEqual(CSVWriter.number(.nan), "")
    }
}
