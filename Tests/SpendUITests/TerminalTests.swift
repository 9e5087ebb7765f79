import XCTest
import SpendCore
import SpendIO
@testable import SpendUI

final class TerminalTests: XCTestCase {
    /// The real ncurses backend on a headless screen: wide characters land where the canvas put
    /// them, and a second frame writes only the cells that changed.
    func testCursesBackendWritesOnlyChangedCells() throws {
        let t = try CursesTerminal.headless(width: 40, height: 5)
        defer { t.close() }
        var c = Canvas(width: 40, height: 5)
        c.put("spendtop 研究-検索 sk-…1a2b", x: 0, y: 0, style: Theme.builtIn[.header])
        c.put("▁▂▃▄▅▆▇█", x: 2, y: 2, style: Theme.builtIn[.chart])
        t.draw(c)
        XCTAssertEqual(t.lastCellsWritten, 40 * 5 - 4, "first frame: every cell but the continuations")
        XCTAssertTrue(t.screenLine(0).hasPrefix("spendtop 研究-検索 sk-…1a2b"), t.screenLine(0))
        XCTAssertTrue(t.screenLine(2).hasPrefix("  ▁▂▃▄▅▆▇█"), t.screenLine(2))
        c.put("X", x: 5, y: 3, style: .plain)
        c.put("Y", x: 6, y: 3, style: .plain)
        t.draw(c)
        XCTAssertEqual(t.lastCellsWritten, 2)
        XCTAssertTrue(t.screenLine(3).hasPrefix("     XY"))
        t.draw(c)
        XCTAssertEqual(t.lastCellsWritten, 0)
        t.invalidate()
        t.draw(c)
        XCTAssertEqual(t.lastCellsWritten, 40 * 5 - 4, "Ctrl-L repaints everything")
    }

    func testKeyDecoding() {
        XCTAssertEqual(CursesTerminal.decode(9), .tab)
        XCTAssertEqual(CursesTerminal.decode(13), .enter)
        XCTAssertEqual(CursesTerminal.decode(27), .escape)
        XCTAssertEqual(CursesTerminal.decode(127), .backspace)
        XCTAssertEqual(CursesTerminal.decode(12), .ctrl("l"))
        XCTAssertEqual(CursesTerminal.decode(UInt32(("研" as Unicode.Scalar).value)), .char("研"))
    }

    func testColourDepthFallback() {
        XCTAssertEqual(ColorDepth.detect(colors: 256, hasColors: true, environment: [:]), .indexed256)
        XCTAssertEqual(ColorDepth.detect(colors: 256, hasColors: true, environment: ["NO_COLOR": "1"]), .mono)
        XCTAssertEqual(ColorDepth.detect(colors: 8, hasColors: true, environment: [:]), .basic8)
        XCTAssertEqual(ColorDepth.detect(colors: 1 << 24, hasColors: true, environment: [:]), .trueColor)
        XCTAssertEqual(ColorDepth.detect(colors: 2, hasColors: false, environment: [:]), .mono)
        let red = Color.rgb(255, 0, 0)
        XCTAssertEqual(ColorDepth.indexed256.number(for: red), 196)
        XCTAssertEqual(ColorDepth.basic8.number(for: red), 1)
        XCTAssertEqual(ColorDepth.trueColor.number(for: red), 0xFF0000)
        XCTAssertEqual(ColorDepth.indexed256.number(for: Color(parsing: "#073642")!), 235, "nearest by weighted distance: a dark grey")
        XCTAssertEqual(ColorDepth.basic8.number(for: .indexed(12)), 4)
        XCTAssertEqual(ColorDepth.mono.number(for: red), -1)
    }

    /// Every bundled theme parses and defines every role; a broken theme names its problem.
    func testBundledAndUserThemes() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let userDir = NSTemporaryDirectory() + "spendtop-themes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: userDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: userDir) }
        try "name = \"mine\"\n[text]\nfg = \"#112233\"\n".write(toFile: userDir + "/mine.toml", atomically: true, encoding: .utf8)
        try "name = \"light\"\n[text]\nfg = \"red\"\n".write(toFile: userDir + "/light.toml", atomically: true, encoding: .utf8)
        try "[text]\nfg = \"nope\"\n".write(toFile: userDir + "/broken.toml", atomically: true, encoding: .utf8)
        let (files, errors) = ThemeLoader.load(directories: [root.appendingPathComponent("themes").path, userDir])
        XCTAssertEqual(errors, [])
        XCTAssertEqual(files.map(\.name), ["default", "light", "solarized-dark", "high-contrast", "mono", "broken", "mine"])
        var themes: [String: Theme] = [:]
        for f in files where f.name != "broken" { themes[f.name] = try Theme(config: f.config, fallbackName: f.name) }
        XCTAssertThrowsError(try Theme(config: files.first { $0.name == "broken" }!.config, fallbackName: "broken")) {
            XCTAssertTrue("\($0)".contains("unreadable colour"), "\($0)")
        }
        XCTAssertEqual(themes["default"], Theme.builtIn, "the built-in default is the bundled file")
        XCTAssertEqual(themes["light"]?[.text].fg, .indexed(1), "a user theme replaces a bundled one of the same name")
        XCTAssertEqual(themes["mine"]?[.text].fg, .rgb(0x11, 0x22, 0x33))
        for (name, t) in themes { XCTAssertEqual(t.styles.count, ThemeRole.allCases.count, name) }
        let mono = try XCTUnwrap(themes["solarized-dark"]).monochrome
        XCTAssertTrue(mono.styles.values.allSatisfy { $0.fg == .terminalDefault && $0.bg == .terminalDefault })
        XCTAssertThrowsError(try Theme(config: .table(["bogus": .table([:])]), fallbackName: "x"))
    }
}
