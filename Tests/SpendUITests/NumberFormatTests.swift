import XCTest
import SpendCore
@testable import SpendUI

/// One formatter per quantity, three significant digits and SI suffixes (issue 9 point 7). Each
/// quantity's outputs are also kept as a text snapshot (`Snapshots/number-format-QUANTITY.txt`).
final class NumberFormatTests: XCTestCase {
    static let values: [Double] = [0, 0.00004, 0.0019, 0.0042, 0.03, 0.104, 0.6, 1, 2.5, 9.996, 15.3, 47.25, 78.41, 99.96,
                                   184.22, 741.46, 999.7, 1942, 3878, 5958.9, 10_200, 39_800, 412_000, 999_999, 2_400_000,
                                   -12.5]

    func snapshot(_ name: String, _ f: (Double) -> String) {
        let text = NumberFormatTests.values.map { v in "\(v) → \(f(v))" }.joined(separator: "\n") + "\n"
        if let diff = assertSnapshot(text, named: "number-format-\(name)") { XCTFail(diff) }
    }

    func testMoney() {
        XCTAssertEqual(NumberFormat.money(184.22), "$184")
        XCTAssertEqual(NumberFormat.money(78.41), "$78.4")
        XCTAssertEqual(NumberFormat.money(17_700), "$17.7k")
        XCTAssertEqual(NumberFormat.money(6392), "$6.39k", "≈ $6392/day beside $15.2k/day")
        XCTAssertEqual(NumberFormat.money(2_400_000), "$2.40M")
        XCTAssertEqual(NumberFormat.money(0.0042), "$0.0042")
        XCTAssertEqual(NumberFormat.money(0.03), "$0.0300", "same digits as $0.0019")
        XCTAssertEqual(NumberFormat.money(0), "$0", "never $0.0000")
        XCTAssertEqual(NumberFormat.money(0.00001), "<$0.0001")
        XCTAssertEqual(NumberFormat.money(999.7), "$1.00k")
        snapshot("money", NumberFormat.money)
    }

    func testCountAndTokens() {
        XCTAssertEqual(NumberFormat.count(412_000), "412k")
        XCTAssertEqual(NumberFormat.count(1942), "1.94k")
        XCTAssertEqual(NumberFormat.count(741), "741")
        XCTAssertEqual(NumberFormat.count(999_999), "1.00M")
        XCTAssertEqual(NumberFormat.tokens(3878), "3.88k", "in 39.8k out 3878")
        XCTAssertEqual(NumberFormat.tokens(39_800), "39.8k")
        snapshot("count", NumberFormat.count)
    }

    func testRate() {
        XCTAssertEqual(NumberFormat.rate(0.104), "0.104")
        XCTAssertEqual(NumberFormat.rate(92.4), "92.4")
        XCTAssertEqual(NumberFormat.rate(5958.9), "5.96k", "5958.9 beside 10.2k")
        XCTAssertEqual(NumberFormat.rate(10_200), "10.2k")
        XCTAssertEqual(NumberFormat.rate(0), "0")
        snapshot("rate", NumberFormat.rate)
    }

    func testBytes() {
        XCTAssertEqual(NumberFormat.megabytes(74_100), "74.1 GB", "GPU memory has a unit")
        XCTAssertEqual(NumberFormat.megabytes(2048), "2.05 GB")
        XCTAssertEqual(NumberFormat.bytes(512), "512 B")
        XCTAssertEqual(NumberFormat.bytes(1_500), "1.50 kB")
        snapshot("bytes", NumberFormat.bytes)
    }

    func testDuration() {
        XCTAssertEqual(NumberFormat.duration(ms: 741_460), "12.4 min", "not 741.46 s")
        XCTAssertEqual(NumberFormat.duration(ms: 2310), "2.31 s")
        XCTAssertEqual(NumberFormat.duration(ms: 912), "912 ms")
        XCTAssertEqual(NumberFormat.duration(ms: 87), "87.0 ms")
        XCTAssertEqual(NumberFormat.duration(ms: 999.7), "1.00 s")
        XCTAssertEqual(NumberFormat.duration(ms: 5_400_000), "1.50 h")
        snapshot("duration", { NumberFormat.duration(ms: $0) })
    }

    func testPercentAndPoints() {
        XCTAssertEqual(NumberFormat.percent(47.25), "47.2%")
        XCTAssertEqual(NumberFormat.percent(0.6), "0.6%")
        XCTAssertEqual(NumberFormat.percent(99.96), "100%")
        XCTAssertEqual(NumberFormat.percent(0), "0%")
        XCTAssertEqual(NumberFormat.points(1), "1 pt", "not ▼ 1 pts")
        XCTAssertEqual(NumberFormat.points(7), "7 pts")
        XCTAssertEqual(NumberFormat.points(1.46), "1.5 pts")
        snapshot("percent", NumberFormat.percent)
        snapshot("points", NumberFormat.points)
    }

    /// Every cell kind goes through its quantity's formatter.
    func testCellsUseTheQuantityFormatters() {
        XCTAssertEqual(NumberFormat.cell(.number(78.41), .usd), "$78.4")
        XCTAssertEqual(NumberFormat.cell(.number(5958.9), .rate), "5.96k")
        XCTAssertEqual(NumberFormat.cell(.number(3878), .count), "3.88k")
        XCTAssertEqual(NumberFormat.cell(.number(741_460), .milliseconds), "12.4 min")
        XCTAssertEqual(NumberFormat.cell(.number(81_920), .megabytes), "81.9 GB")
        XCTAssertEqual(NumberFormat.cell(.number(31.74), .percent), "31.7%")
        XCTAssertEqual(NumberFormat.cell(.empty, .usd), "—")
    }

    func testPlainTableAlignsAndLimits() {
        let t = ViewTable(title: "Features", columns: [.init(id: "feature", title: "FEATURE", kind: .text),
                                                        .init(id: "spend_usd", title: "SPEND", kind: .usd)],
                          rows: [[.text("code-review"), .number(78.41)], [.text("rag"), .number(5)], [.text("x"), .empty]])
        XCTAssertEqual(PlainTable.render(t, limit: 2), """
        FEATURE      SPEND
        code-review  $78.4
        rag          $5.00
        … 1 more rows

        """)
    }
}
