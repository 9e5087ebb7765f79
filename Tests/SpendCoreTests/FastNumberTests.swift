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

    func testRejectsMalformed() {
        for bad in ["", "-", ".5", "1.", "1e", "e5", "--1", "0999", "-01", "00"] {
            XCTAssertNil(parse(bad), bad)
        }
    }
}
