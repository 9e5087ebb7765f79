import XCTest
import SpendCore
@testable import SpendUI

final class ReducerTests: XCTestCase {
    func names(_ s: ConsoleState, _ p: PaneID) -> [String] { s.shown[p]?.rows.compactMap { $0.first?.text } ?? [] }

    func testFilterNarrowsLiveAndEscClears() {
        var s = Fixture.state(width: 120, height: 32)
        _ = ConsoleState.reduce(&s, .key(.char("/")))
        XCTAssertTrue(s.filterEditing)
        for c in "re" { _ = ConsoleState.reduce(&s, .key(.char(c))) }
        XCTAssertEqual(names(s, .table(.feature)), ["code-review"], "narrows on every key")
        XCTAssertEqual(names(s, .table(.apiKey)), [], "all panes narrow")
        _ = ConsoleState.reduce(&s, .key(.backspace))
        XCTAssertEqual(Set(names(s, .table(.feature))), ["code-review", "support-chat"])
        _ = ConsoleState.reduce(&s, .key(.enter))
        XCTAssertFalse(s.filterEditing)
        XCTAssertEqual(s.filter, "r")
        XCTAssertTrue(ConsoleScreen.render(s, theme: .builtIn).text.contains("filter r"))
        _ = ConsoleState.reduce(&s, .key(.escape))
        XCTAssertEqual(s.filter, "")
        XCTAssertEqual(names(s, .table(.feature)).count, 3)
    }

    func testSortCyclesColumnsAndReverses() {
        var s = Fixture.state(width: 120, height: 32)
        XCTAssertEqual(names(s, .table(.feature)), ["code-review", "研究-検索", "support-chat"])
        for _ in 0..<4 { _ = ConsoleState.reduce(&s, .key(.char("s"))) }   // share, $/h, req/s, tokens in/s
        XCTAssertEqual(s.sortOrder(.table(.feature)), SortOrder(column: "tokens_in_per_s", descending: true))
        XCTAssertEqual(names(s, .table(.feature)), ["code-review", "support-chat", "研究-検索"])
        _ = ConsoleState.reduce(&s, .key(.char("S")))
        XCTAssertEqual(names(s, .table(.feature)), ["研究-検索", "support-chat", "code-review"])
        let text = ConsoleScreen.render(s, theme: .builtIn).text
        XCTAssertTrue(text.contains("sort tok in/s ▲"), text)
        while s.sortOrder(.table(.feature)).column != "feature" { _ = ConsoleState.reduce(&s, .key(.char("s"))) }
        XCTAssertFalse(s.sortOrder(.table(.feature)).descending, "text columns start ascending")
        XCTAssertEqual(names(s, .table(.feature)), ["code-review", "support-chat", "研究-検索"])
        _ = ConsoleState.reduce(&s, .key(.char("s")))
        _ = ConsoleState.reduce(&s, .key(.char("s")))
        XCTAssertEqual(s.sortOrder(.table(.feature)).column, "share_pct", "cycles round")
    }

    func testSortMarkerShows() {
        var s = Fixture.state(width: 120, height: 32)
        for _ in 0..<4 { _ = ConsoleState.reduce(&s, .key(.char("s"))) }
        let text = ConsoleScreen.render(s, theme: .builtIn).text
        XCTAssertTrue(text.contains("sort tok in/s ▼"), text)
    }

    func testWindowKeysAndPauseHoldsTheScreen() {
        var s = Fixture.state(width: 120, height: 32)
        XCTAssertEqual(ConsoleState.reduce(&s, .key(.char("3"))), [.refresh])
        XCTAssertEqual(s.window, .minutes(15))
        _ = ConsoleState.reduce(&s, .key(.char("w")))
        XCTAssertEqual(s.window, .minutes(60))
        _ = ConsoleState.reduce(&s, .key(.char("p")))
        XCTAssertTrue(s.paused)
        let held = s.data?.total.requests
        var other = Fixture.snapshot(Rollup())
        other.total.requests = 999
        _ = ConsoleState.reduce(&s, .data(other, forced: false))
        XCTAssertEqual(s.data?.total.requests, held, "paused: new data does not replace the screen")
        XCTAssertTrue(ConsoleScreen.render(s, theme: .builtIn).text.contains("PAUSED"))
        _ = ConsoleState.reduce(&s, .data(other, forced: true))
        XCTAssertEqual(s.data?.total.requests, 999, "a changed question (window, drill) is answered even when paused")
        XCTAssertEqual(ConsoleState.reduce(&s, .key(.char("p"))), [.refresh])
    }

