import Foundation
import XCTest
@testable import SpendCore

/// Issue 9 point 11: `sample-data/day.jsonl` showed a p95 of 1868.35 s. The cause is in the data: its batch requests
/// (`batch: true`, latency 1–60 min, the batch job's turnaround) were counted as response times, and the histogram's
/// top bucket read as 31 min whatever it held.
final class LatencyPercentileTests: XCTestCase {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("sample-data/day.jsonl").path

    func testBatchRequestsStayOutOfThePercentiles() throws {
        let r = rollupForExport()
        var lines = (0..<95).map { nativeLine(id: "o\($0)", latency: 400) }
        lines += (0..<5).map { nativeLine(id: "b\($0)", latency: 2_400_000, extra: "\"batch\":true") }
        XCTAssertEqual(ingest(lines.joined(separator: "\n"), into: r).rejected, 0)
        let m = try r.rows(ViewQuery(groupBy: nil, window: .all), wallMs: wall).total
        XCTAssertEqual(m.requests, 100, "batch requests still count")
        XCTAssertEqual(m.batchRequests, 5)
        let p95 = try XCTUnwrap(m.latency.percentile(0.95))
        XCTAssertLessThan(abs(p95 - 400) / 400, 0.13, "p95 \(p95) ms")
        XCTAssertEqual(m.latency.total, 95)
    }

    func testTheTopBucketReadsAsItsLowerEdge() throws {
        var h = LatencyHistogram()
        for _ in 0..<10 { h.record(2 * 3_600_000) }  // two hours
        let p50 = try XCTUnwrap(h.percentile(0.5))
        XCTAssertEqual(p50, 1_664_511, accuracy: 1_000, "27.7 min: the edge of what the histogram resolves")
        XCTAssertLessThan(p50, 1_868_000)
    }

    /// The sample day's last 5 minutes (the console's default window): the p95 is what its online requests say.
    func testTheSampleDaysP95IsWhatItsOnlineRequestsSay() throws {
        let r = Rollup()
        let text = try String(contentsOfFile: LatencyPercentileTests.sample, encoding: .utf8)
        XCTAssertEqual(ingest(text, into: r, chunk: 1 << 16).rejected, 0)
        let end = r.clockMs(wallMs: wall)
        let m = try r.rows(ViewQuery(groupBy: nil, window: .minutes(5), atMs: end), wallMs: wall).total
        let got = try XCTUnwrap(m.latency.percentile(0.95))
        // The same window read straight from the file.
        let endMinute = Rollup.floorDiv(end, 60_000)
        var online: [Double] = []
        for line in text.split(separator: "\n") {
            guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let lat = (o["latency_ms"] as? NSNumber)?.doubleValue, let ts = o["ts"] as? String,
                  let ms = Timestamp.parseRFC3339(ts) else { continue }
            let minute = Rollup.floorDiv(ms, 60_000)
            if minute >= endMinute - 4 && minute <= endMinute && (o["batch"] as? Bool) != true { online.append(lat) }
        }
        online.sort()
        let exact = online[max(0, Int((0.95 * Double(online.count)).rounded(.up)) - 1)]
        XCTAssertGreaterThan(online.count, 20)
        XCTAssertLessThan(abs(got - exact) / exact, 0.13, "p95 \(got) ms vs \(exact) ms from the file")
        XCTAssertLessThan(got, 60_000, "not 1868 s")
    }

    /// `bucket` reads the exponent and significand from the bits: it must split exactly where the stdlib's
    /// `exponent`/`significand` and the published `lowerBounds` do, at every edge and in between.
    func testBucketsFromTheBitsMatchTheStandardLibrary() {
        func reference(_ ms: Double) -> Int {
            guard ms >= 1 else { return 0 }
            guard ms.isFinite else { return 63 }
            let f = ms.significand
            return min(63, 1 + 3 * Int(ms.exponent) + (f < 1.259921 ? 0 : (f < 1.587401 ? 1 : 2)))
        }
        var rng = SeededGenerator(seed: 0xB0C4E7)
        var values: [Double] = [0, -1, 0.999_999, 1, 1.5, 2, 1_663_000, 1e300, .greatestFiniteMagnitude, .infinity, .nan]
        for edge in LatencyHistogram.lowerBounds { values += [edge, edge.nextDown, edge.nextUp] }
        for _ in 0..<20_000 { values.append(Double.pow2(Double.random(in: -2...40, using: &rng))) }
        for ms in values {
            XCTAssertEqual(LatencyHistogram.bucket(ms), reference(ms), "\(ms)")
        }
        for (k, edge) in LatencyHistogram.lowerBounds.enumerated() {
            XCTAssertEqual(LatencyHistogram.bucket(edge), k + 1, "bucket \(k + 1) starts at \(edge)")
        }
    }
}
