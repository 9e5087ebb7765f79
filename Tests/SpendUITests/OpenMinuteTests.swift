import XCTest
import SpendCore
@testable import SpendUI

/// The newest minute is still open (issue 9 point 3): never drawn as a drop, and the KPI change
/// compares rates over what each window covers. The burn rate is the last five minutes' (point 4).
final class OpenMinuteTests: XCTestCase {
    static let start: Int64 = 1_795_860_000_000   // 2026-11-28T10:00:00Z

    /// $1 a minute, one event a second, for `minutes` minutes, then `tail` events of the open minute.
    static func steady(minutes: Int, tail: Int, feature: String = "steady") -> Rollup {
        let r = Rollup()
        var n = 0
        for m in 0..<minutes { for i in 0..<60 {
            n += 1
            r.ingest(SpendEvent(timestampMs: start + Int64(m) * 60_000 + Int64(i) * 1000, requestID: "r\(n)", feature: feature,
                                model: "gpt-4o", usage: TokenUsage(input: 100, output: 10), costUSD: 1.0 / 60))
        } }
        for i in 0..<tail {
            n += 1
            r.ingest(SpendEvent(timestampMs: start + Int64(minutes) * 60_000 + Int64(i) * 1000, requestID: "r\(n)", feature: feature,
                                model: "gpt-4o", usage: TokenUsage(input: 100, output: 10), costUSD: 1.0 / 60))
        }
        return r
    }

    func render(_ r: Rollup, window: TimeWindow = .minutes(5), width: Int = 120, height: Int = 40) -> (ConsoleState, Canvas) {
        var s = ConsoleState(width: width, height: height, window: window)
        _ = ConsoleState.reduce(&s, .data(Fixture.snapshot(r, window: window), forced: true))
        return (s, ConsoleScreen.render(s, theme: .builtIn))
    }

    func testSparklineDrawsTheOpenMinuteAtItsPace() {
        XCTAssertEqual(Sparkline.render([4, 4, 4, 1], width: 4), "███▃", "at face value the open minute is a drop")
        XCTAssertEqual(Sparkline.render([4, 4, 4, 1], width: 4, openFraction: 0.25), "████")
        XCTAssertEqual(Sparkline.render([4, 4, 4, 0.5], width: 4, openFraction: 0.25), "███▅", "a real slowdown still shows")
        XCTAssertEqual(Sparkline.render([4, 4, 4, 3], width: 4, openFraction: 0.1), "████", "never above the closed minutes")
    }

    /// 30 steady minutes and 19 events of the 31st (clock 18 s into it): the last chart column and
    /// every trend end level with the rest, dimmer; the spend change says nothing changed.
    func testSteadyTrafficDoesNotLookLikeItIsFalling() throws {
        let (s, canvas) = render(OpenMinuteTests.steady(minutes: 30, tail: 19))
        let d = try XCTUnwrap(s.data)
        XCTAssertEqual(d.openMinuteFraction, 0.3, accuracy: 0.001)
        let layout = Layout.compute(width: 120, height: 40)
        let chart = try XCTUnwrap(layout.chart).inset(1)
        // Plot columns: find the last column with any bar, compare its height with the one before.
        func height(_ x: Int) -> Int { (chart.y..<chart.maxY - 1).filter { canvas[x, $0].char != " " && "▁▂▃▄▅▆▇█".contains(canvas[x, $0].char) }.count }
        let columns = (chart.x + 8..<chart.maxX).filter { height($0) > 0 }
        let last = try XCTUnwrap(columns.last)
        XCTAssertEqual(height(last), height(last - 1), canvas.text)
        XCTAssertEqual(canvas[last, chart.maxY - 2].char, canvas[last - 1, chart.maxY - 2].char)
        let barY = (chart.y..<chart.maxY - 1).first { "▁▂▃▄▅▆▇█".contains(canvas[last, $0].char) }!
        XCTAssertTrue(canvas[last, barY].style.attributes.contains(.dim), "the open minute is drawn dimmer")
        XCTAssertFalse(canvas[last - 1, barY].style.attributes.contains(.dim))
        // The feature's trend ends level too.
        let row = try XCTUnwrap(canvas.text.split(separator: "\n").first { $0.contains("▶ steady") })
        XCTAssertTrue(row.contains("████████"), String(row))
        // Spend 5m: 4 closed minutes and 18 s against 5 closed minutes: the same rate.
        let text = canvas.text
        XCTAssertTrue(text.contains("= prev 5m"), text)
        XCTAssertFalse(canvas.line(3).prefix(20).contains("▼"), text)
    }

    /// A window of 24h shows the last five minutes' burn, with the window's average beside it.
    func testBurnRateIsTheLastFiveMinutesAtEveryWindow() throws {
        let r = OpenMinuteTests.steady(minutes: 120, tail: 0)
        // Then five minutes at $10 a minute (ten times the usual).
        let t0 = OpenMinuteTests.start + 120 * 60_000
        for m in 0..<5 { for i in 0..<10 {
            r.ingest(SpendEvent(timestampMs: t0 + Int64(m) * 60_000 + Int64(i) * 6000, requestID: "hot\(m)-\(i)", feature: "steady",
                                model: "gpt-4o", usage: TokenUsage(input: 100, output: 10), costUSD: 1))
        } }
        let (s, canvas) = render(r, window: .minutes(1440))
        let d = try XCTUnwrap(s.data)
        // The last five minutes: 4 minutes and 54 s up to the newest event, $50 → about $612/h.
        XCTAssertEqual(d.burnPerHour, 50 / d.recentDurationSeconds * 3600, accuracy: 0.01)
        XCTAssertGreaterThan(d.burnPerHour, 5 * d.spendPerHour, "the 24h average dilutes it")
        let text = canvas.text
        XCTAssertTrue(text.contains(NumberFormat.money(d.burnPerHour) + "/h last 5m"), text)
        XCTAssertTrue(text.contains("24h avg " + NumberFormat.money(d.spendPerHour) + "/h"), text)
        // At 5m the two are the same number: the projection takes the second line.
        let (_, five) = render(r, window: .minutes(5))
        XCTAssertTrue(five.text.contains("/h last 5m") && five.text.contains("/day"), five.text)
    }
}
