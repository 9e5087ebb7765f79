import XCTest
import SpendCore
import SpendIO
@testable import SpendUI

/// Sort and theme feedback (issue 9 point 9): the message names the column as its title shows it,
/// agrees with the title after `S`, `t` names the theme, and the light theme's header looks different.
final class FeedbackTests: XCTestCase {
    func boxTitle(_ s: ConsoleState) -> String {
        ConsoleScreen.render(s, theme: .builtIn).text.split(separator: "\n").first { $0.contains("┌ Features") }.map(String.init) ?? ""
    }

    func testSortMessageShowsTheColumnTitleAndAgreesWithTheBox() {
        var s = Fixture.state(width: 120, height: 32)
        _ = ConsoleState.reduce(&s, .key(.char("s")))
        XCTAssertEqual(s.status, "sort features by share ▼")
        XCTAssertTrue(boxTitle(s).contains("sort share ▼"), boxTitle(s))
        _ = ConsoleState.reduce(&s, .key(.char("S")))
        XCTAssertEqual(s.status, "sort features by share ▲", "after S the status line says what the title says")
        XCTAssertTrue(boxTitle(s).contains("sort share ▲"), boxTitle(s))
        for _ in 0..<3 { _ = ConsoleState.reduce(&s, .key(.char("s"))) }
        XCTAssertEqual(s.status, "sort features by tok in/s ▼")
        XCTAssertFalse(ConsoleScreen.render(s, theme: .builtIn).text.contains("tokens_in_per_s"))
    }

    func testThemeKeyNamesTheTheme() {
        var s = Fixture.state(width: 120, height: 32)
        s.themeNames = ["default", "light", "mono"]
        s.themeCount = 3
        _ = ConsoleState.reduce(&s, .key(.char("t")))
        XCTAssertEqual(s.status, "theme light")
        XCTAssertTrue(ConsoleScreen.render(s, theme: .builtIn).text.contains("theme light"))
        _ = ConsoleState.reduce(&s, .key(.char("t")))
        _ = ConsoleState.reduce(&s, .key(.char("t")))
        XCTAssertEqual(s.status, "theme default")
    }

    func testLightThemeHeaderDiffersFromTheDefault() throws {
        let dir = try XCTUnwrap(ThemeLoader.bundledDirectory(executable: #filePath), "themes/ not found")
        let files = ThemeLoader.load(directories: [dir]).themes
        func theme(_ n: String) throws -> Theme {
            let f = try XCTUnwrap(files.first { $0.name == n })
            return try Theme(config: f.config, fallbackName: f.name)
        }
        let a = try theme("default")[.header], b = try theme("light")[.header]
        XCTAssertNotEqual(a.bg.nearest256, b.bg.nearest256, "the light header's background is the default's")
        XCTAssertNotEqual(a.fg.nearest256, b.fg.nearest256)
    }
}
