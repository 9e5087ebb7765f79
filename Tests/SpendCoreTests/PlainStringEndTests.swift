import XCTest
@testable import SpendCore

/// `NativeLineScanner.plainStringEnd` finds the first quote, backslash, control or non-ASCII byte with 32-, 16-
/// and 8-byte steps (SSE2 and SWAR): it must stop exactly where a byte-by-byte search does, wherever the
/// stop falls in a step and however close the end is.
final class PlainStringEndTests: XCTestCase {
    func reference(_ b: [UInt8], _ start: Int, _ n: Int) -> Int {
        var i = start
        while i < n {
            let c = b[i]
            if c == 34 || c == 92 || c < 32 || c >= 128 { return i }
            i += 1
        }
        return n
    }

    func testStopsWhereAByteByByteSearchStops() {
        var rng = SeededGenerator(seed: 0x57_0E4D)
        let plain = Array("abcdefghijklmnopqrstuvwxyz0123456789-_./:;,{}[] ~!@#$%^&*()+=|<>?'`".utf8)
        let stops: [UInt8] = [34, 92, 0, 9, 10, 13, 31, 127 + 1, 0xC3, 0xE2, 0xFF]
        var checked = 0
        for _ in 0..<40_000 {
            let count = Int.random(in: 0...100, using: &rng)
            var b = (0..<count).map { _ in plain[Int.random(in: 0..<plain.count, using: &rng)] }
            for _ in 0..<Int.random(in: 0...2, using: &rng) where count > 0 {
                b[Int.random(in: 0..<count, using: &rng)] = stops[Int.random(in: 0..<stops.count, using: &rng)]
            }
            // DEL (127) is not a stop: it is ASCII and not a control character JSON forbids.
            if count > 0 && Bool.random(using: &rng) { b[Int.random(in: 0..<count, using: &rng)] = 127 }
            let start = count == 0 ? 0 : Int.random(in: 0...count, using: &rng)
            let n = Int.random(in: start...count, using: &rng)
            let got = b.withUnsafeBufferPointer { NativeLineScanner.plainStringEnd($0.baseAddress!, start, n) }
            XCTAssertEqual(got, reference(b, start, n), "\(b) from \(start) to \(n)")
            checked += 1
        }
        XCTAssertEqual(checked, 40_000)
    }
}
