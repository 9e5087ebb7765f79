import XCTest
@testable import SpendCore

/// The pure halves of remote engines: bucket bounds a server can count with, and per-minute
/// cells that a poll replaces rather than adds to.
final class RemoteCellTests: XCTestCase {
    func testLowerBoundsAreExactlyWhereRecordChangesBucket() {
        let b = LatencyHistogram.lowerBounds
        XCTAssertEqual(b.count, LatencyHistogram.bucketCount - 1)
        XCTAssertEqual(b[0], 1)
        for k in 1..<LatencyHistogram.bucketCount {
            XCTAssertEqual(LatencyHistogram.bucket(b[k - 1]), k, "bound of bucket \(k)")
            XCTAssertEqual(LatencyHistogram.bucket(b[k - 1].nextDown), k - 1, "just below bucket \(k)")
        }
        var h = LatencyHistogram()
        h.add(bucket: 5, count: 3)
        h.add(bucket: 64, count: 9)  // out of range: ignored
        h.add(bucket: 7, count: 0)
        XCTAssertEqual(h.total, 3)
        XCTAssertEqual(h.count(bucket: 5), 3)
        var r = LatencyHistogram()
        for _ in 0..<3 { r.record(b[4]) }
        XCTAssertEqual(r.percentile(0.5), h.percentile(0.5))
    }

    func testReplaceMakesAPollTheWholeContentOfItsMinutes() {
        var w = RemoteCellWindow(dimensions: [.apiKey])
        let a = DimensionValue(raw: "sk-proj-AAAAAAAAAAAAAAAAAAAAabcd", dimension: .apiKey)
        let b = DimensionValue(raw: "sk-proj-BBBBBBBBBBBBBBBBBBBBabcd", dimension: .apiKey)
        XCTAssertEqual(a.name, b.name)
        XCTAssertNotEqual(a, b)
        func cell(_ minute: Int64, _ v: DimensionValue, _ n: Int64) -> RemoteCell {
            var m = Measures()
            m.requests = n
            return RemoteCell(minute: minute, values: [v], measures: m)
        }
        w.replace(minutes: 10...12, with: [cell(10, a, 1), cell(11, b, 2), cell(12, a, 3), cell(13, a, 100)])
        XCTAssertEqual(w.sum(fromMinute: 0, toMinute: 99).values.reduce(0) { $0 + $1.requests }, 6, "a cell outside the range is ignored")
        // Re-reading 11…12 with a late row: replaced, not added; minute 10 untouched.
        w.replace(minutes: 11...12, with: [cell(11, b, 3), cell(12, a, 3)])
        XCTAssertEqual(w.sum(fromMinute: 0, toMinute: 99)[[b]]?.requests, 3)
        XCTAssertEqual(w.sum(fromMinute: 0, toMinute: 99)[[a]]?.requests, 4)
        // A minute read again and found empty is emptied.
        w.replace(minutes: 12...12, with: [])
        XCTAssertEqual(w.newestMinute, 11)
        XCTAssertEqual(w.ids(.apiKey, named: a.name), [a.id, b.id])
        XCTAssertEqual(w.series(fromMinute: 0, toMinute: 99, where: { $0 == [a] }).map(\.measures.requests), [1, 0])
        w.trim(before: 11)
        XCTAssertEqual(w.oldestMinute, 11)
        XCTAssertEqual(DimensionValue(raw: "", dimension: .feature), .none)
        XCTAssertEqual(DimensionValue(raw: "x\u{1b}[2Jy", dimension: .feature).name, "xy")
    }
}
