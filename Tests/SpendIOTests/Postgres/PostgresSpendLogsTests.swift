import Foundation
import XCTest
import SpendCore
@testable import SpendIO

/// Pushdown against a real PostgreSQL holding LiteLLM's table: the aggregate's numbers, its
/// cells, filters by id, latency buckets, older schemas, and that only aggregates are ever sent.
final class PostgresSpendLogsTests: XCTestCase {
    let day: Int64 = 1_795_910_400_000 - 86_400_000  // 2026-11-28T00:00:00Z

    /// The four real rows (LiteLLM's proxy built them): the fixture's known sums, per dimension the
    /// importer's numbers, metadata alias over the hashed key, cache tokens from metadata.
    func testFixtureRowsAggregateToTheImporterNumbers() throws {
        let rows = try PostgresFixtures.spendLogRows()
        let (_, url) = try postgresDatabase(rows)
        let logs = try PostgresSpendLogs(connection: try PostgresConnection(url: url))
        let total = try logs.cells(fromMs: day, toMs: day + 86_400_000, dimensions: [], perMinute: false)
        XCTAssertEqual(total.count, 1)
        let t = try XCTUnwrap(total.first).measures
        // python3 over the file: sum(spend) = 0.318102575, prompt 310672, completion 5002
        XCTAssertEqual(t.spend, 0.318102575, accuracy: 1e-12)
        XCTAssertEqual(t.requests, 4)
        XCTAssertEqual(t.inputTokens, 310_672)
        XCTAssertEqual(t.outputTokens, 5002)
        XCTAssertEqual(t.cacheReadTokens, 111_337)
        XCTAssertEqual(t.cacheWriteTokens, 123)
        XCTAssertEqual(t.reasoningTokens, 1367)
        XCTAssertEqual(t.errors, 0)
        XCTAssertEqual(t.latency.total, 4)

        let importer = try importerRollup(rows)
        for d in [Dimension.feature, .apiKey, .model, .team, .provider, .user] {
            let pg = byName(try logs.cells(fromMs: day, toMs: day + 86_400_000, dimensions: [d]))
            let want = try importer.rows(ViewQuery(groupBy: d, window: .all), wallMs: day + 86_400_000).rows
            XCTAssertEqual(Set(pg.keys), Set(want.map(\.name)), d.name)
            for w in want {
                // Postgres holds milliseconds (timestamp(3)); the file microseconds: latencies differ by < 1 ms.
                var m = try XCTUnwrap(pg[w.name], "\(d.name) \(w.name)")
                XCTAssertEqual(m.latencySumMs, w.measures.latencySumMs, accuracy: 2 * Double(w.measures.requests))
                m.latencySumMs = w.measures.latencySumMs
                assertSame(m, w.measures, histogram: false, "\(d.name)=\(w.name)")
            }
        }
        let keys = byName(try logs.cells(fromMs: day, toMs: day + 86_400_000, dimensions: [.apiKey]))
        XCTAssertEqual(keys["ci"]?.requests, 1)  // the alias from metadata, not the SHA-256 column
        XCTAssertEqual(keys["prod-web"]?.requests, 2)
        XCTAssertFalse(keys.keys.contains { $0.count > 24 }, "\(keys.keys)")
    }

