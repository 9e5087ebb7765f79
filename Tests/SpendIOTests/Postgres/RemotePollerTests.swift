import Foundation
import XCTest
import TestSupport
import SpendCore
@testable import SpendIO

/// Live polling against a real PostgreSQL: new rows appear, late rows replace their minute,
/// a killed session reconnects, server errors show as the source's error and clear, history
/// tables show their own last window, and a session never writes.
final class RemotePollerTests: XCTestCase {
    let day: Int64 = 1_795_910_400_000 - 86_400_000  // 2026-11-28T00:00:00Z
    var pollers: [RemotePoller] = []

    override func tearDown() {
        for p in pollers { p.stop() }
        pollers = []
    }

    /// A clock the test moves.
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var ms: Int64
        init(_ ms: Int64) { self.ms = ms }
        var now: Int64 { lock.lock(); defer { lock.unlock() }; return ms }
        func advance(_ d: Int64) { lock.lock(); ms += d; lock.unlock() }
    }

    func row(_ id: String, at ms: Int64, spend: Double = 1, feature: String = "f") -> [String: Any] {
        ["request_id": id, "startTime": SpendLogsRowMaker.iso(ms), "endTime": SpendLogsRowMaker.iso(ms + 20), "spend": spend,
         "model": "gpt-4o", "request_tags": ["feature:\(feature)"], "metadata": ["user_api_key_alias": "ci"]]
    }

    func poller(_ url: String, clock: Clock? = nil, follow: Bool = true, groupings: [[SpendCore.Dimension]] = [[], [.feature]],
                settings: PostgresSettings = PostgresSettings()) -> RemotePoller {
        var s = RemotePoller.Settings()
        s.pollSeconds = 0.05
        s.rereadMinutes = 5
        s.backoffBaseSeconds = 0.05
        s.backoffCapSeconds = 0.2
        s.follow = follow
        let wall: @Sendable () -> Int64
        if let clock { wall = { clock.now } } else { wall = { Int64(Date().timeIntervalSince1970 * 1000) } }
        let p = RemotePoller(name: PostgresURL.redact(url), reader: PostgresSpendLogsReader(url: url, settings: settings),
                             groupings: groupings, settings: s, wallClock: wall)
        pollers.append(p)
        return p
    }

    func total(_ p: RemotePoller, minute: Int64? = nil) -> Measures {
        p.read { w in
            var m = Measures()
            let cells = w[[]]!.minutes
            for (k, groups) in cells where minute == nil || k == minute! { for g in groups.values { m.merge(g) } }
            return m
        }
    }

    /// Polls until a condition on the cells holds (each poll wakes the wait).
    func waitForCells(_ p: RemotePoller, timeout: Double = 20, _ ok: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if ok() { return true }
            p.waitForPolls(moreThan: p.polls, timeout: 1)
        }
        return ok()
    }

    func testNewRowsShowAndLateRowsReplaceTheirMinuteInsteadOfAdding() throws {
        let now = day + 10 * 3_600_000 + 30_000  // 10:00:30
        let clock = Clock(now)
        let m = Rollup.floorDiv(now, 60_000)
        let (db, url) = try postgresDatabase([row("a", at: (m - 3) * 60_000 + 5), row("b", at: (m - 2) * 60_000 + 5)])
        let pg = try PostgresTestServer.shared()
        let p = poller(url, clock: clock)
        p.start()
        XCTAssertTrue(p.waitForPolls(moreThan: 0, timeout: 20), "\(p.status)")
        XCTAssertEqual(p.status.state, .live)
        XCTAssertEqual(total(p).requests, 2)
        XCTAssertEqual(p.currentMinute, m)

        // A late row in a minute already shown, and one in the current minute.
        try pg.copy([row("late", at: (m - 2) * 60_000 + 50_000, spend: 10), row("c", at: m * 60_000 + 40_000, spend: 100)], into: db)
        XCTAssertTrue(waitForCells(p) { total(p).requests == 4 }, "\(total(p).requests)")
        XCTAssertEqual(total(p, minute: m - 2).requests, 2)
        XCTAssertEqual(total(p, minute: m - 2).spend, 11)
        // Polls keep re-reading those minutes: still counted once each, however many polls ran.
        let after = p.polls
        XCTAssertTrue(p.waitForPolls(moreThan: after + 3, timeout: 20))
        XCTAssertEqual(total(p).requests, 4)
        XCTAssertEqual(total(p).spend, 112)
        XCTAssertEqual(p.read { $0[[.feature]]!.sum(fromMinute: m - 10, toMinute: m).values.reduce(0) { $0 + $1.requests } }, 4)

        // The clock moves on two minutes; a row there shows; a late one in the re-read span too.
        clock.advance(120_000)
        try pg.copy([row("d", at: (m + 2) * 60_000 + 1), row("late2", at: (m - 1) * 60_000 + 1)], into: db)
        XCTAssertTrue(waitForCells(p) { total(p).requests == 6 }, "\(total(p).requests)")
        XCTAssertEqual(p.currentMinute, m + 2)
        // A row deleted upstream (LiteLLM's retention job) disappears from the minutes re-read.
        try pg.psql("DELETE FROM \"LiteLLM_SpendLogs\" WHERE request_id = 'd'", db: db)
        XCTAssertTrue(waitForCells(p) { total(p).requests == 5 }, "\(total(p).requests)")
    }

    func testAKilledSessionReconnectsAndAServerErrorShowsThenClears() throws {
        let now = day + 10 * 3_600_000
        let clock = Clock(now)
        let m = Rollup.floorDiv(now, 60_000)
        let (db, url) = try postgresDatabase([row("a", at: (m - 1) * 60_000)])
        let pg = try PostgresTestServer.shared()
        var settings = PostgresSettings()
        settings.statementTimeoutSeconds = 0.3
        let p = poller(url, clock: clock, settings: settings)
        p.start()
        XCTAssertTrue(p.waitForPolls(moreThan: 0, timeout: 20), "\(p.status)")

        // The server ends the session (a restart, a failover, an idle-session killer). The error shows until the
        // next poll reconnects, maybe only for a few ms: it is looked for among the changes since the kill.
        let mark = p.statusMark
        let killed = try pg.psql("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                 + " WHERE application_name = 'spendtop' AND datname = '\(db)') AS k")
        XCTAssertEqual(killed.trimmingCharacters(in: .whitespacesAndNewlines), "1", "the poller's one session")
        let failed = p.firstStatus(since: mark, timeout: 20) { $0.lastError != nil }
        let error = try XCTUnwrap(failed?.lastError, "\(p.status)")
        XCTAssertFalse(error.contains(pg.password), error)
        try pg.copy([row("b", at: m * 60_000)], into: db)
        XCTAssertTrue(waitForCells(p) { total(p).requests == 2 && p.status.state == .live }, "\(p.status)")
        XCTAssertNil(p.status.lastError)

        // A statement the server cancels (a lock held past statement_timeout): the error is shown, polling goes on.
        let locker = try HeldLock(pg, db: db)
        XCTAssertTrue(p.waitForStatus(timeout: 20) { $0.lastError?.contains("statement timeout") == true }, "\(p.status)")
        if case .retrying = p.status.state {} else { XCTFail("\(p.status.state)") }
        XCTAssertEqual(total(p).requests, 2, "what was shown stays")
        locker.release()
        try pg.copy([row("c", at: m * 60_000 + 1)], into: db)
        XCTAssertTrue(waitForCells(p) { total(p).requests == 3 && p.status.lastError == nil }, "\(p.status)")
    }

    /// The real reader, recording the windows asked of it.
    final class RecordingReader: RemoteCellReading {
        let inner: PostgresSpendLogsReader
        var ranges: [(Int64, Int64)] = []
        let lock = NSLock()
        init(_ inner: PostgresSpendLogsReader) { self.inner = inner }
        func connect() throws { try inner.connect() }
        func disconnect() { inner.disconnect() }
        func extent() throws -> (oldestMs: Int64, newestMs: Int64)? { try inner.extent() }
        func cells(fromMs: Int64, toMs: Int64, dimensions: [SpendCore.Dimension]) throws -> [RemoteCell] {
            if dimensions.isEmpty { lock.lock(); ranges.append((fromMs / 60_000, toMs / 60_000 - 1)); lock.unlock() }
            return try inner.cells(fromMs: fromMs, toMs: toMs, dimensions: dimensions)
        }
        func consistently<T>(_ body: () throws -> T) throws -> T { try inner.consistently(body) }
        func isConnectionLost(_ error: Error) -> Bool { inner.isConnectionLost(error) }
    }

    /// The first read is the newest minutes only; the rest of the 24 h window follows newest first,
    /// one chunk per aggregate, contiguous, until the window is read; then only live polls.
    func testTheWindowIsReadNewestFirstInChunks() throws {
        let now = day + 20 * 3_600_000
        let m = Rollup.floorDiv(now, 60_000)
        let rows = [row("new", at: (m - 1) * 60_000), row("mid", at: (m - 200) * 60_000), row("old", at: (m - 1400) * 60_000),
                    row("gone", at: (m - 1500) * 60_000)]
        let (_, url) = try postgresDatabase(rows)
        let reader = RecordingReader(PostgresSpendLogsReader(url: url))
        var s = RemotePoller.Settings()
        s.pollSeconds = 0.05
        s.backfillChunkMinutes = 300
        let p = RemotePoller(name: "pg", reader: reader, groupings: [[], [.feature]], settings: s, wallClock: { now })
        pollers.append(p)
        p.start()
        XCTAssertTrue(waitForCells(p) { p.isWindowRead && p.polls > 6 }, "\(p.status)")
        XCTAssertEqual(total(p).requests, 3, "the row older than 24 h is outside the window")
        reader.lock.lock()
        let ranges = reader.ranges
        reader.lock.unlock()
        XCTAssertEqual(ranges.first?.0, m - 4)
        XCTAssertEqual(ranges.first?.1, m)
        // Backfill chunks: every other read, each ≤ 300 minutes, going back contiguously to the window's start.
        var expectedEnd = m - 5
        var chunks = 0
        for r in ranges.dropFirst() where r.1 < m - 5 || r.0 < m - 10 {
            XCTAssertEqual(r.1, expectedEnd)
            XCTAssertLessThanOrEqual(r.1 - r.0 + 1, 300)
            expectedEnd = r.0 - 1
            chunks += 1
        }
        XCTAssertEqual(expectedEnd, m - 24 * 60, "read back to the window's first minute")
        XCTAssertEqual(chunks, 5)
    }

    /// A role with no SELECT on the table: "permission denied" is the source's error; once granted,
    /// the same session reads. SELECT (and CONNECT) is all spendtop needs.
    func testPermissionIsReportedAndSelectAloneSuffices() throws {
        let now = day + 10 * 3_600_000
        let (db, _) = try postgresDatabase([row("a", at: now - 60_000)])
        let pg = try PostgresTestServer.shared()
        let role = "reader_\(db)"
        try pg.psql("CREATE ROLE \(role) LOGIN PASSWORD 'r-pw'; REVOKE ALL ON DATABASE \(db) FROM PUBLIC; "
                    + "GRANT CONNECT ON DATABASE \(db) TO \(role);", db: db)
        let url = pg.url(db, user: role, password: "r-pw")
        let p = poller(url, clock: Clock(now))
        p.start()
        XCTAssertTrue(p.waitForStatus(timeout: 20) { $0.lastError?.contains("permission denied") == true }, "\(p.status)")
        XCTAssertFalse(try XCTUnwrap(p.status.lastError).contains("r-pw"))
        try pg.psql("GRANT SELECT ON \"LiteLLM_SpendLogs\" TO \(role)", db: db)
        XCTAssertTrue(waitForCells(p) { total(p).requests == 1 }, "\(p.status)")
        XCTAssertEqual(p.status.state, .live)
    }

    /// A table whose rows are days old shows its own last 24 h (like a replayed file); a read that
    /// does not follow ends; a server that is not there fails after the finite attempts.
    func testHistoryShowsItsOwnWindowAndFiniteReadsEndOrFail() throws {
        let old = day - 3 * 86_400_000 + 3_600_000
        let (_, url) = try postgresDatabase([row("a", at: old), row("b", at: old - 2 * 86_400_000)])
        let p = poller(url, clock: Clock(day + 12 * 3_600_000), follow: false)
        p.start()
        XCTAssertTrue(p.waitForStatus(timeout: 20) { $0.state == .ended }, "\(p.status)")
        XCTAssertEqual(p.currentMinute, Rollup.floorDiv(old, 60_000))
        XCTAssertEqual(total(p).requests, 1, "only the last 24 h of the data")

        let closed = try PostgresTestServer.freePort()
        let gone = poller("postgres://u:pw-gone@127.0.0.1:\(closed)/x", follow: false)
        gone.start()
        XCTAssertTrue(gone.waitForStatus(timeout: 30) { $0.state == .failed }, "\(gone.status)")
        XCTAssertTrue(gone.status.lastError?.contains("Connection refused") == true, "\(gone.status)")
        XCTAssertFalse(try XCTUnwrap(gone.status.lastError).contains("pw-gone"))
    }

    /// A whole session (polls of every grouping, the extent, filters, daily budgets) leaves the table
    /// exactly as it was: same row count, same md5 of every row.
    func testASessionNeverWritesTheTable() throws {
        var maker = SpendLogsRowMaker(seed: 99)
        let now = day + 10 * 3_600_000
        let (db, url) = try postgresDatabase(maker.rows(400, startMs: now - 30 * 60_000, minutes: 30))
        let pg = try PostgresTestServer.shared()
        try pg.psql("""
            INSERT INTO "LiteLLM_DailyUserSpend" (id, user_id, date, api_key, model, spend, api_requests, updated_at)
            VALUES ('1', 'u', '2026-11-28', 'k', 'm', 1.5, 3, now())
            """, db: db)
        let before = try pg.fingerprint(db)
        let dailyBefore = try pg.fingerprint(db, table: "LiteLLM_DailyUserSpend")
        let stats = "SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables WHERE relname = 'LiteLLM_SpendLogs'"
        let writesBefore = try pg.psql(stats, db: db)
        let p = poller(url, clock: Clock(now), groupings: [[], [.feature], [.apiKey], [.model], [.team], [.provider],
                                                            [.feature, .apiKey], [.feature, .model], [.apiKey, .model]])
        p.start()
        XCTAssertTrue(p.waitForPolls(moreThan: 3, timeout: 30), "\(p.status)")
        p.stop()
        let logs = try PostgresSpendLogs(connection: try PostgresConnection(url: url))
        _ = try logs.dailySpend(year: 2026, month: 11)
        _ = try logs.cells(fromMs: 0, toMs: now + 86_400_000, dimensions: [.user], filters: [.init(.feature, ids: [0])])
        XCTAssertEqual(try pg.fingerprint(db), before)
        XCTAssertEqual(try pg.fingerprint(db, table: "LiteLLM_DailyUserSpend"), dailyBefore)
        XCTAssertEqual(try pg.psql(stats, db: db), writesBefore)
        XCTAssertTrue(before.hasPrefix("400:"), before)
    }

    /// Monthly budgets from LiteLLM_Daily*Spend: spend per day of one month, for everyone or one team/tag.
    func testDailySpendPerMonthFromTheDailyTables() throws {
        let (db, url) = try postgresDatabase([])
        let pg = try PostgresTestServer.shared()
        try pg.psql("""
            INSERT INTO "LiteLLM_DailyUserSpend" (id, user_id, date, api_key, model, custom_llm_provider, prompt_tokens,
              completion_tokens, cache_read_input_tokens, spend, api_requests, successful_requests, failed_requests, updated_at) VALUES
              ('1', 'u1', '2026-11-01', 'k1', 'gpt-4o', 'openai', 100, 10, 5, 1.25, 3, 2, 1, now()),
              ('2', NULL, '2026-11-01', 'k2', 'gpt-4o', 'openai', 50, 5, 0, 0.75, 1, 1, 0, now()),
              ('3', 'u1', '2026-11-30', 'k1', 'o4-mini', 'openai', 7, 1, 0, 2, 2, 2, 0, now()),
              ('4', 'u1', '2026-10-31', 'k1', 'gpt-4o', 'openai', 1, 1, 0, 99, 1, 1, 0, now()),
              ('5', 'u1', '2026-12-01', 'k1', 'gpt-4o', 'openai', 1, 1, 0, 99, 1, 1, 0, now());
            INSERT INTO "LiteLLM_DailyTeamSpend" (id, team_id, date, api_key, model, spend, api_requests, updated_at) VALUES
              ('1', 'team-a', '2026-11-02', 'k1', 'gpt-4o', 4, 4, now()), ('2', 'team-b', '2026-11-02', 'k2', 'gpt-4o', 8, 1, now());
            """, db: db)
        let logs = try PostgresSpendLogs(connection: try PostgresConnection(url: url))
        let nov = try XCTUnwrap(try logs.dailySpend(year: 2026, month: 11))
        XCTAssertEqual(nov.map(\.date), ["2026-11-01", "2026-11-30"])
        XCTAssertEqual(nov[0].spend, 2)
        XCTAssertEqual(nov[0].requests, 4)
        XCTAssertEqual(nov[0].successfulRequests, 3)
        XCTAssertEqual(nov[0].failedRequests, 1)
        XCTAssertEqual(nov[0].promptTokens, 150)
        XCTAssertEqual(nov[0].cacheReadTokens, 5)
        XCTAssertEqual(nov.reduce(0) { $0 + $1.spend }, 4)
        XCTAssertEqual(try logs.dailySpend(year: 2026, month: 12)?.map(\.spend), [99])
        let teamA = try XCTUnwrap(try logs.dailySpend(year: 2026, month: 11, table: .team, entity: "team-a"))
        XCTAssertEqual(teamA.map(\.spend), [4])
        XCTAssertEqual(try logs.dailySpend(year: 2026, month: 11, table: .team)?.map(\.spend), [12])
        XCTAssertNil(try logs.dailySpend(year: 2026, month: 11, table: .agent), "no such table in this LiteLLM")
    }
}

/// A psql session holding an ACCESS EXCLUSIVE lock on the spend logs until `release()`.
final class HeldLock {
    let process = Process()
    let input = Pipe()

    init(_ pg: PostgresTestServer, db: String) throws {
        process.executableURL = URL(fileURLWithPath: pg.bin + "/psql")
        process.arguments = ["-X", "-q", "-At", "-d", pg.url(db)]
        let out = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data("BEGIN; LOCK TABLE \"LiteLLM_SpendLogs\" IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n".utf8))
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("locked") {
            let b = out.fileHandleForReading.availableData
            if b.isEmpty { throw PostgresTestServer.Failure("psql ended before taking the lock") }
            seen.append(b)
        }
    }

    func release() {
        input.fileHandleForWriting.write(Data("COMMIT;\n".utf8))
        input.fileHandleForWriting.closeFile()
        process.waitUntilExit()
    }

    deinit { if process.isRunning { process.terminate() } }
}
