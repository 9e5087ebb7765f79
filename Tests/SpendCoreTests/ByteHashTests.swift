import XCTest
@testable import SpendCore

/// Stores keep `ByteHash` values (interned names, request ids in the checkpoint's dedupe set): a faster
/// hash must give the very same numbers, or a restart would count replayed requests twice.
final class ByteHashTests: XCTestCase {
    func testKnownValuesStayTheSame() {
        // Computed by an independent port of the hash (Python), before the word-load tail.
        let known: [(String, UInt64)] = [
            ("support-chat", 0x8EA2_3F50_F465_D28C), ("ok", 0x1F83_894D_AC98_EFFA),
            ("sk-proj-pFhHJsUyyaY2CddZOugsDudT", 0xC032_E924_695C_AC9F), ("734700000001", 0x9822_7CEC_CE5F_E35A),
            ("claude-haiku-4-5", 0xA30E_E39C_8451_AA7E), ("a", 0xC37D_7A33_B5C9_00E4), ("gpt", 0x2676_25C1_A19D_432A),
            ("gw-eu", 0x04E4_83EE_0EC3_42D4), ("support", 0xA569_05B6_75AC_D3C4), ("translate", 0xBCC6_696A_7F88_08FF),
            ("claude-sonnet-4", 0x8BB9_812F_F74F_0772)]
        for (text, value) in known { XCTAssertEqual(ByteHash.hash(text), value, text) }
    }

    func testTheWordTailReadsTheBytesOneAtATimeWould() {
        var rng = SeededGenerator(seed: 0x5EED_0B17)
        for _ in 0..<2_000 {
            let bytes = (0..<Int.random(in: 1...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            bytes.withUnsafeBytes { b in
                let n = b.count, i = n - n % 8  // where the word loop leaves off
                guard i < n else { return }
                let p = b.baseAddress!
                XCTAssertEqual(ByteHash.tail(p, i, n), ByteHash.bytewiseTail(p, i, n), "\(bytes)")
            }
        }
    }
}
