import XCTest
import SpendCore
@testable import SpendUI

/// The selection follows the group, by its id, not the row index (issue 9 point 1).
final class SelectionTests: XCTestCase {
    func names(_ s: ConsoleState, _ p: PaneID) -> [String] { s.shown[p]?.rows.compactMap { $0.first?.text } ?? [] }
    func selectedName(_ s: ConsoleState, _ p: PaneID = .table(.feature)) -> String? {
        s.shown[p].flatMap { t in t.rows.isEmpty ? nil : t.rows[s.selected(p)].first?.text }
    }

    /// One event per feature at the fixture's last minute, with these costs.
    func rollup(_ costs: [(String, Double)], keys: [String: String] = [:]) -> Rollup {
        let r = Rollup()
        for (i, (feature, cost)) in costs.enumerated() {
            r.ingest(SpendEvent(timestampMs: Fixture.endMs - Int64(i) * 1000, feature: feature, apiKey: keys[feature] ?? "ci",
                                model: "gpt-4o", usage: TokenUsage(input: 100, output: 10), costUSD: cost))
        }
        return r
    }

    func feed(_ s: inout ConsoleState, _ r: Rollup) {
        _ = ConsoleState.reduce(&s, .data(Fixture.snapshot(r), forced: false))
    }

    func testSelectionStaysOnItsGroupWhenRowsReSort() {
        var s = ConsoleState(width: 120, height: 40)
        feed(&s, rollup([("a", 3), ("b", 2), ("c", 1)]))
        XCTAssertEqual(names(s, .table(.feature)), ["a", "b", "c"])
        _ = ConsoleState.reduce(&s, .key(.down))
        XCTAssertEqual(selectedName(s), "b")
        // b falls to the bottom, then climbs to the top: the highlight goes with it.
        feed(&s, rollup([("a", 3), ("b", 0.5), ("c", 1)]))
        XCTAssertEqual(names(s, .table(.feature)), ["a", "c", "b"])
        XCTAssertEqual(selectedName(s), "b", "no key pressed: the selection did not move to another group")
        XCTAssertEqual(s.selected(.table(.feature)), 2)
        feed(&s, rollup([("a", 3), ("b", 9), ("c", 1)]))
        XCTAssertEqual(selectedName(s), "b")
        XCTAssertEqual(s.selected(.table(.feature)), 0)
        // Enter drills into the group the person picked.
        XCTAssertEqual(ConsoleState.reduce(&s, .key(.enter)), [.refresh])
        XCTAssertEqual(s.path, [ViewQuery.Filter(.feature, id: GroupID(raw: "b"), value: "b")])
    }

    func testKeysStillMoveTheSelection() {
        var s = ConsoleState(width: 120, height: 40)
        feed(&s, rollup([("a", 4), ("b", 3), ("c", 2), ("d", 1)]))
        _ = ConsoleState.reduce(&s, .key(.char("G")))
        XCTAssertEqual(selectedName(s), "d")
        feed(&s, rollup([("a", 4), ("b", 3), ("c", 2), ("d", 9)]))
        XCTAssertEqual(selectedName(s), "d", "d is now first, still selected")
        _ = ConsoleState.reduce(&s, .key(.down))
        XCTAssertEqual(selectedName(s), "a", "down moves from where the group is now")
        _ = ConsoleState.reduce(&s, .key(.char("G")))
        XCTAssertEqual(selectedName(s), "c")
        _ = ConsoleState.reduce(&s, .key(.char("g")))
        XCTAssertEqual(selectedName(s), "d")
        _ = ConsoleState.reduce(&s, .key(.up))
        XCTAssertEqual(selectedName(s), "d", "stays on the first row")
        _ = ConsoleState.reduce(&s, .key(.char("j")))
        _ = ConsoleState.reduce(&s, .key(.char("k")))
        XCTAssertEqual(selectedName(s), "d")
    }

    func testAGroupThatLeavesHandsTheSelectionToItsNearestRow() {
        var s = ConsoleState(width: 120, height: 40)
        feed(&s, rollup([("a", 4), ("b", 3), ("c", 2), ("d", 1)]))
        _ = ConsoleState.reduce(&s, .key(.down))
        XCTAssertEqual(selectedName(s), "b")
        let focus = s.focus, window = s.window, sort = s.sortOrder(.table(.feature))
        // b leaves the window; the rest re-sort too. Its neighbour below as shown before (c) takes it.
        feed(&s, rollup([("a", 1), ("c", 2), ("d", 5)]))
        XCTAssertEqual(names(s, .table(.feature)), ["d", "c", "a"])
        XCTAssertEqual(selectedName(s), "c")
        XCTAssertEqual(s.focus, focus, "nothing else changed")
        XCTAssertEqual(s.window, window)
        XCTAssertEqual(s.sortOrder(.table(.feature)), sort)
        XCTAssertNil(s.status)
        // The last row leaving: its neighbour above.
        _ = ConsoleState.reduce(&s, .key(.char("G")))
        XCTAssertEqual(selectedName(s), "a")
        feed(&s, rollup([("c", 2), ("d", 5)]))
        XCTAssertEqual(selectedName(s), "c")
    }

