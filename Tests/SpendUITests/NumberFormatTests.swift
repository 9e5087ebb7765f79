import XCTest
import SpendCore
@testable import SpendUI

final class NumberFormatTests: XCTestCase {
    func testUnits() {
        XCTAssertEqual(NumberFormat.usd(184.22), "$184")
        XCTAssertEqual(NumberFormat.usd(78.41), "$78.41")
        XCTAssertEqual(NumberFormat.usd(17_700), "$17.7k")
        XCTAssertEqual(NumberFormat.usd(2_400_000), "$2.4M")
        XCTAssertEqual(NumberFormat.usd(0.0042), "$0.0042")
        XCTAssertEqual(NumberFormat.count(412_000), "412.0k")
        XCTAssertEqual(NumberFormat.count(1942), "1942")
        XCTAssertEqual(NumberFormat.rate(0.104), "0.10")
        XCTAssertEqual(NumberFormat.rate(92.4), "92.4")
        XCTAssertEqual(NumberFormat.percent(47.25), "47.2%")
        XCTAssertEqual(NumberFormat.milliseconds(2310), "2.31 s")
        XCTAssertEqual(NumberFormat.milliseconds(87), "87 ms")
    }

    func testPlainTableAlignsAndLimits() {
        let t = ViewTable(title: "Features", columns: [.init(id: "feature", title: "FEATURE", kind: .text),
                                                        .init(id: "spend_usd", title: "SPEND", kind: .usd)],
                          rows: [[.text("code-review"), .number(78.41)], [.text("rag"), .number(5)], [.text("x"), .empty]])
        XCTAssertEqual(PlainTable.render(t, limit: 2), """
        FEATURE       SPEND
        code-review  $78.41
        rag           $5.00
        … 1 more rows

        """)
    }
}
