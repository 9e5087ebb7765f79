import XCTest
import SpendCore
@testable import SpendUI

final class ConsoleAppTests: XCTestCase {
    func app(_ terminal: RecordingTerminal, alerts: AlertSource? = nil, dir: String = NSTemporaryDirectory()) -> ConsoleApp {
        var o = ConsoleApp.Options()
        o.exportDirectory = dir
        o.wallClock = { Fixture.wall }
        return ConsoleApp(feed: FixedFeed(Fixture.rollup()), alerts: alerts, terminal: terminal, options: o)
    }

    /// `e` writes exactly what the focused pane shows, with the export writer, into --export-dir.
    func testSnapshotExportEqualsTheExportView() throws {
        let dir = NSTemporaryDirectory() + "spendtop-ui-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = RecordingTerminal(width: 120, height: 32)
        let a = app(t, dir: dir)
        a.refresh(forced: true)
        a.dispatch(.key(.enter))          // drill into code-review → keys pane focused
        a.dispatch(.key(.char("e")))
        let path = try XCTUnwrap(a.exports.last)
        XCTAssertTrue(path.hasPrefix(dir + "/spendtop-keys-feature=code-review-5m-2100"), path)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        let r = Fixture.rollup()
        let expected = CSVWriter.csv(try ExportView.keys.table(r, window: .minutes(5), atMs: nil,
                                                               filters: [.init(.feature, "code-review")], wallMs: Fixture.wall))
        XCTAssertEqual(written, expected)
        XCTAssertTrue(a.state.status?.contains("exported 1 row to \(path)") ?? false, a.state.status ?? "")
        // With a sort and a filter the file follows the screen.
        a.dispatch(.key(.escape))
        a.dispatch(.key(.char("S")))       // features ascending by spend
        a.dispatch(.key(.char("e")))
        let rows = try String(contentsOfFile: a.exports.last!, encoding: .utf8).split(separator: "\r\n").map { $0.split(separator: ",").first! }
        XCTAssertEqual(rows, ["feature", "support-chat", "研究-検索", "code-review"])
    }

    func testBellRingsOncePerNewAlertAndBSilencesIt() {
        let mk = { (k: String) in AlertEvent(key: k, kind: .threshold, startedMs: Fixture.endMs, scope: "fleet", metric: "spend",
                                              observed: 2, expected: 1, reason: k) }
        func state(_ keys: [String]) -> AlertState {
            var a = AlertState()
            a.active = keys.map(mk)
            a.history = a.active
            a.started = keys.count
            return a
        }
        let alerts = ScriptedAlerts([state(["a"]), state(["a"]), state(["a", "b", "c"]), state(["a", "b", "c", "d"])])
        let t = RecordingTerminal(width: 100, height: 30)
        let a = app(t, alerts: alerts)
        a.refresh(forced: true)
        XCTAssertEqual(t.bells, 1)
        a.refresh(forced: false)
        XCTAssertEqual(t.bells, 1, "an alert still holding does not ring again")
        a.refresh(forced: false)
        XCTAssertEqual(t.bells, 2, "two alerts starting together ring once")
        a.dispatch(.key(.char("b")))
        a.refresh(forced: false)
        XCTAssertEqual(t.bells, 2, "b silences the bell")
        XCTAssertEqual(alerts.reads, 4)
    }

    func testRunLoopDrawsHandlesKeysAndRestoresTheTerminal() {
        let t = RecordingTerminal(width: 100, height: 30)
        t.inputs = [.key(.char("3")), .resize(width: 80, height: 24), .key(.char("j")), nil]
        let a = app(t)
        a.run()
        XCTAssertTrue(t.closed)
        XCTAssertEqual(a.state.window, .minutes(15))
        XCTAssertEqual(a.state.width, 80)
        XCTAssertEqual(t.frames.last?.width, 80)
        XCTAssertTrue(t.frames.last?.text.contains("window 15m") ?? false)
        // `j` moved the selection off the top row; it then stays on that group whichever window's rows it was on.
        let t15 = a.state.shown[.table(.feature)]
        XCTAssertNotEqual(t15?.rows[a.state.selected(.table(.feature))].first?.text, "code-review")
    }

    func testInterruptQuits() {
        let t = RecordingTerminal(width: 100, height: 30)
        t.inputs = [.interrupt, .key(.char("3"))]
        let a = app(t)
        a.run()
        XCTAssertTrue(a.state.quit)
        XCTAssertEqual(a.state.window, .minutes(5), "nothing after the interrupt is handled")
    }

    func testSnapshotNamesAreSafe() {
        let n = ConsoleApp.snapshotName(pane: .table(.apiKey), path: [.init(.feature, "a/b c\u{1B}")], window: .minutes(15), wallMs: Fixture.endMs)
        XCTAssertEqual(n, "spendtop-keys-feature=a_b_c_-15m-20261128-100930.csv")
    }
}

extension ConsoleAppTests {
    /// One chart column per minute whatever the width (the query and the chart agree on the plot width).
    func testChartHasOneColumnPerMinute() {
        for w in [80, 100, 137, 200] {
            let t = RecordingTerminal(width: w, height: 30)
            let a = app(t)
            a.refresh(forced: true)
            XCTAssertEqual(a.state.data?.series.count, w - 11)
            XCTAssertTrue(a.renderFrame().text.contains("Spend per minute"), "\(w)")
        }
    }

    /// Keys pressed while the data of a new question is on its way do not act on the old rows.
    func testNoDrillIntoStaleRows() {
        var s = Fixture.state(width: 120, height: 32)
        _ = ConsoleState.reduce(&s, .key(.char("3")))
        XCTAssertTrue(s.isStale)
        XCTAssertEqual(ConsoleState.reduce(&s, .key(.enter)), [])
        XCTAssertTrue(s.path.isEmpty)
        XCTAssertTrue(ConsoleScreen.render(s, theme: .builtIn).text.contains("⟳ loading"))
    }
}
