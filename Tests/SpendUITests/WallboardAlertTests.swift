import XCTest
import SpendCore
@testable import SpendUI

/// The wallboard's alerts: a new alert (or budget crossing) takes the screen for its first 30 s on screen, then a
/// banner keeps it in sight while the big-digit views rotate again.
final class WallboardAlertTests: XCTestCase {
    func alert(_ key: String, kind: AlertEvent.Kind = .anomaly, minutesAgo: Int64 = 2, reason: String) -> AlertEvent {
        AlertEvent(key: key, kind: kind, startedMs: Fixture.endMs - minutesAgo * 60_000, scope: "feature=code-review",
                   metric: "spend", observed: 2, expected: 1, reason: reason)
    }

    func wallboard(_ alerts: AlertState) -> ConsoleState {
        var s = Fixture.state(width: 120, height: 32, alerts: alerts)
        s.wallboard = WallboardState(rotateMs: 10_000)
        return s
    }

    func text(_ s: ConsoleState) -> String { ConsoleScreen.render(s, theme: .builtIn).text }

    /// The run loop's ticks, every 100 ms, up to `to`.
    func tick(_ s: inout ConsoleState, to: Int64) {
        var now = max(s.nowMs, to - 600_000)
        while now < to { now = min(to, now + 100); _ = ConsoleState.reduce(&s, .tick(nowMs: now)) }
    }

    func testANewAlertTakesOverForThirtySecondsThenABannerWhileViewsRotate() {
        let a = alert("anomaly:feature=code-review:spend", reason: "code-review spend 11.8× baseline")
        var s = wallboard(Fixture.alerts(active: [a]))
        let t = 1_000_000 as Int64
        _ = ConsoleState.reduce(&s, .tick(nowMs: t))
        XCTAssertTrue(text(s).contains("▲ 1 NEW ALERT"), text(s))
        XCTAssertTrue(text(s).contains("code-review spend 11.8× baseline"))
        XCTAssertFalse(text(s).contains("Overview"), "the takeover hides the views")
        tick(&s, to: t + 29_900)
        XCTAssertTrue(text(s).contains("NEW ALERT"), "still within its first 30 s")
        tick(&s, to: t + 30_000)
        let after = text(s)
        XCTAssertFalse(after.contains("NEW ALERT"), after)
        let lines = after.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].contains("▲ 1 active"), lines[0])
        XCTAssertTrue(lines[1].contains("▲ 1 active: 10:07 code-review spend 11.8× baseline"), lines[1])
        // The views kept rotating under the takeover (10 s each): three turns in 30 s.
        XCTAssertEqual(s.wallboard?.view, 3)
        XCTAssertTrue(lines[0].contains("Models (4/5)"), lines[0])
        tick(&s, to: t + 40_000)
        XCTAssertTrue(text(s).split(separator: "\n")[0].contains("GPUs (5/5)"))
        // Another alert arrives: it takes over for its own 30 s; the banner counts both afterwards.
        var more = s.alerts
        more.active.append(alert("rule:budget", kind: .budget, minutesAgo: 0, reason: "code-review budget $50/day 80% used ($40)"))
        more.history = more.active
        more.started += 1
        _ = ConsoleState.reduce(&s, .alerts(more))
        XCTAssertTrue(text(s).contains("▲ 1 NEW ALERT"), "a budget crossing shows like an alert")
        XCTAssertTrue(text(s).contains("code-review budget $50/day 80% used ($40)"))
        tick(&s, to: t + 70_000)
        XCTAssertTrue(text(s).split(separator: "\n")[1].contains("▲ 2 active: 10:09 code-review budget"), text(s))
        // Once it ends the banner goes.
        var over = more
        over.active = []
        _ = ConsoleState.reduce(&s, .alerts(over))
        XCTAssertFalse(text(s).contains("active:"), text(s))
    }

    /// An alert already holding when the wallboard starts is new to this screen: it takes over first.
    func testAlertsHoldingAtStartTakeOverFirst() {
        var s = wallboard(Fixture.alerts(active: [alert("a", reason: "held since before")]))
        XCTAssertTrue(text(s).contains("NEW ALERT"), "before the first tick")
        _ = ConsoleState.reduce(&s, .tick(nowMs: 5_000))
        tick(&s, to: 35_000)
        XCTAssertTrue(text(s).contains("▲ 1 active: "), text(s))
    }
}
