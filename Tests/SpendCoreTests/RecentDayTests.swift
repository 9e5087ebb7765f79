import XCTest
@testable import SpendCore

/// `Timestamp.RecentDay` only skips work: a stream of timestamps read with it must give exactly what each
/// one gives read alone, across day changes, bad dates beside good ones, and offsets.
final class RecentDayTests: XCTestCase {
    func testADayReadBeforeGivesWhatReadingItAgainGives() {
        var rng = SeededGenerator(seed: 0x5EED_DA7E)
        let dates = ["2026-11-28", "2026-11-29", "2024-02-29", "2023-02-29", "2026-02-30", "2026-13-01", "2026-00-10",
                     "1969-12-31", "2026-11-2x", "0000-01-01", "9999-12-31", "2026/11/28"]
        let times = ["T10:00:00Z", "T23:59:60Z", "T24:00:00Z", "T10:00:00.123456Z", "T10:00:00+05:30", "t10:00:00-0800",
                     " 10:00:00", "T10:0:00Z", "T10:00:00.Z", "T10:00:00Zjunk"]
        var day = Timestamp.RecentDay()
        var read = 0
        for _ in 0..<20_000 {
            // Runs of one date, as a stream has, then a jump to any other.
            let date = dates[Int.random(in: 0..<(Bool.random(using: &rng) ? 2 : dates.count), using: &rng)]
            var text = date + times[Int.random(in: 0..<times.count, using: &rng)]
            let remembered = text.withUTF8 { Timestamp.parseRFC3339(UnsafeRawBufferPointer($0), day: &day) }
            let alone = text.withUTF8 { Timestamp.parseRFC3339(UnsafeRawBufferPointer($0)) }
            XCTAssertEqual(remembered, alone, text)
            if remembered != alone { break }
            if alone != nil { read += 1 }
        }
        XCTAssertGreaterThan(read, 5_000, "most texts are valid, so the remembered day is really used")
        XCTAssertEqual(Timestamp.parseRFC3339("2026-11-28T10:00:00Z"), 1_795_860_000_000)
    }
}
