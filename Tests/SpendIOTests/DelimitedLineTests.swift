import Foundation
import XCTest
@testable import SpendCore
import TestSupport

/// The fast scanner finds a compact line's end itself (`EventPipeline.delimitsLines`, `NativeLineScanner.scanLine`)
/// instead of the splitter searching for the newline first. Whatever the bytes and wherever the chunks end, the
/// reading must be the one the newline search and the line scan give: the same events, rejects and counters.
final class DelimitedLineTests: XCTestCase {
    func read(_ data: Data, delimits: Bool, slice: Int, maxLineBytes: Int = 4096) -> (Rollup, SourceStats, Int64) {
        var o = Rollup.Options()
        o.retentionMinutes = nil
        let rollup = Rollup(options: o)
        let p = EventPipeline(rollup: rollup, maxLineBytes: maxLineBytes)
        p.delimitsLines = delimits
        data.withUnsafeBytes { b in
            var i = 0
            while i < b.count {
                let n = min(b.count - i, slice)
                p.feed(UnsafeRawBufferPointer(rebasing: b[i..<(i + n)]))
                i += n
            }
        }
        p.finish()
        return (rollup, p.stats, p.nativeLines)
    }

    func assertSameReading(_ data: Data, slice: Int, maxLineBytes: Int = 4096, file: StaticString = #filePath,
                           line: UInt = #line) throws {
        let (a, sa, na) = read(data, delimits: true, slice: slice, maxLineBytes: maxLineBytes)
        let (b, sb, nb) = read(data, delimits: false, slice: slice, maxLineBytes: maxLineBytes)
        let at = "slice \(slice)"
        XCTAssertEqual(a.counters, b.counters, at, file: file, line: line)
        XCTAssertEqual(sa, sb, "every count of the source, \(at)", file: file, line: line)
        XCTAssertEqual(na, nb, "lines the fast scanner read, \(at)", file: file, line: line)
        for d in [nil, Dimension.feature, .apiKey, .model] {
            let q = ViewQuery(groupBy: d, window: .all)
            let x = try a.rows(q, wallMs: 4_102_444_800_000), y = try b.rows(q, wallMs: 4_102_444_800_000)
            XCTAssertEqual(x.rows.map(\.name), y.rows.map(\.name), at, file: file, line: line)
            for (r, s) in zip(x.rows, y.rows) {
                XCTAssertEqual(r.measures.requests, s.measures.requests, at, file: file, line: line)
                XCTAssertEqual(r.measures.inputTokens, s.measures.inputTokens, at, file: file, line: line)
                XCTAssertEqual(r.measures.errors, s.measures.errors, at, file: file, line: line)
                // Minutes are summed in the order of a dictionary, which two rollups need not share: the last bits.
                XCTAssertEqual(r.measures.spend, s.measures.spend, accuracy: 1e-9 * max(1, r.measures.spend), at,
                               file: file, line: line)
            }
        }
    }

    func testHardTrafficReadsTheSameInAnySlicing() throws {
        for seed: UInt64 in [61, 62] {
            let data = HardTraffic(seed: seed).bytes(count: 3_000, trailingNewline: seed == 61)
            for slice in [1, 7, 331, 4_096, 65_536, data.count] { try assertSameReading(data, slice: slice) }
        }
    }

    /// Lines where a scan that finds its own end could read past a newline, take garbage after the object, or
    /// miss a limit; every chunk boundary is tried.
    func testLinesWhereAScanCouldRunPastANewline() throws {
        let good = #"{"ts":1795910400,"request_id":"a1","feature":"f","model":"gpt-4o","input_tokens":10,"#
            + #""output_tokens":2,"cost_usd":0.5}"#
        let lines = [
            good,
            good.replacingOccurrences(of: "a1", with: "a2") + "\r",
            good.replacingOccurrences(of: "a1", with: "a3") + "   \t",
            #"{"ts":1795910400,"#, #""feature":"g","cost_usd":1}"#,  // a newline between the tokens
            #"{"ts" :1795910400,"feature":"h","cost_usd":1}"#,
            #"{"ts": 1795910400, "feature": "i", "cost_usd": 1}"#,
            #"{"ts":1795910400,"feature":"j","cost_usd":1}x"#,
            #"{"ts":1795910400,"feature":"k","cost_usd":1}{"ts":1795910400}"#,
            #"{"ts":1795910400,"feature":"caf\u00e9","cost_usd":1}"#,
            "", "   ", "{}",
            #"{"ts":1795910400,"feature":"l","cost_usd":1"# + "\t}",
            #"{"ts":1795910400,"feature":"m","cost_usd":1"#,
            #"{"ts":1795910400,"feature":"n""#, #","cost_usd":1}"#,
            #"{"ts":1795910400,"kind":"gpu","node":"h1","gpu":0,"util_pct":50}"#,
            #"{"ts":1795910400,"feature":"o","cost_usd":1,"extra":"x"}"#,
            #"{"ts":1795910400,"feature":""# + String(repeating: "x", count: 300) + #"","cost_usd":1}"#,
            #"{"ts":1795910400,"feature":""# + String(repeating: "y", count: 200 - 43) + #"","cost_usd":1}"#,
            good,  // a duplicate
            good.replacingOccurrences(of: "a1", with: "a4"),
        ]
        XCTAssertEqual(lines[lines.count - 3].utf8.count, 200, "a line of exactly the limit")
        let data = Data(lines.joined(separator: "\n").utf8)
        for slice in 1...60 { try assertSameReading(data, slice: slice, maxLineBytes: 200) }
        try assertSameReading(data, slice: data.count, maxLineBytes: 200)
        let (r, stats, native) = read(data, delimits: true, slice: data.count, maxLineBytes: 200)
        XCTAssertEqual(stats.rejects[.lineTooLong], 1)
        XCTAssertEqual(stats.duplicates, 1)
        XCTAssertGreaterThanOrEqual(native, 6)
        XCTAssertEqual(r.counters.eventsCounted, stats.events)
    }
}
