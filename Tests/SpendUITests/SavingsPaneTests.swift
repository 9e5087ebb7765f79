import SpendCore
import XCTest
@testable import SpendUI

/// The Savings pane on the fixture rollup: its rows are the advisor's, `$` focuses it into the main slot,
/// Enter opens a row's scope, the total shows once (burn tile where there is room, else the header),
/// and the wallboard's sixth view lists the top opportunities.
final class SavingsPaneTests: XCTestCase {
    func state(width: Int, height: Int, path: [ViewQuery.Filter] = [], gpuPrice: Double? = 2.5) -> ConsoleState {
        var settings = SavingsSettings()
        settings.gpuHourlyUSD = gpuPrice
        let r = Fixture.rollup()
        let snap = SnapshotBuilder.build(r, window: .minutes(5), path: path, chartMinutes: 60, sources: [],
                                         wallMs: Fixture.wall, savings: settings)
        var s = ConsoleState(width: width, height: height)
        s.path = path
        _ = ConsoleState.reduce(&s, .data(snap, forced: true))
        return s
    }

    func testPaneHoldsTheAdvisorsRowsAndDollarFocusesItIntoTheMainSlot() throws {
        var s = state(width: 160, height: 48)
        let table = try XCTUnwrap(s.shown[.savings])
        let advised = try SavingsAdvisor(settings: { var x = SavingsSettings(); x.gpuHourlyUSD = 2.5; return x }())
            .advise(Fixture.rollup(), window: .minutes(5), wallMs: Fixture.wall)
        XCTAssertEqual(CSVWriter.csv(table), CSVWriter.csv(SavingsView.table(advised)), "what e writes is the export's table")
        XCTAssertEqual(Set(table.rows.compactMap { $0[0].text }), ["failed_requests", "prompt_cache", "right_size", "idle_gpu"])
        XCTAssertFalse(ConsoleScreen.render(s, theme: .builtIn).text.contains("┌ Savings"), "not focused: it shares the last slot")
        XCTAssertEqual(ConsoleState.reduce(&s, .key(.char("$"))), [])
        XCTAssertEqual(s.focus, .savings)
        let text = ConsoleScreen.render(s, theme: .builtIn).text
        let lines = text.split(separator: "\n").map(String.init)
        let titleRow = try XCTUnwrap(lines.firstIndex { $0.contains("┌ Savings \(table.rows.count) · save ≈ $") }, text)
        XCTAssertLessThan(titleRow, try XCTUnwrap(lines.firstIndex { $0.contains("┌ Features") }), "focused, it takes the main slot")
        XCTAssertTrue(text.contains("failed_requests"), text)
        XCTAssertTrue(Keymap.bindings.contains { $0.label == "$" && $0.command == .savings })
    }

    func testEnterOpensTheRowsScope() throws {
        var s = state(width: 160, height: 48)
        _ = ConsoleState.reduce(&s, .key(.char("$")))
        let table = try XCTUnwrap(s.shown[.savings])
        let pair = try XCTUnwrap(table.rows.firstIndex { ($0[1].text ?? "").contains(" model=") })
        for _ in 0..<pair { _ = ConsoleState.reduce(&s, .key(.down)) }
        let scope = try XCTUnwrap(SavingsScope(parsing: table.rows[pair][1].text!))
        XCTAssertEqual(ConsoleState.reduce(&s, .key(.enter)), [.refresh])
        XCTAssertEqual(s.path.map(\.value), scope.filters.map(\.value))
        XCTAssertEqual(s.path.map(\.dimension), [.feature, .model])
        // The drill carries the groups' ids (read back from the row's identity), not only their names.
        XCTAssertEqual(s.path.map(\.id), [GroupID(raw: scope.feature), GroupID(raw: scope.model)])
        // In that drill-down the pane keeps the scope's opportunities only.
        let drilled = state(width: 160, height: 48, path: s.path)
        let rows = try XCTUnwrap(drilled.shown[.savings]).rows
        XCTAssertFalse(rows.isEmpty)
        XCTAssertTrue(rows.allSatisfy { $0[1].text == scope.description }, "\(rows)")
        // A GPU row has no breakdown.
        var top = state(width: 160, height: 48)
        _ = ConsoleState.reduce(&top, .key(.char("$")))
        let gpu = try XCTUnwrap(top.shown[.savings]?.rows.firstIndex { $0[0].text == "idle_gpu" })
        for _ in 0..<gpu { _ = ConsoleState.reduce(&top, .key(.down)) }
        XCTAssertEqual(ConsoleState.reduce(&top, .key(.enter)), [])
        XCTAssertTrue(top.path.isEmpty)
        XCTAssertEqual(top.status, "GPUs have no breakdown by feature or key")
        // A key is not a savings scope: the pane says so.
        let key = state(width: 160, height: 48, path: [.init(.apiKey, "prod-web")])
        XCTAssertEqual(key.shown[.savings]?.rows.count, 0)
        XCTAssertEqual(key.data?.panes[.savings]?.scopeNote, "savings are per feature and model, not per api_key")
    }

