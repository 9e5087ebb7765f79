import XCTest
import SpendCore
@testable import SpendUI

final class LayoutTests: XCTestCase {
    /// SPEC §6: from 20×5 to 400×120 nothing overlaps and nothing is drawn outside the screen.
    func testSweepNoOverlapsNothingOutside() {
        let c = Rollup().capabilities
        let screenPanes: [[PaneID]] = [PaneID.panes(for: [], c), PaneID.panes(for: [.init(.feature, "x")], c),
                                       PaneID.panes(for: [.init(.feature, "x"), .init(.apiKey, "k")], c)]
        var checked = 0
        for w in stride(from: 20, through: 400, by: 3) {
            for h in stride(from: 5, through: 120, by: 2) {
                let l = Layout.compute(width: w, height: h)
                let screen = Rect(x: 0, y: 0, width: w, height: h)
                let regions = l.regions
                for r in regions { XCTAssertTrue(screen.contains(r), "\(w)×\(h): \(r) outside") }
                for i in regions.indices { for j in regions.indices where i < j {
                    XCTAssertFalse(regions[i].intersects(regions[j]), "\(w)×\(h): \(regions[i]) overlaps \(regions[j])")
                } }
                for panes in screenPanes {
                    let placed = l.place(panes, focus: panes.last!)
                    for p in placed { XCTAssertTrue(screen.contains(p.rect)) }
                    for i in placed.indices { for j in placed.indices where i < j {
                        XCTAssertFalse(placed[i].rect.intersects(placed[j].rect), "\(w)×\(h) panes overlap")
                    } }
                    if l.mode == .full { XCTAssertEqual(Set(placed.map(\.pane)).count, min(panes.count, l.slots.count)) }
                }
                // And the screens themselves never write past the canvas (Canvas would trap) for every size.
                if w % 9 == 2 && h % 6 == 1 {
                    var s = Fixture.state(width: w, height: h)
                    _ = ConsoleState.reduce(&s, .key(.char("?")))
                    _ = ConsoleScreen.render(s, theme: .builtIn)
                    s.wallboard = WallboardState(rotateMs: 1000)
                    _ = ConsoleScreen.render(s, theme: .builtIn)
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 7000)
    }

    func testModesFollowTheSpecThresholds() {
        XCTAssertEqual(Layout.compute(width: 39, height: 30).mode, .tooSmall)
        XCTAssertEqual(Layout.compute(width: 100, height: 9).mode, .tooSmall)
        XCTAssertEqual(Layout.compute(width: 40, height: 10).mode, .compact)
        XCTAssertEqual(Layout.compute(width: 79, height: 40).mode, .compact)
        XCTAssertEqual(Layout.compute(width: 80, height: 24).mode, .full)
        XCTAssertEqual(Layout.compute(width: 80, height: 24).slots.count, 4)
        XCTAssertEqual(Layout.compute(width: 200, height: 60).slots.count, 5)
        XCTAssertEqual(Layout.compute(width: 200, height: 60).kpiTiles, 6)
        XCTAssertEqual(Layout.compute(width: 80, height: 24).kpiTiles, 4)
    }

    func testTooSmallSaysSo() {
        let s = Fixture.state(width: 30, height: 8)
        let text = ConsoleScreen.render(s, theme: .builtIn).text
        XCTAssertTrue(text.contains("enlarge the terminal"), text)
        XCTAssertTrue(text.contains("30×8"), text)
    }
}
