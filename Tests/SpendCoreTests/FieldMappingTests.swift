import XCTest
@testable import SpendCore

final class FieldMappingTests: XCTestCase {
    let config = ConfigValue.table(["mapping": .array([.table([
        "name": .string("acme"), "match": .string("source=acme"),
        "ts": .string("when"), "feature": .string("meta.feature"), "api_key": .string("auth.key"),
        "model": .string("llm.model"), "input_tokens": .string("usage.in"), "output_tokens": .string("usage.out"),
        "cache_read_tokens": .string("usage.cached"), "cost_usd": .string("billing.usd"), "status": .string("outcome"),
        "request_id": .string("id"),
    ])])])

    func testConfigMappingDecodesAnotherGatewaysLines() throws {
        let mappings = try FieldMapping.all(from: config)
        XCTAssertEqual(mappings.map(\.name), ["acme"])
        let r = rollupForExport()
        let p = EventPipeline(rollup: r)
        p.mappings = mappings
        let text = [
            #"{"source":"acme","id":"1","when":"2026-11-28T10:00:00Z","meta":{"feature":"chat"},"auth":{"key":"sk-live-ABCDEFGHIJKLMNOP1234"},"llm":{"model":"gpt-4o"},"usage":{"in":10000,"out":500,"cached":4000},"outcome":"error"}"#,
            #"{"source":"acme","id":"2","when":1795910400,"meta":{"feature":"chat"},"usage":{"in":1,"out":1},"billing":{"usd":0.5}}"#,
            // A flat line with `ts` that the mapping claims: it must not be read as native.
            #"{"source":"acme","ts":"2026-11-28T10:00:00Z","when":"2026-11-28T10:00:05Z","billing":{"usd":1}}"#,
            #"{"ts":"2026-11-28T10:00:00Z","feature":"native","cost_usd":2}"#,
        ].joined(separator: "\n")
        Array(text.utf8).withUnsafeBytes { p.feed($0) }
        p.finish()
        XCTAssertEqual(p.stats.events, 4)
        XCTAssertEqual(p.stats.formats["acme"], 3)
        XCTAssertEqual(p.stats.formats["native"], 1)
        let rows = try r.rows(ViewQuery(groupBy: .feature, window: .all), wallMs: wall).rows
        let chat = try XCTUnwrap(rows.first { $0.name == "chat" })
        XCTAssertEqual(chat.measures.requests, 2)
        XCTAssertEqual(chat.measures.errors, 1)
        XCTAssertEqual(chat.measures.cacheReadTokens, 4000)
        XCTAssertEqual(chat.measures.spend, 0.025 + 0.5, accuracy: 1e-12, "the first line is priced, the second carries its cost")
        XCTAssertEqual(try r.rows(ViewQuery(groupBy: .apiKey, window: .all), wallMs: wall).rows.map(\.name).sorted(), ["(none)", "sk-…1234"])
    }

    func testBadMappingsAreClearErrors() {
        func err(_ t: [String: ConfigValue]) -> String {
            do { _ = try FieldMapping.all(from: .table(["mapping": .array([.table(t)])])); return "" } catch { return "\(error)" }
        }
        XCTAssertEqual(err(["name": .string("x"), "ts": .string("t")]), "[[mapping]] x: needs 'match' (path=value or path)")
        XCTAssertEqual(err(["name": .string("x"), "match": .string("a"), "feature": .string("f")]),
                       "[[mapping]] x: needs a 'ts' path (events without time cannot be counted)")
        XCTAssertTrue(err(["name": .string("x"), "match": .string("a"), "ts": .string("t"), "featur": .string("f")])
            .hasPrefix("[[mapping]] x: unknown field 'featur'"))
        XCTAssertEqual(err(["match": .string("a"), "ts": .int(3)]), "[[mapping]] #1: 'ts' must be a dotted path in quotes")
    }
}