    func testTheTotalShowsOnceInTheBurnTileOrTheHeader() throws {
        for (w, h) in [(120, 40), (200, 60), (80, 24), (60, 20)] {
            let s = state(width: w, height: h)
            let lines = ConsoleScreen.render(s, theme: .builtIn).text.split(separator: "\n").map(String.init)
            let kpis = lines.dropFirst().prefix { !$0.contains("Spend per") && !$0.contains("◀") }.joined(separator: "\n")
            let inHeader = lines[0].contains("save ≈ $"), inTile = kpis.contains("save ≈ $")
            let top = lines.prefix(6).joined(separator: "\n")
            XCTAssertFalse(inHeader && inTile, "\(w)×\(h): shown twice\n\(top)")
            // Below 80 columns the header drops it with the other low-priority parts.
            if w >= 80 { XCTAssertTrue(inHeader || inTile, "\(w)×\(h): not shown\n\(top)") }
            XCTAssertEqual(inTile, w >= 200, "\(w)×\(h)")
        }
        // Nothing priced to save: no fragment anywhere.
        var none = ConsoleState(width: 120, height: 40)
        _ = ConsoleState.reduce(&none, .data(Fixture.snapshot(Fixture.rollup()), forced: true))
        XCTAssertFalse(ConsoleScreen.render(none, theme: .builtIn).text.contains("save ≈"))
    }

    func testWallboardRotatesToTheTopOpportunities() throws {
        var s = state(width: 100, height: 40)
        s.wallboard = WallboardState(rotateMs: 15_000)
        s.wallboard?.view = 5
        let text = ConsoleScreen.render(s, theme: .builtIn).text
        XCTAssertTrue(text.contains("Savings (6/6)"), text)
        XCTAssertTrue(text.contains("Where to save   save ≈ $"), text)
        XCTAssertTrue(text.contains("1. "), text)
        XCTAssertTrue(text.contains("▀█▀"), "big money figures")
        XCTAssertTrue(text.contains("/mo"), text)
        XCTAssertFalse(text.contains("6. "), "top five only")
    }

    /// A backend that keeps no request classes (a remote engine's cells): the pane says savings are not
    /// available and claims no total, instead of looking like there is nothing to save.
    func testABackendWithoutRequestClassesSaysSavingsAreNotAvailable() throws {
        let m0 = Fixture.wall / 60_000 - 30
        var fleet = RemoteCellWindow(dimensions: [])
        var spend = Measures()
        spend.requests = 10
        spend.spend = 5
        fleet.replace(minutes: m0...m0 + 29, with: [RemoteCell(minute: m0, values: [], measures: spend)])
        var idle = GPUMeasures()
        idle.samples = 1
        idle.utilSum = 1
        idle.utilCount = 1
        let gpu = DimensionValue(raw: "n:0", dimension: .gpu)
        let minutes = Dictionary(uniqueKeysWithValues: (m0...m0 + 29).map { ($0, [gpu: idle]) })
        let cells = CellQuery(windows: [[]: fleet], gpuMinutes: minutes)
        XCTAssertFalse(cells.capabilities.requestClasses)
        var settings = SavingsSettings()
        settings.gpuHourlyUSD = 2.5
        let snap = SnapshotBuilder.build(cells, window: .minutes(60), path: [], chartMinutes: 60, sources: [],
                                         wallMs: Fixture.wall, savings: settings)
        XCTAssertEqual(snap.panes[.savings]?.scopeNote, ViewQueryError.classesNotKept.description)
        XCTAssertEqual(snap.panes[.savings]?.table.rows.compactMap { $0[0].text }, ["idle_gpu"], "what it can answer")
        XCTAssertNil(snap.savingsPerMonthUSD, "a partial list claims no total")
        var s = ConsoleState(width: 160, height: 48)
        _ = ConsoleState.reduce(&s, .data(snap, forced: true))
        _ = ConsoleState.reduce(&s, .key(.char("$")))
        let text = ConsoleScreen.render(s, theme: .builtIn).text
        XCTAssertTrue(text.contains("savings are not available from this source"), text)
        XCTAssertFalse(text.contains("save ≈"), text)
        // The wallboard's Savings view says it too, and claims no total.
        var wall = ConsoleState(width: 160, height: 40)
        wall.wallboard = WallboardState(rotateMs: 15_000)
        wall.wallboard?.view = 5
        _ = ConsoleState.reduce(&wall, .data(snap, forced: true))
        let board = ConsoleScreen.render(wall, theme: .builtIn).text
        XCTAssertTrue(board.contains("Where to save · savings are not available"), board)
        XCTAssertTrue(board.contains("idle_gpu"), board)
        XCTAssertFalse(board.contains("save ≈"), board)
    }
}
