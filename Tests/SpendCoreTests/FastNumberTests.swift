import XCTest
@testable import SpendCore

final class FastNumberTests: XCTestCase {
    func parse(_ s: String) -> Double? {
        var s = s
        return s.withUTF8 { b in FastNumber.parse(b.baseAddress!, 0, b.count).flatMap { $0.1 == b.count ? $0.0 : nil } }
    }

    func testMatchesSwiftParserBitForBit() {
        var rng = SeededGenerator(seed: 42)
        var cases = ["0", "-0", "1", "12345", "0.1", "0.000123", "3e-06", "2.5E-7", "1e22", "1e23", "123456789012345678901234",
                     "9007199254740993", "0.063198575", "1795910294.502588", "4.9e-324", "1.7976931348623157e308",
                     "-12.5e+3", "100000000000000000000", "0.30000000000000004"]
        for _ in 0..<5000 {
            let mantissa = UInt64.random(in: 0...UInt64(1) << 60, using: &rng)
            let scale = Int.random(in: 0...25, using: &rng)
            var digits = String(mantissa)
            if scale > 0, scale < digits.count { digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale)) }
            cases.append(digits)
            cases.append("\(Double.random(in: 0...1e6, using: &rng))")
            cases.append("\(Double.random(in: 0...1e-3, using: &rng))")
        }
        for c in cases {
            guard let expected = Double(c) else { continue }
            let got = parse(c)
            XCTAssertEqual(got?.bitPattern, expected.bitPattern, "\(c): \(String(describing: got)) vs \(expected)")
        }
    }

    /// Inside a line, with bytes after it, a short number takes the word-at-a-time path (`shortDecimal`):
    /// it must give the digit loop's double bit for bit and stop where the number ends.
    func testShortNumbersInsideALineMatchBitForBit() {
        var rng = SeededGenerator(seed: 0x5EED_0D16)
        var cases = ["0", "-0", "7", "10", "1234567", "12345678", "0.5", "0.0038902", "-3.25", "1.1234567",
                     "1.12345678", "9999999.9999999", "0.0000001", "2038", "1e5", "1.5e-3", "2E2", "12.50", "0.10",
                     // Prices with eight places or more take a second fraction word, up to a 2^53 mantissa.
                     "0.00029865", "9999999.99999999", "1.123456789012345", "9.999999999999999", "9007.199254740992",
                     "9007.199254740993", "1234567.123456789012", "0.000000000000001", "0.1234567812345678"]
        for _ in 0..<20_000 {
            let int = String(Int.random(in: 0...9_999_999, using: &rng))
            let digits = String(Int.random(in: 0...Int.max, using: &rng))
            let frac = digits.prefix(Int.random(in: 1...min(17, digits.count), using: &rng))
            let zeros = String(repeating: "0", count: Int.random(in: 0...3, using: &rng))
            cases.append(Bool.random(using: &rng) ? int : "\(int).\(zeros)\(frac)")
        }
        let padding = String(repeating: " ", count: 16)
        for c in cases where Double(c) != nil {
            let plain = !c.contains(".") && !c.lowercased().contains("e")
            // (bytes after the number, the number as read, where it ends)
            var readings = [(",\"latency_ms\":7642,\"status\":\"ok\"}", c), ("}" + padding, c), (" ," + padding, c)]
            readings.append((".5,\"x\":1234567890" + padding, c.contains(".") || !plain ? c : c + ".5"))
            if !c.lowercased().contains("e") { readings.append(("e3}" + padding, c + "e3")) }
            for (tail, number) in readings {
                var line = c + tail
                let got = line.withUTF8 { b in FastNumber.parse(b.baseAddress!, 0, b.count) }
                XCTAssertEqual(got?.0.bitPattern, Double(number)!.bitPattern, line)
                XCTAssertEqual(got?.1, number.utf8.count, "\(line) ends after \(number)")
                let loop = line.withUTF8 { b in FastNumber.digitLoop(b.baseAddress!, 0, b.count) }
                XCTAssertEqual(got?.0.bitPattern, loop?.0.bitPattern, "\(line): the word steps and the digit loop")
                XCTAssertEqual(got?.1, loop?.1, line)
            }
        }
        for bad in ["00,", "0999,", "-01,", "1.,", "1.e5,", "-,", ".5,"] {
            var line = bad + String(repeating: " ", count: 16)
            XCTAssertNil(line.withUTF8 { b in FastNumber.parse(b.baseAddress!, 0, b.count) }, bad)
        }
    }

    func testRejectsMalformed() {
        for bad in ["", "-", ".5", "1.", "1e", "e5", "--1", "0999", "-01", "00"] {
            XCTAssertNil(parse(bad), bad)
        }
    }
}
