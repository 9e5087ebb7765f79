import XCTest
@testable import SpendCore

final class TextSafetyTests: XCTestCase {
    func testEscapeSequencesAndControlsAreRemoved() {
        XCTAssertEqual(TextSanitizer.clean("a\u{1B}[31mred\u{1B}[0m b"), "ared b")
        XCTAssertEqual(TextSanitizer.clean("x\u{1B}]0;title\u{07}y"), "xy")
        XCTAssertEqual(TextSanitizer.clean("x\u{1B}]8;;http://evil\u{1B}\\link\u{1B}]8;;\u{1B}\\"), "xlink")
        XCTAssertEqual(TextSanitizer.clean("tab\there\nnl\u{7F}\u{0}"), "tab here nl")
        XCTAssertEqual(TextSanitizer.clean("\u{9B}31mx"), "x")
        XCTAssertEqual(TextSanitizer.clean("abc\u{202E}fed"), "abcfed")
        XCTAssertEqual(TextSanitizer.clean("plain ünïcödé 日本 ✓"), "plain ünïcödé 日本 ✓")
        XCTAssertEqual(TextSanitizer.clean("trailing\u{1B}"), "trailing")
    }

    func testKeysAreMaskedAliasesShown() {
        XCTAssertEqual(KeyMask.mask("sk-ant-api03-EXAMPLEONLYxxxxxxxxxxxx9f3c"), "sk-…9f3c")
        XCTAssertEqual(KeyMask.mask("sk-proj-AbCdEfGhIjKlMnOpQrStUvWx"), "sk-…UvWx")
        XCTAssertEqual(KeyMask.mask("23bab6b17bf6fb64a66212a8afd5af79892ac5cf0e0c354a4033f0997ad93219"), "…3219")
        XCTAssertEqual(KeyMask.mask("hk_dda1494c73cf256d"), "hk_…256d")
        XCTAssertEqual(KeyMask.mask("AIzaSyA1234567890abcdefgh"), "AIza…efgh")
        XCTAssertEqual(KeyMask.mask("Bearer sk-live-1234567890abcdef"), "sk-…cdef")
        XCTAssertEqual(KeyMask.mask("prod-web"), "prod-web")
        XCTAssertEqual(KeyMask.mask("ci"), "ci")
        XCTAssertEqual(KeyMask.mask("team-search-batch"), "team-search-batch")
        XCTAssertEqual(KeyMask.mask("8841203377"), "…3377")
    }

    func testNoMaskedFormContainsTheSecretBody() {
        var rng = SeededGenerator(seed: 42)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        for _ in 0..<500 {
            let body = String((0..<32).map { _ in alphabet.randomElement(using: &rng)! })
            let masked = KeyMask.mask("sk-" + body)
            XCTAssertFalse(masked.contains(String(body.prefix(8))), masked)
            XCTAssertLessThanOrEqual(masked.count, 8)
        }
    }
}
