import Foundation
import XCTest
import SpendCore
@testable import SpendIO

/// Same numbers as SQLite: the same rows in a real PostgreSQL and in a SQLite `LiteLLM_SpendLogs`
/// table; the pushdown's per-feature, per-key, per-model (and team, provider, user) totals and
/// per-minute series equal what spendtop computes today from the `sqlite:` source (SQLiteSource →
/// LiveIngest → Rollup), latency buckets included.
final class PostgresSQLiteParityTests: XCTestCase {
    let day: Int64 = 1_795_910_400_000 - 86_400_000  // 2026-11-28T00:00:00Z

    func testPushdownTotalsEqualTheSQLiteSourceOnTheSameRows() throws {
        var maker = SpendLogsRowMaker(seed: 20_261_128)
        let rows = maker.rows(3_000, startMs: day + 9 * 3_600_000, minutes: 90) + (try PostgresFixtures.spendLogRows().map(msPrecision))
        let (_, url) = try postgresDatabase(rows)
        let dir = NSTemporaryDirectory() + "spendtop-parity-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sqlitePath = dir + "/litellm.db"
        try writeSQLite(rows, to: sqlitePath)

        var o = Rollup.Options()
        o.retentionMinutes = nil
        o.groupings = Grouping.console + [.by(.user)]
        let rollup = Rollup(options: o)
        var lo = LiveIngest.Options()
        lo.follow = false
        let ingest = try LiveIngest(sources: [(.sqlite(path: sqlitePath, table: nil), SourceSettings())], rollup: rollup, options: lo)
        ingest.start()
        XCTAssertTrue(ingest.waitUntilIdle(timeout: 60))
        ingest.stop()
        XCTAssertEqual(ingest.sources[0].stats.events, Int64(rows.count))
        XCTAssertEqual(ingest.sources[0].stats.rejected, 0)

        let logs = try PostgresSpendLogs(connection: try PostgresConnection(url: url))
        let wall = day + 2 * 86_400_000
        for d in [Dimension.feature, .apiKey, .model, .team, .provider, .user] {
            let cells = try logs.cells(fromMs: day, toMs: day + 86_400_000, dimensions: [d])
            let pg = byName(cells)
            let sqlite = try rollup.rows(ViewQuery(groupBy: d, window: .all), wallMs: wall).rows
            var want: [String: Measures] = [:]
            var idsPerName: [String: Int] = [:]
            for r in sqlite {
                want[r.name, default: Measures()].merge(r.measures)
                idsPerName[r.name, default: 0] += 1
            }
            XCTAssertEqual(Set(pg.keys), Set(want.keys), d.name)
            XCTAssertGreaterThan(want.count, 2, d.name)
            for (name, m) in want {
                guard let got = pg[name] else { continue }
                assertSame(got, m, histogram: Grouping.by(d).keepsLatency, "\(d.name)=\(name)")
            }
            // Values that display alike (keys masking to `…abcd`) are as many groups on both sides.
            var pgIDs: [String: Set<UInt64>] = [:]
            for c in cells { pgIDs[c.values[0].name, default: []].insert(c.values[0].id) }
            for (name, n) in idsPerName { XCTAssertEqual(pgIDs[name]?.count, n, "\(d.name)=\(name) distinct values") }
        }
        XCTAssertGreaterThan(Set(try logs.cells(fromMs: day, toMs: day + 86_400_000, dimensions: [.apiKey])
            .filter { $0.values[0].name == "…abcd" }.map(\.values[0].id)).count, 1, "the data holds keys that mask alike")

        // Pairs and the fleet's per-minute series.
        let pairs = try logs.cells(fromMs: day, toMs: day + 86_400_000, dimensions: [.feature, .model], perMinute: false)
        let want = try rollup.rows(ViewQuery(groupBy: .feature, window: .all, filters: [.init(.model, "gpt-4o")]), wallMs: wall).rows
        for w in want {
            var got = Measures()
            for c in pairs where c.values[0].name == w.name && c.values[1].name == "gpt-4o" { got.merge(c.measures) }
            assertSame(got, w.measures, histogram: false, "feature=\(w.name)×model=gpt-4o")
        }
        let series = try logs.cells(fromMs: day, toMs: day + 86_400_000, dimensions: [])
        let sqliteSeries = try rollup.series(ViewQuery(groupBy: nil, window: .all), wallMs: wall).filter { $0.measures.requests > 0 }
        XCTAssertEqual(series.map(\.minute).sorted(), sqliteSeries.map { $0.minuteStartMs / 60_000 })
        let byMinute = Dictionary(uniqueKeysWithValues: series.map { ($0.minute, $0.measures) })
        for p in sqliteSeries {
            assertSame(try XCTUnwrap(byMinute[p.minuteStartMs / 60_000]), p.measures, histogram: true, "minute \(p.minuteStartMs)")
        }
    }

    /// Times cut to milliseconds, as PostgreSQL's timestamp(3) holds them (the file has microseconds).
    func msPrecision(_ row: [String: Any]) -> [String: Any] {
        var r = row
        for k in ["startTime", "endTime", "completionStartTime"] {
            if let s = row[k] as? String, let ms = Timestamp.parseRFC3339(s) { r[k] = SpendLogsRowMaker.iso(ms) }
        }
        return r
    }

    /// The rows as SQLite holds LiteLLM_SpendLogs: JSON columns as text, times as ISO text.
    func writeSQLite(_ rows: [[String: Any]], to path: String) throws {
        let db = try SQLiteDatabase(path: path, readOnly: false)
        let columns = LiteLLMSchema.spendLogsColumns
        try db.execute("CREATE TABLE \"LiteLLM_SpendLogs\" (" + columns.map { "\"\($0)\"" }.joined(separator: ", ") + ")")
        try db.execute("BEGIN")
        let insert = try db.prepare("INSERT INTO \"LiteLLM_SpendLogs\" VALUES (" + columns.map { _ in "?" }.joined(separator: ", ") + ")")
        for row in rows {
            for (i, c) in columns.enumerated() {
                let at = Int32(i + 1)
                var v: Any? = row[c]
                if v == nil, let d = PostgresTestServer.defaults[c] { v = c == "spend" || c.hasSuffix("tokens") ? Double(d) : d }
                switch v {
                case nil, is NSNull: insert.bind(at, nil as String?)
                case let s as String: insert.bind(at, s)
                case let n as Int: insert.bind(at, Int64(n))
                case let d as Double: insert.bind(at, d)
                case let n as NSNumber: insert.bind(at, n.doubleValue)
                default:
                    let data = try JSONSerialization.data(withJSONObject: v!, options: [.fragmentsAllowed])
                    insert.bind(at, String(decoding: data, as: UTF8.self))
                }
            }
            try insert.run()
            insert.reset()
        }
        try db.execute("COMMIT")
    }
}
