import XCTest
import SpendCore
@testable import SpendUI

/// The alerts pane and the alert detail, from published alert state (issue 8 part 4, issue 9 point 6).
final class AlertsPaneTests: XCTestCase {
    let day = Timestamp.parseRFC3339("2026-11-28T00:00:00Z")!

    func budget(used: Double) throws -> BudgetStatus {
        let rule = BudgetRule(scope: try AlertScope(parsing: "feature=code-review"), period: .day, limitUSD: 50)
        return BudgetStatus(rule: rule, periodStartMs: day, periodEndMs: day + 86_400_000, spentUSD: used / 100 * 50,
                            usedPct: used, burnPerHour: 6.7, runOutMs: day + 15 * 3_600_000, asOfMs: Fixture.endMs)
    }

    func alert(_ key: String, scope: String = "feature=code-review", started: Int64, ended: Int64? = nil) -> AlertEvent {
        AlertEvent(key: key, kind: .threshold, startedMs: started, endedMs: ended, scope: scope, metric: "spend_per_hour",
                   observed: 44, expected: 40, reason: "\(key): code-review spend_per_hour $44/h > $40/h over 5m")
    }

    func state(path: [ViewQuery.Filter] = []) throws -> ConsoleState {
        let old = alert("old", started: Fixture.endMs - 9 * 60_000, ended: Fixture.endMs - 6 * 60_000)
        let now = alert("now", started: Fixture.endMs - 2 * 60_000)
        let elsewhere = alert("elsewhere", scope: "feature=support-chat", started: Fixture.endMs - 3 * 60_000)
        return Fixture.state(width: 200, height: 60, path: path,
                             alerts: Fixture.alerts(active: [elsewhere, now], ended: [old], budgets: [try budget(used: 84)]))
    }

    func testBudgetsFirstThenActiveThenEndedDimAndMarked() throws {
        let s = try state()
        let t = try XCTUnwrap(s.shown[.alerts])
        let reason = try XCTUnwrap(t.column("reason")), st = try XCTUnwrap(t.column("state"))
        XCTAssertEqual(t.rows.map { $0[st].text }, ["budget 84%", "▲ active", "▲ active", "ended 10:03"])
        XCTAssertEqual(t.rows[0][reason].text,
                       "code-review budget $50/day 84% used ($42); runs out ~15:00Z at $6.7/h · day 2026-11-28")
        XCTAssertTrue(t.rows[1][reason].text?.hasPrefix("now:") ?? false, "the newest active first")
        XCTAssertEqual(AlertsPane.role(t.rows[0], in: t), .warn, "a budget past 80% is a warning")
        XCTAssertEqual(AlertsPane.role(t.rows[3], in: t), .dim, "ended alerts are dim")
        XCTAssertNil(AlertsPane.role(t.rows[1], in: t))
        XCTAssertEqual(AlertsPane.title(s.alerts, clockMs: s.alertClockMs), "Alerts 2 active · 3 today")
        XCTAssertEqual(AlertsPane.title(s.alerts, clockMs: s.alertClockMs, width: 15), "Alerts 2 active")
        let screen = ConsoleScreen.render(s, theme: .builtIn).text
        XCTAssertTrue(screen.contains("Alerts 2 active · 3 today"), screen)
        XCTAssertTrue(screen.contains("00:00:00 code-review budge… budget 84%"), screen)
    }

    func testTheDrillPathNarrowsThePane() throws {
        let s = try state(path: [.init(.feature, "support-chat")])
        let t = try XCTUnwrap(s.shown[.alerts])
        XCTAssertEqual(t.rows.compactMap { $0[t.column("reason")!].text?.prefix(9) }, ["elsewhere"], "budget and alerts of code-review left out")
    }

    func testEnterOpensTheDetailAndEnterAgainDrillsToTheScope() throws {
        var s = try state()
        s.focus = .alerts
        s.selection[.alerts] = 1
        XCTAssertEqual(ConsoleState.reduce(&s, .key(.enter)), [])
        guard case .alert(let id) = s.overlay else { return XCTFail("no detail: \(s.overlay)") }
        let (title, lines) = AlertDetail.lines(s, id: id, width: 90)
        XCTAssertEqual(title, "Alert · threshold")
        let text = lines.map(\.0).joined(separator: "\n")
        XCTAssertTrue(text.contains("started   2026-11-28 10:07:30Z"), text)
        XCTAssertTrue(text.contains("state     ▲ active for 2m"), text)
        XCTAssertTrue(text.contains("scope     feature=code-review"), text)
        XCTAssertTrue(text.contains("observed $44/h   expected $40/h (threshold)"), text)
        XCTAssertTrue(text.contains("now: code-review spend_per_hour $44/h > $40/h over 5m"), text)
        XCTAssertTrue(text.contains("⏎ open feature=code-review"), text)
        let screen = ConsoleScreen.render(s, theme: .builtIn).text
        XCTAssertTrue(screen.contains("Alert · threshold"), screen)
        XCTAssertEqual(ConsoleState.reduce(&s, .key(.enter)), [.refresh, .redrawAll])
        XCTAssertEqual(s.path, [.init(.feature, "code-review")])
        XCTAssertEqual(s.overlay, .none)
    }

    func testBudgetAndEndedDetails() throws {
        let s = try state()
        let (title, lines) = AlertDetail.lines(s, id: "budget:feature=code-review:budget_per_day=50", width: 90)
        XCTAssertEqual(title, "Budget")
        let text = lines.map(\.0).joined(separator: "\n")
        XCTAssertTrue(text.contains("period    day 2026-11-28"), text)
        XCTAssertTrue(text.contains("used      $42.0 of $50.0 (84%)"), text)
        XCTAssertTrue(text.contains("runs out  ~2026-11-28 15:00:00Z at this burn"), text)
        let old = try XCTUnwrap(s.alerts.history.first { $0.key == "old" })
        let ended = AlertDetail.lines(s, id: old.identity, width: 90).1.map(\.0).joined(separator: "\n")
        XCTAssertTrue(ended.contains("ended     2026-11-28 10:03:30Z  (lasted 3m)"), ended)
        XCTAssertEqual(AlertDetail.lines(s, id: "gone@1", width: 90).1.first?.0, "this alert is no longer in the history")
    }

    /// While paused, new alert state still reaches the pane, the header and the bell.
    func testAlertsApplyWhilePaused() throws {
        var s = Fixture.state(width: 120, height: 32)
        _ = ConsoleState.reduce(&s, .key(.char("p")))
        XCTAssertTrue(s.paused)
        let effects = ConsoleState.reduce(&s, .alerts(Fixture.alerts(active: [alert("a", started: Fixture.endMs)])))
        XCTAssertEqual(effects, [.bell])
        XCTAssertTrue(ConsoleScreen.render(s, theme: .builtIn).text.contains("▲ 1 alert"))
        XCTAssertEqual(ConsoleState.reduce(&s, .alerts(s.alerts)), [], "the same state does not ring again")
    }
}
