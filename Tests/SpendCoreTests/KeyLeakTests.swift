import XCTest
@testable import SpendCore

/// A raw key typed by a user (a filter, an alert scope) is held masked and never echoed back raw.
final class KeyLeakTests: XCTestCase {
    private let secret = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx9f3c"
    private let body = "AbCdEfGhIjKlMnOp"

    private func message(_ rule: String) -> String {
        do { _ = try AlertRuleSet.load(config: nil, commandLine: [rule]); return "" } catch { return "\(error)" }
    }

    func testAlertRuleErrorsDoNotEchoTheKey() {
        let bad = ["api_key=\(secret),feature=a,team=b:spend>1",       // three dimensions
                   "api_key=\(secret),api_key=x:spend>1",               // given twice
                   "api_token=\(secret):spend>1",                       // unknown dimension
                   "\(secret):spend>1",                                 // no DIM=
                   "api_key=\(secret):spend",                           // no comparison
                   "api_key=\(secret):spend>1 window=\(secret)",        // bad duration
                   "api_key=\(secret),gpu=h1:0:util>1",                 // gpu with another dimension
                   "api_key=\(secret):spend>1 bogus=1"]
        for rule in bad {
            let m = message(rule)
            XCTAssertFalse(m.isEmpty, rule)
            XCTAssertFalse(m.contains(body), m)
        }
        XCTAssertTrue(message("api_key=\(secret),feature=a,team=b:spend>1").contains("sk-…9f3c"))
    }

    func testErrorsStripControlCharacters() {
        let m = message("feature=a\u{1b}[2J,team=b,model=c:spend>1")
        XCTAssertFalse(m.isEmpty)
        XCTAssertFalse(m.contains("\u{1b}"), m)
    }

    func testRawKeyFilterMatchesItsMaskedRow() throws {
        let f = try XCTUnwrap(ViewQuery.Filter(parsing: "api_key=\(secret)"))
        XCTAssertEqual(f.value, KeyMask.mask(secret))
        XCTAssertEqual(ViewQuery.Filter(parsing: "api_key=prod-web")?.value, "prod-web")
        XCTAssertEqual(ViewQuery.Filter(parsing: "feature=\(secret)")?.value, secret)  // only keys are secrets

        let rollup = rollupForExport()
        _ = ingest(nativeLine(key: secret) + "\n" + nativeLine(key: "prod-web") + "\n", into: rollup)
        let rows = try rollup.rows(ViewQuery(groupBy: .feature, window: .all, filters: [f]), wallMs: wall).rows
        XCTAssertEqual(rows.map(\.measures.requests), [1])
    }

    func testRedactKeepsAliasesAndMasksSecrets() {
        XCTAssertEqual(KeyMask.redact("feature=chat,api_key=prod-web:spend_per_hour>40 window=15m"),
                       "feature=chat,api_key=prod-web:spend_per_hour>40 window=15m")
        XCTAssertEqual(KeyMask.redact("api_key=\(secret):spend>1"), "api_key=sk-…9f3c:spend>1")
        XCTAssertEqual(KeyMask.redact("Bearer \(body)xyz1"), "Bearer …xyz1")
    }
}