    /// Thousands of keys: the pane orders only the rows it reads (`RowOrder`). A selection deep in the table stays
    /// on its key through a refresh that reorders every row, at the position a full sort gives it.
    func testSelectionDeepInABigTableStaysOnItsKeyWhenRowsReorder() throws {
        func bigRollup(_ cost: (Int) -> Double) -> Rollup {
            let r = Rollup()
            for k in 0..<3_000 {
                r.ingest(SpendEvent(timestampMs: Fixture.endMs - Int64(k % 50) * 1000, feature: "f\(k % 3)",
                                    apiKey: "key-\(k)", model: "gpt-4o", usage: TokenUsage(input: 100, output: 10),
                                    costUSD: cost(k)))
            }
            return r
        }
        var s = ConsoleState(width: 160, height: 50)
        // Ties on purpose (k % 700): they fall back to view order, name then id.
        feed(&s, bigRollup { Double($0 % 700) })
        _ = ConsoleState.reduce(&s, .key(.tab))
        let keys = PaneID.table(.apiKey)
        XCTAssertEqual(s.focus, keys)
        for _ in 0..<40 { _ = ConsoleState.reduce(&s, .key(.pageDown)) }
        let at = s.selected(keys)
        XCTAssertGreaterThan(at, 500, "deep in the table")
        let picked = try XCTUnwrap(selectedName(s, keys))
        // Every key's spend changes: the reverse order, with other ties.
        let reordered = bigRollup { Double(3_000 - $0 % 900) }
        feed(&s, reordered)
        XCTAssertEqual(selectedName(s, keys), picked, "the same key, not the same position")
        let full = try reordered.rows(ViewQuery(groupBy: .apiKey, window: .minutes(5)), wallMs: Fixture.wall).rows
        XCTAssertEqual(s.selected(keys), full.firstIndex { $0.name == picked }, "where a full sort puts it")
        XCTAssertNotEqual(s.selected(keys), at)
        XCTAssertEqual(names(s, keys), full.map(\.name), "every row in view order")
    }

    /// Two raw keys can mask alike (`sk-…a1b2`): identity is the group id, not the name shown.
    func testKeysThatMaskAlikeAreDifferentRows() {
        var s = ConsoleState(width: 120, height: 40)
        let one = "sk-proj-AAAAAAAAAAAAAAAAAAAAAAAAAAAAa1b2", two = "sk-proj-BBBBBBBBBBBBBBBBBBBBBBBBBBBBa1b2"
        feed(&s, rollup([("x", 3), ("y", 1)], keys: ["x": one, "y": two]))
        _ = ConsoleState.reduce(&s, .key(.tab))
        XCTAssertEqual(s.focus, .table(.apiKey))
        XCTAssertEqual(names(s, .table(.apiKey)), ["sk-…a1b2", "sk-…a1b2"])
        _ = ConsoleState.reduce(&s, .key(.down))
        XCTAssertEqual(s.selected(.table(.apiKey)), 1)
        feed(&s, rollup([("x", 1), ("y", 3)], keys: ["x": one, "y": two]))
        XCTAssertEqual(s.selected(.table(.apiKey)), 0, "the second key climbed to the top and stayed selected")
    }

    /// Sorting by another column keeps the same group selected; the filter narrows around it.
    func testSortAndFilterKeepTheGroup() {
        var s = Fixture.state(width: 120, height: 32)
        _ = ConsoleState.reduce(&s, .key(.char("G")))
        let picked = selectedName(s)
        _ = ConsoleState.reduce(&s, .key(.char("S")))
        XCTAssertEqual(selectedName(s), picked)
        XCTAssertEqual(s.selected(.table(.feature)), 0)
        _ = ConsoleState.reduce(&s, .key(.char("/")))
        for c in "re" { _ = ConsoleState.reduce(&s, .key(.char(c))) }
        XCTAssertEqual(names(s, .table(.feature)), ["code-review"])
        XCTAssertEqual(selectedName(s), "code-review")
    }

    /// Back from a drill re-selects the row drilled from, by id, even when it has moved.
    func testBackReselectsTheRowDrilledFrom() {
        var s = ConsoleState(width: 120, height: 40)
        feed(&s, rollup([("a", 3), ("b", 2), ("c", 1)]))
        _ = ConsoleState.reduce(&s, .key(.down))
        _ = ConsoleState.reduce(&s, .key(.enter))
        XCTAssertEqual(s.path.first?.value, "b")
        _ = ConsoleState.reduce(&s, .data(Fixture.snapshot(rollup([("a", 3), ("b", 2), ("c", 1)]), path: s.path), forced: true))
        _ = ConsoleState.reduce(&s, .key(.escape))
        feed(&s, rollup([("a", 3), ("b", 0.1), ("c", 1)]))
        XCTAssertEqual(selectedName(s), "b")
    }
}
