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

    /// Postgres as a backend behind the query boundary: its pushdown cells in a `CellQuery` answer the views and
    /// the alert engine as the rollup of the same rows through the `sqlite:` source does, group ids included (both
    /// hash the raw values), so keys that mask alike are told apart the same way on both.
    func testPushdownCellsAnswerTheQueryBoundaryAsTheRollupDoes() throws {
        var maker = SpendLogsRowMaker(seed: 20_261_129)
        let rows = maker.rows(2_000, startMs: day + 9 * 3_600_000, minutes: 120) + (try PostgresFixtures.spendLogRows().map(msPrecision))
        let (_, url) = try postgresDatabase(rows)
        let dir = NSTemporaryDirectory() + "spendtop-parity-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeSQLite(rows, to: dir + "/litellm.db")
        var o = Rollup.Options()
        o.retentionMinutes = nil
        let rollup = Rollup(options: o)
        var lo = LiveIngest.Options()
        lo.follow = false
        let ingest = try LiveIngest(sources: [(.sqlite(path: dir + "/litellm.db", table: nil), SourceSettings())], rollup: rollup,
                                    options: lo)
        ingest.start()
        XCTAssertTrue(ingest.waitUntilIdle(timeout: 60))
        ingest.stop()

        let logs = try PostgresSpendLogs(connection: try PostgresConnection(url: url))
        let groupings = Grouping.console.map { [$0.first, $0.second].compactMap { $0 } }
        let read = try logs.cells(fromMs: day, toMs: day + 86_400_000, groupings: groupings)
        var windows: [[SpendCore.Dimension]: RemoteCellWindow] = [:]
        let minutes = Rollup.floorDiv(day, 60_000)...Rollup.floorDiv(day + 86_400_000, 60_000)
        for g in groupings {
            var w = RemoteCellWindow(dimensions: g)
            w.replace(minutes: minutes, with: read[g] ?? [])
            windows[g] = w
        }
        let pg: SpendQuery = CellQuery(windows: windows)
        let sqlite: SpendQuery = rollup
        XCTAssertEqual(pg.counters.eventsCounted, sqlite.counters.eventsCounted)
        let wall = day + 2 * 86_400_000
        for d in [SpendCore.Dimension.feature, .apiKey, .model, .team, .provider] {
            let q = ViewQuery(groupBy: d, window: .all)
            let a = try pg.rows(q, wallMs: wall).rows, b = try sqlite.rows(q, wallMs: wall).rows
            XCTAssertEqual(Set(a.map(\.id)), Set(b.map(\.id)), "\(d.name): the same group ids")
            let byID = Dictionary(uniqueKeysWithValues: b.map { ($0.id, $0) })
            for r in a {
                guard let w = byID[r.id] else { continue }
                XCTAssertEqual(r.name, w.name)
                assertSame(r.measures, w.measures, histogram: Grouping.by(d).keepsLatency, "\(d.name)=\(r.name)")
            }
        }
        // A drill by one of two keys that mask alike: that key's features only, on both.
        let keys = try sqlite.rows(ViewQuery(groupBy: .apiKey, window: .all), wallMs: wall).rows
        let alike = Dictionary(grouping: keys, by: \.name).values.first { $0.count > 1 }
        let key = try XCTUnwrap(alike?.first, "the rows hold keys that mask alike")
        let drill = ViewQuery(groupBy: .feature, window: .all, filters: [.init(.apiKey, id: key.id, value: key.name)])
        let a = try pg.rows(drill, wallMs: wall), b = try sqlite.rows(drill, wallMs: wall)
        XCTAssertEqual(a.rows.map(\.id).sorted(), b.rows.map(\.id).sorted())
        assertSame(a.total, b.total, histogram: false, "the drilled key")
        XCTAssertEqual(a.total.requests, key.measures.requests)
        // The alert engine, reading only the protocol, finds the same incidents on either backend.
        let rules = try AlertRuleSet.load(config: nil, commandLine: [
            "spend_per_hour>1 window=10m", "api_key=\(key.name):requests>2 window=5m", "model=gpt-4o:error_rate>0.05",
        ])
        var eo = AlertEngine.Options()
        eo.anomalies = false
        let x = AlertEngine(rules: rules, options: eo).replay(pg), y = AlertEngine(rules: rules, options: eo).replay(sqlite)
        XCTAssertGreaterThan(y.count, 0)
        XCTAssertEqual(x.map(\.identity), y.map(\.identity))
        XCTAssertEqual(x.map(\.endedMs), y.map(\.endedMs))
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