    /// One aggregate per grouping, `GROUP BY date_trunc('minute', "startTime")`; the server's own
    /// statement log shows that spendtop's session sent nothing but catalog reads, settings and
    /// aggregates, and that it got back fewer rows than the table has.
    func testOnlyAggregatesAreSentAndTheServerLogShowsIt() throws {
        var maker = SpendLogsRowMaker(seed: 7)
        let rows = maker.rows(600, startMs: day + 3_600_000, minutes: 5)
        let (db, url) = try postgresDatabase(rows)
        let pg = try PostgresTestServer.shared()
        let logStart = (try? FileManager.default.attributesOfItem(atPath: pg.logPath)[.size] as? Int) ?? 0
        let logs = try PostgresSpendLogs(connection: try PostgresConnection(url: url))
        var returned = 0
        for dims in [[Dimension.feature], [.apiKey], [.model], [.feature, .apiKey], []] {
            let cells = try logs.cells(fromMs: day, toMs: day + 86_400_000, dimensions: dims)
            returned += cells.count
            XCTAssertEqual(cells.reduce(0) { $0 + $1.measures.requests }, 600, "\(dims)")
            let sql = logs.lastSQL
            XCTAssertTrue(sql.contains("date_trunc('minute', s.\"startTime\")"), sql)
            XCTAssertTrue(sql.contains("GROUP BY minute_t"), sql)
            XCTAssertFalse(sql.contains("SELECT *"), sql)
            XCTAssertFalse(sql.contains("\"messages\"") || sql.contains("\"response\"") || sql.contains("proxy_server_request"), sql)
            for column in try columnsNamed(in: sql) {
                XCTAssertTrue(SpendLogsSchema.readable.contains(column), "reads \(column)")
            }
        }
        _ = try logs.cells(fromMs: day, toMs: day + 86_400_000, dimensions: [.model], perMinute: false)
        XCTAssertTrue(logs.lastSQL.contains("GROUP BY d0"), logs.lastSQL)
        XCTAssertLessThan(returned, 5 * 600)

        // The server's statement log (log_statement = all), from this test's database only.
        let log = try String(contentsOfFile: pg.logPath, encoding: .utf8)
        let mine = log.dropFirst(logStart).components(separatedBy: "\n2026-").filter {
            $0.contains("app=spendtop ") && $0.contains("db=\(db) ") && ($0.contains("statement: ") || $0.contains("execute <unnamed>: "))
        }
        XCTAssertGreaterThanOrEqual(mine.count, 7, log.suffix(3000).description)
        for entry in mine {
            let statement = entry.components(separatedBy: ": ").dropFirst(2).joined(separator: ": ")
            let isSetting = statement.hasPrefix("SET ")
            let isCatalog = statement.contains("FROM pg_attribute")
            let isAggregate = statement.contains("GROUP BY") || statement.contains("count(*)")
            XCTAssertTrue(isSetting || isCatalog || isAggregate, "not an aggregate: \(statement.prefix(300))")
            XCTAssertFalse(statement.contains("SELECT *") || statement.contains("s.*"), String(statement.prefix(300)))
        }
    }

    /// The quoted column names a statement reads from the table (`s."name"`).
    func columnsNamed(in sql: String) throws -> Set<String> {
        let re = try NSRegularExpression(pattern: #"s\."([A-Za-z_]+)""#)
        let ns = sql as NSString
        return Set(re.matches(in: sql, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) })
    }

    /// Per-minute cells carry the right minute; filters take ids (two keys that mask alike are two
    /// ids and filter separately), `(none)` included; unknown ids match nothing.
    func testCellsPerMinuteAndFiltersByIdKeepMaskedAlikeKeysApart() throws {
        let keyA = String(repeating: "a", count: 60) + "abcd", keyB = String(repeating: "b", count: 60) + "abcd"
        func row(_ id: String, _ key: String, _ minute: Int64, _ spend: Double, tags: Any = ["feature:f1"]) -> [String: Any] {
            let start = day + minute * 60_000 + 59_999  // the last millisecond of the minute
            return ["request_id": id, "api_key": key, "spend": spend, "startTime": SpendLogsRowMaker.iso(start),
                    "endTime": SpendLogsRowMaker.iso(start + 10), "model": "gpt-4o", "request_tags": tags, "metadata": [:] as [String: Any]]
        }
        let rows = [row("1", keyA, 0, 1), row("2", keyB, 0, 2), row("3", keyA, 1, 4), row("4", keyB, 2, 8, tags: [] as [Any]),
                    row("5", "", 2, 16)]
        let (_, url) = try postgresDatabase(rows)
        let logs = try PostgresSpendLogs(connection: try PostgresConnection(url: url))
        let cells = try logs.cells(fromMs: day, toMs: day + 3_600_000, dimensions: [.apiKey])
        let minute0 = day / 60_000
        XCTAssertEqual(Set(cells.map(\.minute)), [minute0, minute0 + 1, minute0 + 2])
        let masked = cells.filter { $0.values[0].name == "…abcd" }
        XCTAssertEqual(Set(masked.map(\.values[0].id)).count, 2, "two keys, one masked name")
        let ids = logs.ids(.apiKey, named: "…abcd")
        XCTAssertEqual(ids.count, 2)
        let idA = try XCTUnwrap(cells.first { $0.measures.spend == 1 }?.values[0].id)
        let onlyA = try logs.cells(fromMs: day, toMs: day + 3_600_000, dimensions: [.feature],
                                   filters: [.init(.apiKey, ids: [idA])])
        XCTAssertEqual(onlyA.reduce(0) { $0 + $1.measures.spend }, 5)
        XCTAssertEqual(onlyA.first?.values[0].name, "f1")
        XCTAssertFalse(logs.lastSQL.contains(keyA), "values are parameters, never spliced")
        let none = try logs.cells(fromMs: day, toMs: day + 3_600_000, dimensions: [], filters: [.init(.apiKey, ids: [0])])
        XCTAssertEqual(none.reduce(0) { $0 + $1.measures.spend }, 16)
        let noFeature = try logs.cells(fromMs: day, toMs: day + 3_600_000, dimensions: [.apiKey], filters: [.init(.feature, ids: [0])])
        XCTAssertEqual(noFeature.map(\.measures.spend), [8])
        let unknown = try logs.cells(fromMs: day, toMs: day + 3_600_000, dimensions: [], filters: [.init(.apiKey, ids: [12345])])
        XCTAssertTrue(unknown.isEmpty)
        // The window is half-open and honoured to the millisecond.
        let firstMinute = try logs.cells(fromMs: day, toMs: day + 59_999, dimensions: [])
        XCTAssertTrue(firstMinute.isEmpty)
        let upTo = try logs.cells(fromMs: day, toMs: day + 60_000, dimensions: [])
        XCTAssertEqual(upTo.reduce(0) { $0 + $1.measures.spend }, 3)
        let extent = try XCTUnwrap(try logs.extent())
        XCTAssertEqual(extent.oldestMs, day + 59_999)
        XCTAssertEqual(extent.newestMs, day + 2 * 60_000 + 59_999)
    }

