import Foundation
import XCTest
import TestSupport
import SpendCore
@testable import SpendIO

/// Helpers shared by the tests that read a real PostgreSQL.
extension XCTestCase {
    /// A fresh database with LiteLLM's tables holding `rows`; its admin URI.
    func postgresDatabase(_ rows: [[String: Any]], dailyTables: Bool = true) throws -> (db: String, url: String) {
        let pg = try PostgresTestServer.shared()
        let db = try pg.makeDatabase(dailyTables: dailyTables)
        if !rows.isEmpty { try pg.copy(rows, into: db) }
        return (db, pg.url(db))
    }

    /// Sums cells per display name of their one dimension (keys that mask alike share a name).
    func byName(_ cells: [RemoteCell]) -> [String: Measures] {
        var out: [String: Measures] = [:]
        for c in cells { out[c.values.first?.name ?? "total", default: Measures()].merge(c.measures) }
        return out
    }

    /// Equal measures: counts exactly, spend and latency sums to rounding, histograms bucket by bucket.
    func assertSame(_ a: Measures, _ b: Measures, histogram: Bool, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.requests, b.requests, "\(label) requests", file: file, line: line)
        XCTAssertEqual(a.errors, b.errors, "\(label) errors", file: file, line: line)
        XCTAssertEqual(a.retries, b.retries, "\(label) retries", file: file, line: line)
        XCTAssertEqual(a.gatewayCacheHits, b.gatewayCacheHits, "\(label) gateway cache hits", file: file, line: line)
        XCTAssertEqual(a.unpriced, b.unpriced, "\(label) unpriced", file: file, line: line)
        XCTAssertEqual(a.inputTokens, b.inputTokens, "\(label) input", file: file, line: line)
        XCTAssertEqual(a.outputTokens, b.outputTokens, "\(label) output", file: file, line: line)
        XCTAssertEqual(a.cacheReadTokens, b.cacheReadTokens, "\(label) cache read", file: file, line: line)
        XCTAssertEqual(a.cacheWriteTokens, b.cacheWriteTokens, "\(label) cache write", file: file, line: line)
        XCTAssertEqual(a.reasoningTokens, b.reasoningTokens, "\(label) reasoning", file: file, line: line)
        XCTAssertEqual(a.spend, b.spend, accuracy: max(1e-12, abs(b.spend) * 1e-9), "\(label) spend", file: file, line: line)
        XCTAssertEqual(a.latencySumMs, b.latencySumMs, accuracy: max(1e-6, abs(b.latencySumMs) * 1e-9), "\(label) latency sum", file: file, line: line)
        // The detector's typical-request sums: ln here is a short series, PostgreSQL's is libm's (to ~1e-6 each).
        XCTAssertEqual(a.shapedRequests, b.shapedRequests, "\(label) shaped requests", file: file, line: line)
        XCTAssertEqual(a.logTokensSum, b.logTokensSum, accuracy: 1e-5 * Double(max(b.shapedRequests, 1)),
                       "\(label) ln tokens", file: file, line: line)
        XCTAssertEqual(a.cacheShareSum, b.cacheShareSum, accuracy: 1e-9 * Double(max(b.shapedRequests, 1)),
                       "\(label) cached share", file: file, line: line)
        if histogram {
            XCTAssertEqual(a.latency.total, b.latency.total, "\(label) latency samples", file: file, line: line)
            for k in 0..<LatencyHistogram.bucketCount where a.latency.count(bucket: k) != b.latency.count(bucket: k) {
                XCTFail("\(label) latency bucket \(k): \(a.latency.count(bucket: k)) vs \(b.latency.count(bucket: k))", file: file, line: line)
            }
            for p in [0.5, 0.95, 0.99] {
                XCTAssertEqual(a.latency.percentile(p), b.latency.percentile(p), "\(label) p\(Int(p * 100))", file: file, line: line)
            }
        }
    }

    /// A rollup fed the importer's reading of JSON rows: what spendtop computes from the same rows.
    func importerRollup(_ rows: [[String: Any]], groupings: [Grouping] = Grouping.console + [.by(.user)]) throws -> Rollup {
        var o = Rollup.Options()
        o.retentionMinutes = nil
        o.groupings = groupings
        let r = Rollup(options: o)
        for row in rows {
            var flat = row
            for k in ["metadata", "request_tags"] where !(row[k] is NSNull) && !(row[k] is String) && row[k] != nil {
                flat[k] = String(decoding: try JSONSerialization.data(withJSONObject: row[k]!, options: [.fragmentsAllowed]), as: UTF8.self)
            }
            guard case .events(let events) = LiteLLMSpendLogsImporter.decode(JSONFields(flat)) else {
                XCTFail("the importer rejected \(row["request_id"] ?? "?")")
                continue
            }
            for e in events { r.ingest(e) }
        }
        return r
    }
}
