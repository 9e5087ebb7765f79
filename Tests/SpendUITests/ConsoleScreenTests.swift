import XCTest
import SpendCore
@testable import SpendUI

final class ConsoleScreenTests: XCTestCase {
    func line(_ text: String, containing s: String) -> String? { text.split(separator: "\n").map(String.init).first { $0.contains(s) } }

    /// Every pane shows the right numbers for the fixed rollup at 80×24 and 200×60.
    func testPanesShowTheRightNumbers() throws {
        for (w, h) in [(80, 24), (200, 60)] {
            let s = Fixture.state(width: w, height: h)
            let text = ConsoleScreen.render(s, theme: .builtIn).text
            XCTAssertFalse(text.contains(Fixture.rawKey.dropFirst(3).prefix(8)), "raw key on screen")
            // Features: 5 minutes of each; code-review $10.00 (39.2%), 研究-検索 $8.00 (31.4%), support-chat $7.50 (29.4%).
            let review = try XCTUnwrap(line(text, containing: "code-review"), text)
            XCTAssertTrue(review.contains("$10.0") && review.contains("39.2%"), review)
            let wide = try XCTUnwrap(line(text, containing: "研究-検索"), text)
            XCTAssertTrue(wide.contains("$8.00") && wide.contains("31.4%"), wide)
            let chat = try XCTUnwrap(line(text, containing: "support-chat"), text)
            XCTAssertTrue(chat.contains("$7.50") && chat.contains("29.4%"), chat)
            // Keys (masked): prod-web $10.50, ci $10.00, sk-…1a2b $5.00.
            XCTAssertTrue(try XCTUnwrap(line(text, containing: "prod-web")).contains("$10.5"))
            XCTAssertTrue(try XCTUnwrap(line(text, containing: "sk-…1a2b"), text).contains("$5.00"))
            // KPI strip: spend in window, burn rate over 241.2 s (clock = newest event, 10:09:01.2): $25.5 → $381/h.
            XCTAssertTrue(text.contains("$25.5"), text)
            XCTAssertTrue(text.contains("$381/h"), text)
            XCTAssertTrue(text.contains("window 5m"))
            XCTAssertTrue(text.contains("2026-11-28 10:09:01Z"), text)
            XCTAssertTrue(text.contains("Features 3"))
        }
        // At 200×60 the models and GPUs panes are all visible; one GPU idles below 10%.
        let wide = ConsoleScreen.render(Fixture.state(width: 200, height: 60), theme: .builtIn).text
        XCTAssertTrue(try XCTUnwrap(line(wide, containing: "claude-sonnet-4-5")).contains("$15.0"), wide)
        XCTAssertTrue(try XCTUnwrap(line(wide, containing: "h100-a:1")).contains("3.0%"), wide)
        XCTAssertTrue(wide.contains("! 1 idle"), wide)
        XCTAssertTrue(wide.contains("util 41.5%"), wide)
    }

    func testTextSnapshots() {
        for (w, h) in [(80, 24), (200, 60)] {
            let text = ConsoleScreen.render(Fixture.state(width: w, height: h), theme: .builtIn).text
            if let diff = assertSnapshot(text, named: "console-\(w)x\(h)") { XCTFail(diff) }
        }
        var drilled = Fixture.state(width: 120, height: 32)
        _ = ConsoleState.reduce(&drilled, .key(.enter))
        drilled.setData(Fixture.snapshot(Fixture.rollup(), path: drilled.path))
        if let diff = assertSnapshot(ConsoleScreen.render(drilled, theme: .builtIn).text, named: "drill-feature-120x32") { XCTFail(diff) }
        var wb = Fixture.state(width: 80, height: 24)
        wb.wallboard = WallboardState(rotateMs: 15_000)
        if let diff = assertSnapshot(ConsoleScreen.render(wb, theme: .builtIn).text, named: "wallboard-80x24") { XCTFail(diff) }
    }

