import XCTest
@testable import SpendCore

/// The check between parallel parts (issue 12 point 4): the requests a later part counted that an earlier part
/// holds. The fast path walks the later part's own dedupe table; whatever path is taken, every piece together must
/// give exactly what probing each counted hash against the earlier tables gives, and the last shared one's place.
final class SharedRequestsTests: XCTestCase {
    static let start: Int64 = 1_795_910_400_000  // 2026-11-28T00:00Z

    func rollup(keepLast: Int = 2_000_000, minutes: Int64 = 60, counted: Bool) -> Rollup {
        var o = Rollup.Options()
        o.retentionMinutes = nil
        o.groupings = [.total]
        o.dedupe = DedupeHorizon(minutes: minutes, keepLast: keepLast)
        let r = Rollup(options: o)
        if counted { r.countedHashes = [] }
        return r
    }

    func event(_ id: Int, at i: Int) -> SpendEvent {
        SpendEvent(timestampMs: Self.start + Int64(i) * 20, requestID: "req-\(id)", feature: "f\(id % 5)",
                   model: "gpt-4o-mini", usage: TokenUsage(input: 100, output: 10), costUSD: 0.01)
    }

    /// What the check means: each counted hash probed against the earlier tables, in counted order (a hash
    /// counted twice, once forgotten in between, is there twice).
    func expected(_ later: Rollup, _ earlier: [Rollup]) -> ([UInt64], Int) {
        var shared: [UInt64] = [], last = -1
        for (i, h) in later.countedHashes!.enumerated() where earlier.contains(where: { $0.dedupe.contains(h) }) {
            shared.append(h)
            last = i
        }
        return (shared, last)
    }

    func assertAgrees(_ later: Rollup, _ earlier: [Rollup], fast: Bool, file: StaticString = #filePath,
                      line: UInt = #line) {
        XCTAssertEqual(later.dedupeHoldsCountedHashes, fast, "which path", file: file, line: line)
        let (want, last) = expected(later, earlier)
        for pieces in [1, 2, 3, 7] {
            var got: [UInt64] = []
            for p in 0..<pieces { got += Rollup.sharedRequests(later, earlier: earlier, piece: p, of: pieces) }
            XCTAssertEqual(got.count, want.count, "\(pieces) pieces", file: file, line: line)
            XCTAssertTrue(got.sorted() == want.sorted(), "the same hashes, \(pieces) pieces", file: file, line: line)
            XCTAssertEqual(Rollup.lastCounted(of: got, in: later), last, file: file, line: line)
        }
    }

    /// 60,000 requests earlier, 60,000 later of which some repeat earlier ones (near the start, and one far in).
    func parts(earlierReserve: Int = 60_000) -> (earlier: Rollup, later: Rollup, repeats: Int) {
        let earlier = rollup(counted: false), later = rollup(counted: true)
        earlier.reserveRequestIDs(earlierReserve)
        later.reserveRequestIDs(60_000)
        for i in 0..<60_000 { earlier.ingest(event(i, at: i)) }
        var repeats = 0
        for i in 0..<60_000 {
            let again = i < 300 && i % 3 == 0 || i == 51_234
            if again { repeats += 1 }
            later.ingest(event(again ? 59_000 + i % 1_000 - (i == 51_234 ? 40_000 : 0) : 100_000 + i, at: 60_000 + i))
        }
        return (earlier, later, repeats)
    }

    func testTheTableWalkFindsEverySharedRequestAndTheLastOnesPlace() {
        let (earlier, later, repeats) = parts()
        XCTAssertEqual(earlier.dedupe.mask, later.dedupe.mask, "tables of one size: both are read front to back")
        assertAgrees(later, [earlier], fast: true)
        let shared = Rollup.sharedRequests(later, earlier: [earlier])
        XCTAssertEqual(shared.count, repeats)
        XCTAssertEqual(Rollup.lastCounted(of: shared, in: later), 51_234, "the replay far into the part")
        // Nothing shared: no place.
        let alone = rollup(counted: false)
        alone.ingest(event(7_777_777, at: 0))
        XCTAssertEqual(Rollup.sharedRequests(later, earlier: [alone]), [])
        XCTAssertEqual(Rollup.lastCounted(of: [], in: later), -1)
    }

    func testTablesOfOtherSizesAndSeveralEarlierPartsAgreeToo() {
        let (earlier, later, _) = parts(earlierReserve: 200_000)
        XCTAssertNotEqual(earlier.dedupe.mask, later.dedupe.mask)
        let third = rollup(counted: false)
        for i in 0..<500 { third.ingest(event(100_000 + i * 7, at: i)) }  // some of the later part's new ids
        assertAgrees(later, [earlier, third], fast: true)
        XCTAssertGreaterThan(Rollup.sharedRequests(later, earlier: [third]).count, 50)
    }

    /// A part that forgot ids (a sweep) or holds ids it did not count (a second read, preseeded) no longer has
    /// exactly its counted hashes in its table: the counted hashes themselves are checked.
    func testASweptOrPreseededPartChecksItsCountedHashes() {
        let earlier = rollup(counted: false)
        for i in 0..<60_000 { earlier.ingest(event(i, at: i)) }
        let swept = rollup(keepLast: 1_000, minutes: 1, counted: true)
        for i in 0..<200_000 { swept.ingest(event(i % 3 == 0 ? 59_999 - i % 60_000 : 100_000 + i, at: 60_000 + i)) }
        XCTAssertGreaterThan(swept.dedupeForgotten, 0)
        assertAgrees(swept, [earlier], fast: false)

        let preseeded = rollup(counted: true)
        preseeded.preseedDuplicates([ByteHash.hash("req-5")])
        for i in 0..<20_000 { preseeded.ingest(event(i % 2 == 0 ? i : 100_000 + i, at: 60_000 + i)) }
        assertAgrees(preseeded, [earlier], fast: false)
        XCTAssertEqual(Rollup.sharedRequests(preseeded, earlier: [earlier]).count, 10_000,
                       "req-5 was preseeded, never counted")
    }
}
