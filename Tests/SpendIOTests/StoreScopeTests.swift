import Foundation
import XCTest
import SpendCore
@testable import SpendIO

/// A month budget's spend before the rollup's history comes from the store: a scope naming a raw key counts that
/// key only (by its id, the hash the store keeps), one naming the masked form counts every key shown so.
final class StoreScopeTests: XCTestCase {
    func testBudgetSpendFromTheStoreKeepsKeysThatMaskAlikeApart() throws {
        let rawA = "sk-proj-AAAAAAAAAAAAAAAAAAAAAAAAabcd", rawB = "sk-live-BBBBBBBBBBBBBBBBBBBBBBBBabcd"
        let path = NSTemporaryDirectory() + "spendtop-store-scope-\(UUID().uuidString).db"
        defer { for s in ["", "-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: path + s) } }
        var o = Rollup.Options()
        o.retentionMinutes = nil
        o.internAllDimensions = true
        let r = Rollup(options: o)
        r.recordsForStore = true
        let t0 = Timestamp.parseRFC3339("2026-11-28T10:00:00Z")!
        for m in 0..<10 {
            r.ingest(SpendEvent(timestampMs: t0 + Int64(m) * 60_000, requestID: "a\(m)", feature: "chat", apiKey: rawA,
                                model: "gpt-4o", usage: TokenUsage(input: 10, output: 1), costUSD: 1))
            r.ingest(SpendEvent(timestampMs: t0 + Int64(m) * 60_000 + 1, requestID: "b\(m)", feature: "batch", apiKey: rawB,
                                model: "gpt-4o", usage: TokenUsage(input: 10, output: 1), costUSD: 0.5))
        }
        let store = try SpendStore(path: path)
        store.stage(from: r)
        try store.commit(nowMs: t0 + 3_600_000)
        func spend(_ scope: String) throws -> Double {
            try store.spend(scope: AlertScope(parsing: scope), fromMs: t0, toMs: t0 + 3_600_000, prices: .bundled)
        }
        XCTAssertEqual(try spend("api_key=\(rawA)"), 10, accuracy: 1e-9)
        XCTAssertEqual(try spend("api_key=\(rawB)"), 5, accuracy: 1e-9)
        XCTAssertEqual(try spend("api_key=sk-…abcd"), 15, accuracy: 1e-9, "by name: every key shown so")
        XCTAssertEqual(try spend("api_key=\(rawB),feature=chat"), 0, accuracy: 1e-9)
        XCTAssertEqual(try spend("api_key=sk-proj-nothere0000000000000000abcd"), 0)
    }
}
