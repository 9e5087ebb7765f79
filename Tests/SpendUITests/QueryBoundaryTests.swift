import Foundation
import XCTest
import SpendCore
@testable import SpendUI

/// SpendUI reads spend only through `SpendQuery`: it compiles without the in-memory backend's types, and drills by
/// group id, so two keys that mask alike are drilled separately.
final class QueryBoundaryTests: XCTestCase {
    static let rawA = "sk-proj-AAAAAAAAAAAAAAAAAAAAAAAAabcd"
    static let rawB = "sk-live-BBBBBBBBBBBBBBBBBBBBBBBBabcd"

    /// Not one identifier of the rollup backend (`Rollup`, `RollupQuery`, its cells and interners) anywhere in
    /// Sources/SpendUI, comments included, so a reader cannot reach behind the protocol again.
    func testSpendUINamesNoRollupType() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/SpendUI")
        let files = try XCTUnwrap(FileManager.default.enumerator(atPath: root.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }
        XCTAssertGreaterThan(files.count, 20, "the scan reads the UI target")
        let forbidden = try NSRegularExpression(pattern: #"\bRollup\w*|\bMinuteBucket\b|\bCellTable\b|\bInterner\b|\.buckets\b|\bgroupingIndex\b|\binterner\("#)
        var found: [String] = []
        for f in files {
            let text = try String(contentsOf: root.appendingPathComponent(f), encoding: .utf8)
            for m in forbidden.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                found.append("\(f): \(Range(m.range, in: text).map { String(text[$0]) } ?? "?")")
            }
        }
        XCTAssertEqual(found, [], "SpendUI must read through SpendQuery only")
    }

    /// Key A on `chat` ($1/min), key B on `batch` ($0.2/min), both shown as `sk-…abcd`.
    func twoKeys() -> SpendQuery {
        let r = Rollup()
        for m in 0..<10 {
            let t = Fixture.endMs - Int64(9 - m) * 60_000 - 20_000
            r.ingest(SpendEvent(timestampMs: t, feature: "chat", apiKey: Self.rawA, model: "gpt-4o",
                                usage: TokenUsage(input: 1000, output: 100), costUSD: 1.0))
            r.ingest(SpendEvent(timestampMs: t + 1, feature: "batch", apiKey: Self.rawB, model: "gpt-4o-mini",
                                usage: TokenUsage(input: 1000, output: 100), costUSD: 0.2))
        }
        return r
    }

    func testKeysThatMaskAlikeAreDrilledSeparately() throws {
        let q = twoKeys()
        var s = ConsoleState(width: 160, height: 48, window: .minutes(15))
        s.setData(Fixture.snapshot(q, window: .minutes(15)))
        _ = ConsoleState.reduce(&s, .key(.tab))   // the keys pane
        XCTAssertEqual(s.focus, .table(.apiKey))
        let keys = try XCTUnwrap(s.shown[.table(.apiKey)])
        XCTAssertEqual(keys.rows.map { $0[0].text }, ["sk-…abcd", "sk-…abcd"])
        var seen: [String: Double] = [:]
        for row in 0..<2 {
            s.select(.table(.apiKey), row)
            XCTAssertEqual(ConsoleState.reduce(&s, .key(.enter)), [.refresh])
            let f = try XCTUnwrap(s.path.first)
            XCTAssertNotNil(f.id, "the drill names the key by id")
            s.setData(Fixture.snapshot(q, window: .minutes(15), path: s.path))
            let features = try XCTUnwrap(s.shown[.table(.feature)]).rows.compactMap { $0[0].text }
            XCTAssertEqual(features.count, 1, "only this key's features: \(features)")
            seen[features[0]] = try XCTUnwrap(s.data).total.spend
            XCTAssertEqual(s.breadcrumb, "all › key sk-…abcd")
            _ = ConsoleState.reduce(&s, .key(.escape))
            s.setData(Fixture.snapshot(q, window: .minutes(15)))
        }
        XCTAssertEqual(seen.keys.sorted(), ["batch", "chat"])
        XCTAssertEqual(seen["chat"] ?? 0, 10.0, accuracy: 1e-9)
        XCTAssertEqual(seen["batch"] ?? 0, 2.0, accuracy: 1e-9)
    }

    func testEachKeyKeepsItsOwnTrendAndAlertMark() throws {
        let q = twoKeys()
        var s = ConsoleState(width: 200, height: 60, window: .minutes(15))
        let scoped = try AlertScope(parsing: "api_key=\(Self.rawB)")
        let alert = AlertEvent(key: "rule:b", kind: .threshold, startedMs: Fixture.endMs - 120_000, scope: scoped.description,
                               scopeFilters: scoped.filters, metric: "spend_per_hour", observed: 12, expected: 10, reason: "b")
        _ = ConsoleState.reduce(&s, .alerts(Fixture.alerts(active: [alert])))
        s.setData(Fixture.snapshot(q, window: .minutes(15)))
        let data = try XCTUnwrap(s.data?.panes[.table(.apiKey)])
        XCTAssertEqual(data.trends.count, 2, "two sparklines for one displayed name")
        let b = GroupID(raw: Self.rawB)
        XCTAssertEqual(data.trends[b]?.reduce(0, +) ?? 0, 8 * 0.2, accuracy: 1e-9, "the last 8 minutes of B only")
        // The alert marks B's row only.
        let text = ConsoleScreen.render(s, theme: .builtIn).text
        // The keys pane is the left box of its row of panes.
        let keyRows = text.split(separator: "\n").compactMap { $0.components(separatedBy: "││").first }.filter { $0.contains("sk-…abcd") }
        XCTAssertEqual(keyRows.count, 2)
        let marked = keyRows.filter { $0.contains("▲") }
        XCTAssertEqual(marked.count, 1, text)
        XCTAssertTrue(marked.first?.contains("$2.00") ?? false, "B's row ($2.00), not A's ($10.0): \(marked)")
        // And belongs to B's drill, not A's.
        let pathA = [ViewQuery.Filter(.apiKey, id: GroupID(raw: Self.rawA), value: "sk-…abcd")]
        XCTAssertEqual(AlertsTable.table(s.alerts, scope: pathA, order: .pane).rows.count, 0)
    }

    /// Drill levels are the backend's answer: the rollup keeps pairs (two steps), a backend answering any
    /// combination lets a third step through, with no change to the console.
    func testDrillLevelsComeFromTheCapabilities() throws {
        let pairs = Rollup().capabilities
        let f = ViewQuery.Filter(.feature, id: GroupID(raw: "chat"), value: "chat")
        let k = ViewQuery.Filter(.apiKey, id: GroupID(raw: Self.rawA), value: "sk-…abcd")
        XCTAssertTrue(PaneID.canDrill([f], into: .apiKey, pairs))
        XCTAssertFalse(PaneID.canDrill([f, k], into: .model, pairs))
        XCTAssertEqual(PaneID.panes(for: [f, k], pairs), [.table(.model), .table(.feature), .alerts, .gpus])
        XCTAssertTrue(PaneID.canDrill([f, k], into: .model, .unlimited))
        XCTAssertEqual(PaneID.panes(for: [f, k], .unlimited), [.table(.model), .alerts, .gpus])
        XCTAssertFalse(PaneID.canDrill([f], into: .feature, .unlimited), "a dimension already in the path")
        XCTAssertEqual(SnapshotBuilder.effectiveFilters(for: .model, path: [f, k], pairs), [k])
        XCTAssertEqual(SnapshotBuilder.effectiveFilters(for: .model, path: [f, k], .unlimited), [f, k])
    }
}
