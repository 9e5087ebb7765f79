import XCTest
@testable import SpendCore

/// One duration grammar for the CLI, the config and the rules (issue 13 point 6): hostile values are
/// readable errors, never a trap.
final class DurationTextTests: XCTestCase {
    func ms(_ t: String, _ bare: DurationText.Unit? = .seconds) -> Int64? { try? DurationText.milliseconds(t, bareUnit: bare).get() }

    func testUnitsAndBareNumbers() {
        XCTAssertEqual(ms("250ms"), 250)
        XCTAssertEqual(ms("15s"), 15_000)
        XCTAssertEqual(ms(" 1.5M "), 90_000)
        XCTAssertEqual(ms("2h"), 7_200_000)
        XCTAssertEqual(ms("7d"), 604_800_000)
        XCTAssertEqual(ms("1w"), 604_800_000)
        XCTAssertEqual(ms("90"), 90_000)
        XCTAssertEqual(ms("90", .minutes), 5_400_000)
        XCTAssertNil(ms("90", nil), "a unit is required where a bare number is ambiguous")
        XCTAssertEqual(ms("0s"), 0)
    }

    func testHostileValuesAreErrorsNotTraps() {
        for bad in ["1000000000000000m", "99999999999999999999999999999d", "36526d"] {
            guard case .failure(let e) = DurationText.milliseconds(bad, bareUnit: .seconds) else { return XCTFail(bad) }
            XCTAssertTrue(e.tooLong, bad)
            XCTAssertTrue(e.description.contains("too long"), e.description)
        }
        for bad in ["1e300s", "1e300d", "", "s", "-5m", "+5m", "inf", "nan", "infs", "0x10s", "5 minutes", "1.2.3s", "5mm", "\u{1b}[2J5m", "١٢s"] {
            guard case .failure(let e) = DurationText.milliseconds(bad, bareUnit: .seconds) else { return XCTFail(bad) }
            XCTAssertFalse(e.tooLong, bad)
            XCTAssertFalse(e.description.contains("\u{1b}"), "no escape sequence echoed")
        }
        XCTAssertNotNil(ms("36525d"), "a hundred years is the ceiling, inclusive")
        XCTAssertThrowsError(try DurationText.milliseconds(number: 1e300, unit: .days).get())
        XCTAssertThrowsError(try DurationText.milliseconds(number: .infinity, unit: .seconds).get())
        XCTAssertThrowsError(try DurationText.milliseconds(number: .nan, unit: .seconds).get())
        XCTAssertThrowsError(try DurationText.milliseconds(number: -1, unit: .seconds).get())
    }

    /// Random texts over the grammar's alphabet never trap, and every accepted value is within the ceiling.
    func testRandomTextsNeverTrap() {
        var rng = SeededGenerator(seed: 13)
        let alphabet = Array("0123456789.e+-smhdwMSinfaxk \t")
        for _ in 0..<20_000 {
            let n = Int.random(in: 0...24, using: &rng)
            let t = String((0..<n).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
            if case .success(let v) = DurationText.milliseconds(t, bareUnit: .minutes) {
                XCTAssertTrue(v >= 0 && v <= DurationText.maxMs, t)
            }
            _ = TimeWindow(parsing: t)
        }
    }

    func testWindowsAndRulesUseTheSameGrammar() throws {
        XCTAssertEqual(TimeWindow(parsing: "30s"), .minutes(1))
        XCTAssertEqual(TimeWindow(parsing: "1h"), .minutes(60))
        XCTAssertEqual(TimeWindow(parsing: "all"), .all)
        XCTAssertNil(TimeWindow(parsing: "1000000000000000m"))
        XCTAssertNil(TimeWindow(parsing: "0m"))
        XCTAssertNil(TimeWindow(parsing: "5"))
        XCTAssertEqual(try AlertRuleSet.minutes("90s", what: "for", allowZero: true), 2)
        XCTAssertEqual(try AlertRuleSet.minutes("10", what: "for", allowZero: true), 10)
        XCTAssertThrowsError(try AlertRuleSet.minutes("1e300d", what: "cooldown", allowZero: true))
        var set = AlertRuleSet()
        XCTAssertThrowsError(try set.add(parsing: "spend>1 window=1000000000000000m")) { XCTAssertTrue("\($0)".contains("too long"), "\($0)") }
        XCTAssertThrowsError(try set.add(parsing: "spend>1 window=400d")) { XCTAssertTrue("\($0)".contains("31d"), "\($0)") }
        XCTAssertThrowsError(try set.add(parsing: "spend>1 cooldown=1e300s"))
        XCTAssertThrowsError(try set.add(config: .table(["alert": .array([.table([
            "metric": .string("spend"), "above": .double(1), "window": .int(9_000_000_000_000_000_000)])])])))
        XCTAssertThrowsError(try set.add(config: .table(["alert": .array([.table([
            "metric": .string("spend"), "above": .double(1), "for": .double(1e300)])])])))
        try set.add(parsing: "spend>1 window=2h for=90s")
        XCTAssertEqual(set.rules.last?.windowMinutes, 120)
        XCTAssertEqual(set.rules.last?.forMinutes, 2)
    }
}

