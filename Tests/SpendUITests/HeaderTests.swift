import XCTest
import SpendCore
@testable import SpendUI

/// The header never looks healthy when a source is broken (issue 9 point 2), and says when the store
/// mixes in other runs' history (point 12).
final class HeaderTests: XCTestCase {
    func state(_ sources: [SourceStatus], storeNote: String? = nil) -> ConsoleState {
        var s = Fixture.state(width: 160, height: 40)
        var d = s.data!
        d.sources = sources
        s.storeNote = storeNote
        _ = ConsoleState.reduce(&s, .data(d, forced: true))
        return s
    }

    func testASourceWithNoValidLineIsNamedInTheAlertColour() throws {
        var stats = SourceStats()
        stats.lines = 120
        stats.rejects = [.invalidJSON: 118, .lineTooLong: 2]
        let s = state([SourceStatus(name: "/var/log/app.log", state: .live, stats: stats)])
        let c = ConsoleScreen.render(s, theme: .builtIn)
        let header = c.line(0)
        XCTAssertTrue(header.contains("✗ app.log: 120 lines, none valid: not JSON"), header)
        XCTAssertFalse(header.contains("live"), header)
        let x = try XCTUnwrap(header.range(of: "✗").map { header.distance(from: header.startIndex, to: $0.lowerBound) })
        XCTAssertEqual(c[x, 0].style, Theme.builtIn[.alert], "the alert colour")
        XCTAssertEqual(c[0, 0].style, Theme.builtIn[.header])
    }

    func testOneGoodSourceBesideABrokenOne() {
        var good = SourceStats()
        good.lines = 10
        good.events = 10
        var bad = SourceStats()
        bad.lines = 3
        bad.rejects = [.unknownFormat: 3]
        let header = ConsoleScreen.render(state([SourceStatus(name: "gw.jsonl", state: .live, stats: good),
                                                 SourceStatus(name: "export.csv", state: .live, stats: bad)]), theme: .builtIn).line(0)
        XCTAssertTrue(header.contains("● 1 live"), header)
        XCTAssertTrue(header.contains("✗ export.csv: 3 lines, none valid: unrecognised format"), header)
    }

    func testEmptyAndWaitingSourcesAreNotLive() {
        let empty = ConsoleScreen.render(state([SourceStatus(name: "new.jsonl", state: .live)]), theme: .builtIn).line(0)
        XCTAssertTrue(empty.contains("● new.jsonl: no new lines yet"), empty)
        XCTAssertFalse(empty.contains("1 live"), empty)
        let waiting = ConsoleScreen.render(state([SourceStatus(name: "later.jsonl", state: .connecting, lastError: "No such file or directory")]),
                                           theme: .builtIn).line(0)
        XCTAssertTrue(waiting.contains("○ later.jsonl: waiting (No such file or directory)"), waiting)
    }

    func testStoreNoteIsShownAndKeptWhenTheLineIsShort() {
        var stats = SourceStats()
        stats.lines = 5
        stats.events = 5
        let note = "store: 2 other sources, 24h (--no-store leaves them out)"
        let s = state([SourceStatus(name: "b.jsonl", state: .live, stats: stats)], storeNote: note)
        XCTAssertTrue(ConsoleScreen.render(s, theme: .builtIn).line(0).contains(note))
        var narrow = s
        narrow.width = 100
        let line = ConsoleScreen.render(narrow, theme: .builtIn).line(0)
        XCTAssertTrue(line.contains(note), "the clock and the filter go first: \(line)")
    }
}