    func testWallboardAcceptsOnlyQ() {
        var s = Fixture.state(width: 80, height: 24)
        s.wallboard = WallboardState(rotateMs: 15_000)
        s.exportAllowed = false
        let before = s.window
        for k: Key in [.char("1"), .char("e"), .char("/"), .enter, .char("?"), .char("t"), .tab, .char("p")] {
            XCTAssertEqual(ConsoleState.reduce(&s, .key(k)), [])
        }
        XCTAssertEqual(s.window, before)
        XCTAssertFalse(s.paused)
        XCTAssertEqual(s.overlay, .none)
        _ = ConsoleState.reduce(&s, .tick(nowMs: 1_000))
        _ = ConsoleState.reduce(&s, .tick(nowMs: 16_000))
        XCTAssertEqual(s.wallboard?.view, 1, "rotates after --rotate")
        XCTAssertEqual(ConsoleState.reduce(&s, .key(.char("q"))), [.quit])
    }

    /// The help screen lists every binding of the keymap that input handling uses.
    func testHelpIsGeneratedFromTheKeymap() {
        var s = Fixture.state(width: 120, height: 40)
        _ = ConsoleState.reduce(&s, .key(.char("?")))
        XCTAssertEqual(s.overlay, .help)
        let text = ConsoleScreen.render(s, theme: .builtIn).text
        for b in Keymap.bindings {
            XCTAssertTrue(text.contains(b.help), "help lacks \(b.help)")
            for k in b.keys where k != .char(" ") {
                if case .char(let c) = k, c.isNumber { XCTAssertEqual(Keymap.command(for: k), .window(Int(String(c))! - 1)); continue }
                XCTAssertEqual(Keymap.command(for: k), b.command, "\(k) is not handled as the help says")
            }
        }
        // Every key the spec lists has a binding.
        for k: Key in [.char("q"), .char("?"), .tab, .backTab, .up, .down, .char("j"), .char("k"), .enter, .escape, .char("/"),
                       .char("s"), .char("S"), .char("w"), .char("1"), .char("6"), .char("p"), .char("e"), .char("b"), .char("t"),
                       .char("!"), .char("g"), .char("G"), .ctrl("l")] {
            XCTAssertNotNil(Keymap.command(for: k), "\(k)")
        }
        _ = ConsoleState.reduce(&s, .key(.escape))
        XCTAssertEqual(s.overlay, .none)
        // At 80×24 every key is still listed (two columns), if shortened.
        var small = Fixture.state(width: 80, height: 24)
        _ = ConsoleState.reduce(&small, .key(.char("?")))
        let help = ConsoleScreen.render(small, theme: .builtIn).text
        for b in Keymap.bindings { XCTAssertTrue(help.contains(b.label + " "), "80×24 help lacks \(b.label)\n\(help)") }
    }

    func testMovementTabAndClick() {
        var s = Fixture.state(width: 120, height: 32)
        _ = ConsoleState.reduce(&s, .key(.char("j")))
        XCTAssertEqual(s.selected(.table(.feature)), 1)
        _ = ConsoleState.reduce(&s, .key(.char("G")))
        XCTAssertEqual(s.selected(.table(.feature)), 2)
        _ = ConsoleState.reduce(&s, .key(.down))
        XCTAssertEqual(s.selected(.table(.feature)), 2, "stays on the last row")
        _ = ConsoleState.reduce(&s, .key(.char("g")))
        XCTAssertEqual(s.selected(.table(.feature)), 0)
        _ = ConsoleState.reduce(&s, .key(.tab))
        XCTAssertEqual(s.focus, .table(.apiKey))
        _ = ConsoleState.reduce(&s, .key(.backTab))
        XCTAssertEqual(s.focus, .table(.feature))
        // Click the third row of the keys pane: slot 1 of the layout, header row, then rows.
        let keysRect = Layout.compute(width: 120, height: 32).slots[1]
        _ = ConsoleState.reduce(&s, .click(x: keysRect.x + 3, y: keysRect.y + 4))
        XCTAssertEqual(s.focus, .table(.apiKey))
        XCTAssertEqual(s.selected(.table(.apiKey)), 2)
    }

    func testDiagnosticsListSourcesRejectsAndUnpriced() {
        var s = Fixture.state(width: 120, height: 40)
        var d = s.data!
        var stats = SourceStats()
        stats.lines = 10
        stats.events = 7
        stats.rejects = [.invalidJSON: 2, .missingTimestamp: 1]
        d.sources = [SourceStatus(name: "gw.jsonl", state: .retrying(atMs: Fixture.endMs), stats: stats, lastError: "HTTP 503")]
        d.unpricedModels = [("my-finetune", 4)]
        s.setData(d)
        _ = ConsoleState.reduce(&s, .key(.char("!")))
        let text = ConsoleScreen.render(s, theme: .builtIn).text
        for needle in ["source gw.jsonl", "○ retrying", "rejected 3", "! invalid JSON: 2", "missing or unreadable timestamp: 1",
                       "last error: HTTP 503", "unpriced 4 requests in 1 models", "! my-finetune: 4"] {
            XCTAssertTrue(text.contains(needle), "diagnostics lack \(needle)\n\(text)")
        }
    }
}
