import XCTest
import SpendCore
@testable import SpendIO

final class FileInputTests: XCTestCase {
    func testReadsARealFileLargerThanOneChunkExactly() throws {
        let path = NSTemporaryDirectory() + "spendtop-fileinput-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        // ~6 MB: lines straddle the 4 MB read boundary.
        var text = ""
        var expected = 0.0
        for i in 0..<40_000 {
            let cost = Double(i % 97) / 1000
            expected += cost
            text += #"{"ts":"2026-11-28T10:\#(String(format: "%02d", i % 60)):00Z","request_id":"r\#(i)","feature":"f\#(i % 13)","cost_usd":\#(cost),"pad":"\#(String(repeating: "x", count: 80))"}"#
            text += "\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var o = Rollup.Options()
        o.retentionMinutes = nil
        let rollup = Rollup(options: o)
        let p = EventPipeline(rollup: rollup)
        try FileInput.readAll(path, into: p)
        XCTAssertEqual(p.stats.events, 40_000)
        XCTAssertEqual(p.stats.rejected, 0)
        XCTAssertEqual(p.stats.bytes, Int64(text.utf8.count))
        let total = try rollup.rows(ViewQuery(groupBy: nil, window: .all), wallMs: 0).total
        XCTAssertEqual(total.spend, expected, accuracy: 1e-9)
    }

    func testMissingFileIsAReadableError() {
        let p = EventPipeline(rollup: Rollup())
        XCTAssertThrowsError(try FileInput.readAll("/nonexistent/events.jsonl", into: p)) { e in
            XCTAssertEqual("\(e)", "cannot read /nonexistent/events.jsonl: No such file or directory")
        }
    }
}