    func testDrillDownShowsBreadcrumbAndBreakdown() throws {
        var s = Fixture.state(width: 120, height: 32)
        XCTAssertEqual(ConsoleState.reduce(&s, .key(.enter)), [.refresh])
        XCTAssertEqual(s.path, [ViewQuery.Filter(.feature, id: GroupID(raw: "code-review"), value: "code-review")])
        s.setData(Fixture.snapshot(Fixture.rollup(), path: s.path))
        XCTAssertEqual(s.panes.first, .table(.apiKey))
        let text = ConsoleScreen.render(s, theme: .builtIn).text
        XCTAssertTrue(text.contains("all › feature code-review"), text)
        // Only code-review's key, with code-review's spend.
        XCTAssertTrue(try XCTUnwrap(line(text, containing: " ci ")).contains("$10.0"), text)
        XCTAssertNil(line(text, containing: "prod-web"))
        // Then the key: deepest level, models of that key and the key's features.
        _ = ConsoleState.reduce(&s, .key(.enter))
        XCTAssertEqual(s.breadcrumb, "all › feature code-review › key ci")
        s.setData(Fixture.snapshot(Fixture.rollup(), path: s.path))
        XCTAssertEqual(s.panes, [.table(.model), .table(.feature), .alerts, .gpus])
        _ = ConsoleState.reduce(&s, .key(.enter))
        XCTAssertTrue(s.status?.contains("deepest level") ?? false)
        // Back up twice: to the root, with the feature selected again.
        _ = ConsoleState.reduce(&s, .key(.escape))
        XCTAssertEqual(s.path.count, 1)
        _ = ConsoleState.reduce(&s, .key(.backspace))
        XCTAssertTrue(s.path.isEmpty)
        s.setData(Fixture.snapshot(Fixture.rollup()))
        XCTAssertEqual(s.focus, .table(.feature))
        XCTAssertEqual(s.shown[.table(.feature)]?.rows[s.selected(.table(.feature))].first?.text, "code-review")
    }

    func testAlertsShowInPaneChartAndRows() throws {
        let start = Fixture.endMs - 2 * 60_000
        let alert = AlertEvent(key: "anomaly:feature=code-review:spend", kind: .anomaly, startedMs: start, scope: "feature=code-review",
                               metric: "retry_rate", observed: 0.5, expected: 0.01, score: 9, reason: "code-review retries 50× usual")
        let s = Fixture.state(width: 200, height: 60, alerts: Fixture.alerts(active: [alert]))
        let text = ConsoleScreen.render(s, theme: .builtIn).text
        if let diff = assertSnapshot(text, named: "alerts-200x60") { XCTFail(diff) }
        XCTAssertTrue(text.contains("▲ 1 alert"), text)
        XCTAssertTrue(text.contains("▲ anomaly"), "chart marks the anomaly")
        XCTAssertTrue(try XCTUnwrap(line(text, containing: "10:07:30 code-review retri")).contains("▲ active"), text)
        XCTAssertTrue(try XCTUnwrap(line(text, containing: "code-review  ")).contains("▲ retry rate"), text)
        XCTAssertTrue(text.contains("Alerts 1 active · 1 today"), text)
    }
}

extension ConsoleScreenTests {
    /// While an alert is active the wallboard shows it instead of the rotating views; keys stay masked.
    func testWallboardAlertTakesOver() {
        let alert = AlertEvent(key: "budget", kind: .budget, startedMs: Fixture.endMs, scope: "api_key=sk-…1a2b", metric: "spend",
                               observed: 120, expected: 100, reason: "sk-…1a2b spent 120% of its daily budget")
        var s = Fixture.state(width: 100, height: 30, alerts: Fixture.alerts(active: [alert]))
        s.wallboard = WallboardState(rotateMs: 15_000)
        let text = ConsoleScreen.render(s, theme: .builtIn).text
        XCTAssertTrue(text.contains("▲ 1 NEW ALERT"), text)
        XCTAssertTrue(text.contains("sk-…1a2b spent 120% of its daily budget"), text)
        XCTAssertFalse(text.contains("Overview"), "alerts replace the rotating views")
        var quiet = Fixture.state(width: 100, height: 30)
        quiet.wallboard = WallboardState(rotateMs: 15_000)
        quiet.wallboard?.view = 2
        let keys = ConsoleScreen.render(quiet, theme: .builtIn).text
        XCTAssertTrue(keys.contains("API keys (3/5)"), keys)
        XCTAssertTrue(keys.contains("sk-…1a2b"), keys)
        XCTAssertFalse(keys.contains(Fixture.rawKey.dropFirst(8).prefix(8)))
    }
}
