import XCTest
import SpendCore
@testable import SpendIO

final class ConfigLoaderTests: XCTestCase {
    func testExampleConfigParses() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let c = try ConfigLoader.load(explicitPath: root.appendingPathComponent("sample-data/config.toml").path)
        XCTAssertEqual(c.at("general.window")?.string, "5m")
        XCTAssertEqual(c.at("general.cardinality")?.int, 20000)
        XCTAssertEqual(c.at("general.theme")?.string, "default")
        XCTAssertEqual(c.at("gpu.hourly_price_usd")?.double, 2.49)
        let alerts = c.tables("alert")
        XCTAssertEqual(alerts.count, 2)
        XCTAssertEqual(alerts[0]["above"]?.double, 40)
        XCTAssertEqual(alerts[1]["below"]?.double, 0.2)
        XCTAssertEqual(c.tables("budget").first?["per_day"]?.int, 50)
    }

    /// Found by `make fuzz` (toml target): toml++ asserts (aborts) on a non-ASCII bare key, and NUL
    /// cuts the text it is given. Both are config errors naming the place now; quoted text stays free.
    func testInputTOMLPlusPlusCannotSurviveIsRefusedFirst() throws {
        for (text, at) in [("[é]\n", "1:2"), ("a = 1\n[\u{80}\u{0}es]\n", "2:2"), ("ké = 1\n", "1:2"), ("a = \"x\u{1b}[2J\"\n", "1:7"), ("a = 1\n[# x]\n", "2:2"), (" [[ =]]\n", "1:5"), ("[.]", "1:2"), ("[\n} [a]]\n", "1:2"), ("[\n[a]\n", "1:2"), ("[ [a]]\n", "1:3"), ("[[\n", "1:3")] {
            XCTAssertThrowsError(try ConfigLoader.parse(text, name: "c.toml"), text) { e in
                XCTAssertTrue("\(e)".hasPrefix("c.toml:\(at):"), "\(e)")
                XCTAssertFalse("\(e)".contains("\u{1b}"))
            }
        }
        let ok = try ConfigLoader.parse("name = \"é\"  # café\n\"é\" = 2\nm = \"\"\"\nü \\\" \"\"\"\nl = '''ö'''\n")
        XCTAssertEqual(ok["name"]?.string, "é")
        XCTAssertEqual(ok["é"]?.int, 2)
        XCTAssertEqual(ok["l"]?.string, "ö")
        XCTAssertEqual(try ConfigLoader.parse("a = [\n  [1, 2],\n  [3]\n]\n[ b ]\nc = [[1], [2]]\n")["a"]?.array?.count, 2)
    }

    func testBadTOMLNamesTheLine() {
        XCTAssertThrowsError(try ConfigLoader.parse("a = 1\nb = = 2\n", name: "x.toml")) { e in
            XCTAssertTrue("\(e)".hasPrefix("x.toml:2:"), "\(e)")
        }
    }

    func testMissingDefaultConfigIsEmptyButAnExplicitOneMustExist() throws {
        let env = ["XDG_CONFIG_HOME": "/nonexistent-\(UUID().uuidString)"]
        XCTAssertEqual(try ConfigLoader.load(explicitPath: nil, environment: env), .table([:]))
        XCTAssertThrowsError(try ConfigLoader.load(explicitPath: "/nonexistent/config.toml", environment: env))
        XCTAssertEqual(ConfigLoader.configDirectory(environment: ["XDG_CONFIG_HOME": "/x"]), "/x/spendtop")
        XCTAssertEqual(ConfigLoader.stateDirectory(environment: ["HOME": "/home/a"]), "/home/a/.local/state/spendtop")
    }
}
