import Foundation
import XCTest
import TestSupport
import SpendCore
@testable import SpendIO

/// `postgres://` and `postgresql://` SOURCEs: parsed, shown without credentials, and in the event
/// feed (until views read them by pushdown) checked and reported as not read there.
final class PostgresSourceSpecTests: XCTestCase {
    func testPostgresURIsParseAndTheirNamesCarryNoCredentials() throws {
        XCTAssertEqual(try SourceSpec(parsing: "postgres://u:pw@db:5432/litellm"), .postgres(url: "postgres://u:pw@db:5432/litellm", table: nil))
        XCTAssertEqual(try SourceSpec(parsing: "postgresql://db/litellm?sslmode=require&table=public.LiteLLM_SpendLogs"),
                       .postgres(url: "postgresql://db/litellm?sslmode=require", table: "public.LiteLLM_SpendLogs"))
        XCTAssertEqual(try SourceSpec(parsing: "POSTGRES://h/d?table=Spend"), .postgres(url: "POSTGRES://h/d", table: "Spend"))
        XCTAssertThrowsError(try SourceSpec(parsing: "postgres://u:hunter2@h/d?table=x;drop")) { e in
            XCTAssertFalse("\(e)".contains("hunter2"), "\(e)")
        }
        let spec = try SourceSpec(parsing: "postgresql://spend:s3cr%40t@h1:5432,h2:5433/litellm?password=other&sslmode=verify-full&table=T")
        XCTAssertEqual(spec.name, "postgresql://spend@h1:5432,h2:5433/litellm?table=T")
        XCTAssertEqual(PostgresURL.redact("postgres://h/db?password=x"), "postgres://h/db")
        XCTAssertEqual(PostgresURL.redact("postgres://:pw@h/db"), "postgres://h/db")
        XCTAssertEqual(Set(PostgresURL.passwords(in: "postgres://u:s3cr%40t@h/d?password=other")), ["s3cr%40t", "s3cr@t", "other"])
    }

    /// A `postgres://` source is read by pushdown (`RemoteFeed`, `RemoteEngine.snapshot`), never as events: the event
    /// feed says so instead of looking healthy and empty; a wrong password is the server's one-line refusal; neither
    /// message carries a password.
    func testTheEventFeedRefusesItAndAWrongPasswordIsTheServersOneLine() throws {
        let pg = try PostgresTestServer.shared()
        let (db, url) = try postgresDatabase(try PostgresFixtures.spendLogRows())
        let good = try SourceSpec(parsing: url + "?table=LiteLLM_SpendLogs")
        var o = LiveIngest.Options()
        o.follow = false
        let ingest = try LiveIngest(sources: [(good, SourceSettings())], rollup: Rollup(), options: o)
        ingest.start()
        XCTAssertTrue(ingest.waitUntilIdle(timeout: 30))
        ingest.stop()
        let s = ingest.sources[0]
        XCTAssertEqual(s.state, .failed)
        XCTAssertTrue(s.lastError?.contains("give it as the only SOURCE") == true, "\(s)")
        XCTAssertEqual(s.stats.events, 0, "rows are never copied")
        XCTAssertFalse(s.name.contains(pg.password) || (s.lastError ?? "").contains(pg.password), "\(s)")

        let wrong = PostgresSpendLogsReader(url: pg.url(db, password: "not-it-\(db)"))
        XCTAssertThrowsError(try RemoteEngine.snapshot(wrong, groupings: [[]], window: .all, atMs: nil, perMinute: false,
                                                      wallMs: 0)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("password authentication failed"), text)
            XCTAssertFalse(text.contains("not-it-") || text.contains(pg.password), text)
        }
        let right = try XCTUnwrap(try RemoteEngine.snapshot(PostgresSpendLogsReader(url: url), groupings: [[]], window: .all,
                                                            atMs: nil, perMinute: false, wallMs: 0))
        XCTAssertEqual(right.counters.eventsCounted, Int64(try PostgresFixtures.spendLogRows().count))
    }

    func testPostgresSettingsFromConfig() throws {
        let s = try PostgresSettings(config: try ConfigLoader.parse("""
            [postgres]
            statement_timeout = "2.5s"
            connect_timeout = 1
            poll_interval = "250ms"
            reread = "90s"
            """))
        XCTAssertEqual(s.statementTimeoutSeconds, 2.5)
        XCTAssertEqual(s.connectTimeoutSeconds, 2)
        XCTAssertEqual(s.pollSeconds, 0.25)
        XCTAssertEqual(s.rereadMinutes, 2)
        XCTAssertEqual(s.connectionOptions.statementTimeoutSeconds, 2.5)
        XCTAssertEqual(try PostgresSettings(config: try ConfigLoader.parse("")), PostgresSettings())
        XCTAssertThrowsError(try PostgresSettings(config: try ConfigLoader.parse("[postgres]\nstatement_timeout = \"0s\"")))
        XCTAssertThrowsError(try PostgresSettings(config: try ConfigLoader.parse("[postgres]\npoll_interval = \"soon\"")))
        var source = SourceSettings()
        source.backoffCapSeconds = 7
        let poll = RemotePoller.Settings(source: source, postgres: s)
        XCTAssertEqual(poll.backoffCapSeconds, 7, "the HTTP sources' backoff")
        XCTAssertEqual(poll.pollSeconds, 0.25)
        XCTAssertEqual(poll.rereadMinutes, 2)
    }
}