    /// Bucket counts computed in SQL are the ones `LatencyHistogram.record` makes, at every bucket
    /// edge and just below it, from the timestamps or from `request_duration_ms`.
    func testLatencyBucketsInSQLAreTheHistogramsBuckets() throws {
        var latencies: [Int64] = [0, 1, 2, 3, 5, 7, 10, 99, 100, 101, 1000, 65_535, 900_000, 3_600_000]
        for b in LatencyHistogram.lowerBounds {
            let edge = Int64(b.rounded(.up))
            latencies += [edge, edge - 1, edge + 1]
        }
        var rows: [[String: Any]] = []
        var want = Measures()
        for (i, l) in latencies.enumerated() {
            let start = day + Int64(i) * 1000
            let useDuration = i % 3 == 0
            rows.append(["request_id": "l\(i)", "startTime": SpendLogsRowMaker.iso(start),
                         "endTime": SpendLogsRowMaker.iso(useDuration ? start - 1 : start + l),
                         "request_duration_ms": Int(l), "spend": 0.001, "model": "m"])
            var e = InternedEvent()
            e.latencyMs = Double(l)
            e.cost = 0.001
            want.add(e)
        }
        let (_, url) = try postgresDatabase(rows)
        let logs = try PostgresSpendLogs(connection: try PostgresConnection(url: url))
        let got = try logs.cells(fromMs: day, toMs: day + 86_400_000, dimensions: [.model], perMinute: false)
        XCTAssertEqual(got.count, 1)
        assertSame(try XCTUnwrap(got.first).measures, want, histogram: true, "latency")
        // Groupings without latency (keys) carry the sum but no histogram, as the rollups do.
        let keys = try logs.cells(fromMs: day, toMs: day + 86_400_000, dimensions: [.apiKey], perMinute: false)
        XCTAssertEqual(keys.first?.measures.latency.total, 0)
        XCTAssertEqual(keys.first?.measures.latencySumMs ?? 0, want.latencySumMs, accuracy: 1e-6)
    }

