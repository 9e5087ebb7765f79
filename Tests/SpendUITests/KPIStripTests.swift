import XCTest
import SpendCore
@testable import SpendUI

/// KPI tiles fit at 80, 120 and 160 columns (issue 9 point 8), and unpriced groups say so (point 5).
final class KPIStripTests: XCTestCase {
    /// A frame with every tile at its longest: big spend and rates, a large change, a cache drop, many idle GPUs.
    func busy(_ window: TimeWindow) -> ConsoleSnapshot {
        var d = Fixture.snapshot(Fixture.rollup(), window: window)
        d.total.spend = 12_345.678
        d.total.requests = 1_234_567
        d.total.errors = 152_000
        d.total.inputTokens = 98_765_432
        d.total.outputTokens = 12_345_678
        d.total.cacheReadTokens = 6_000_000
        d.total.gatewayCacheHits = 75_000
        d.durationSeconds = 1000
        d.previousTotal = d.total
        d.previousTotal.spend = 1.5
        d.previousTotal.cacheReadTokens = 60_000_000
        d.previousDurationSeconds = 1000
        d.recent = d.total
        d.recentDurationSeconds = 300
        d.idleGPUs = 12
        d.gpuUtilPct = 8.4
        d.gpuHourlyUSD = 2.49
        return d
    }

    func testTilesFitTheirLinesAt80_120_160() throws {
        for window in [TimeWindow.minutes(5), .minutes(1440)] {
            for width in [80, 120, 160] {
                var s = ConsoleState(width: width, height: 40, window: window)
                _ = ConsoleState.reduce(&s, .data(busy(window), forced: true))
                let canvas = ConsoleScreen.render(s, theme: .builtIn)
                let strip = (1...4).map { canvas.line($0) }
                for line in strip { XCTAssertFalse(line.contains("…"), "\(width) columns, \(window): cut\n\(strip.joined(separator: "\n"))") }
                let text = strip.joined(separator: "\n")
                // The highest-priority fragment of each second line survives.
                XCTAssertTrue(text.contains("▲ 8.23k× vs prev"), text)
                XCTAssertTrue(text.contains("▼ 55 pts  gw"), text)
                XCTAssertTrue(text.contains("/h last 5m") || text.contains("/h 5m"), text)
                if width >= 120 { XCTAssertTrue(text.contains("! 12 idle"), text) }
                if window != .minutes(5) { XCTAssertTrue(text.contains("avg $"), "the window average, labelled\n\(text)") }
            }
        }
    }

    func testUnpricedGroupsShowUnpricedNotZero() throws {
        let r = Fixture.rollup()
        for m in 0..<3 {
            r.ingest(SpendEvent(timestampMs: Fixture.endMs - Int64(m) * 60_000, requestID: "u\(m)", feature: "sql-assist", apiKey: "ci",
                                model: "ft-sql-7b", usage: TokenUsage(input: 20_000, output: 1_000)))
        }
        var s = ConsoleState(width: 200, height: 60)
        _ = ConsoleState.reduce(&s, .data(Fixture.snapshot(r), forced: true))
        let text = ConsoleScreen.render(s, theme: .builtIn).text
        let row = try XCTUnwrap(text.split(separator: "\n").first { $0.contains("ft-sql-7b") }.map(String.init), text)
        XCTAssertTrue(row.contains("unpriced"), row)
        XCTAssertFalse(row.contains("$0"), row)
        XCTAssertTrue(row.contains("63.0k tok"), "its tokens instead of a spend trend: \(row)")
        // The feature that only used it, too.
        let feature = try XCTUnwrap(text.split(separator: "\n").first { $0.contains("sql-assist") }.map(String.init))
        XCTAssertTrue(feature.contains("unpriced"), feature)
        // The pane's table (what `e` and `export` write) has an empty spend cell, and the unpriced count.
        let models = try XCTUnwrap(s.shown[.table(.model)])
        let i = try XCTUnwrap(models.rows.firstIndex { $0.first?.text == "ft-sql-7b" })
        XCTAssertEqual(models.rows[i][try XCTUnwrap(models.column("spend_usd"))], .empty)
        XCTAssertEqual(models.rows[i][try XCTUnwrap(models.column("unpriced_requests"))], .number(3))
        XCTAssertTrue(CSVWriter.csv(models).contains("ft-sql-7b,,,,"), CSVWriter.csv(models))
        XCTAssertEqual(models.rows.last?.first?.text, "ft-sql-7b", "no spend sorts last, not as $0 among the cheap")
    }
}