    /// A table from an older LiteLLM (no request_duration_ms, status, custom_llm_provider, team_id,
    /// metadata or tags) is still read; a table that is not spend logs, or none, is a clear error.
    func testOlderSchemasAreReadAndOtherTablesAreRefused() throws {
        let pg = try PostgresTestServer.shared()
        let db = try pg.makeDatabase(dailyTables: false)
        try pg.psql("""
            CREATE SCHEMA old;
            CREATE TABLE old."LiteLLM_SpendLogs" ("request_id" TEXT PRIMARY KEY, "api_key" TEXT NOT NULL DEFAULT '',
              "spend" DOUBLE PRECISION NOT NULL DEFAULT 0, "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
              "completion_tokens" INTEGER NOT NULL DEFAULT 0, "startTime" TIMESTAMP(3) NOT NULL, "endTime" TIMESTAMP(3) NOT NULL,
              "model" TEXT NOT NULL DEFAULT '');
            INSERT INTO old."LiteLLM_SpendLogs" VALUES ('a', 'k1', 0.5, 10, 2, '2026-11-28 00:00:01', '2026-11-28 00:00:01.250', 'gpt-4o'),
              ('b', 'k1', 'NaN', 5, 1, '2026-11-28 00:00:02', '2026-11-28 00:00:02', 'gpt-4o');
            CREATE TABLE "not_spend" ("startTime" TEXT, "spend" TEXT);
            """, db: db)
        let c = try PostgresConnection(url: pg.url(db))
        let logs = try PostgresSpendLogs(connection: c, table: "old.LiteLLM_SpendLogs")
        let cells = try logs.cells(fromMs: day, toMs: day + 86_400_000, dimensions: [.feature, .provider])
        XCTAssertEqual(cells.count, 1)
        let m = try XCTUnwrap(cells.first).measures
        XCTAssertEqual(m.requests, 2)
        XCTAssertEqual(m.spend, 0.5)
        XCTAssertEqual(m.unpriced, 1, "a spend that is not a finite number is unknown, not $0")
        XCTAssertEqual(m.inputTokens, 15)
        XCTAssertEqual(m.latencySumMs, 250)
        XCTAssertEqual(cells.first?.values, [.none, .none])
        XCTAssertThrowsError(try PostgresSpendLogs(connection: c, table: "not_spend")) { e in
            XCTAssertTrue("\(e)".contains("expected a timestamp"), "\(e)")
        }
        XCTAssertThrowsError(try PostgresSpendLogs(connection: c, table: "nope")) { e in
            XCTAssertTrue("\(e)".contains("no table nope"), "\(e)")
        }
        XCTAssertThrowsError(try PostgresSpendLogs(connection: c, table: "x\"; DROP TABLE y; --")) { e in
            XCTAssertTrue("\(e)".contains("letters, digits"), "\(e)")
        }
    }

    /// All the console's groupings in one scan (GROUPING SETS) answer exactly what one aggregate per
    /// grouping answers, histograms included.
    func testOneScanForEveryGroupingEqualsOneAggregateEach() throws {
        var maker = SpendLogsRowMaker(seed: 3)
        let (_, url) = try postgresDatabase(maker.rows(1_500, startMs: day + 7_200_000, minutes: 20))
        let logs = try PostgresSpendLogs(connection: try PostgresConnection(url: url))
        let groupings: [[SpendCore.Dimension]] = [[], [.feature], [.apiKey], [.model], [.team], [.provider], [.user],
                                        [.feature, .apiKey], [.feature, .model], [.apiKey, .model]]
        let all = try logs.cells(fromMs: day, toMs: day + 86_400_000, groupings: groupings)
        XCTAssertTrue(logs.lastSQL.contains("GROUPING SETS"), logs.lastSQL)
        XCTAssertEqual(Set(all.keys), Set(groupings))
        for g in groupings {
            let one = try logs.cells(fromMs: day, toMs: day + 86_400_000, dimensions: g)
            func key(_ c: RemoteCell) -> String { "\(c.minute)|" + c.values.map { String($0.id) }.joined(separator: "|") }
            let want = Dictionary(uniqueKeysWithValues: one.map { (key($0), $0.measures) })
            let got = Dictionary(uniqueKeysWithValues: all[g]!.map { (key($0), $0.measures) })
            XCTAssertEqual(Set(got.keys), Set(want.keys), "\(g)")
            XCTAssertGreaterThan(want.count, 5, "\(g)")
            for (k, m) in want {
                guard let o = got[k] else { continue }
                assertSame(o, m, histogram: true, "\(g) \(k)")
            }
        }
        XCTAssertEqual(all[[]]?.reduce(0) { $0 + $1.measures.requests }, 1_500)
    }
}
