import Foundation
import XCTest
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

    func testInTheEventFeedASourceIsCheckedAndSaysWhyItShowsNothing() throws {
        let pg = try PostgresTestServer.shared()
        let (db, url) = try postgresDatabase(try PostgresFixtures.spendLogRows())
        let good = try SourceSpec(parsing: url + "?table=LiteLLM_SpendLogs")
        let wrongPassword = try SourceSpec(parsing: pg.url(db, password: "not-it-\(db)"))
        var o = LiveIngest.Options()
        o.follow = false
        let ingest = try LiveIngest(sources: [(good, SourceSettings()), (wrongPassword, SourceSettings())],
                                    rollup: Rollup(), options: o)
        ingest.start()
        XCTAssertTrue(ingest.waitUntilIdle(timeout: 30))
        ingest.stop()
        let s = ingest.sources
        XCTAssertEqual(s[0].state, .failed)
        XCTAssertTrue(s[0].lastError?.contains("connected to LiteLLM_SpendLogs") == true, "\(s[0])")
        XCTAssertEqual(s[0].stats.events, 0, "rows are never copied")
        XCTAssertEqual(s[1].state, .failed)
        XCTAssertTrue(s[1].lastError?.contains("password authentication failed") == true, "\(s[1])")
        for status in s {
            XCTAssertFalse(status.name.contains(pg.password) || (status.lastError ?? "").contains(pg.password), "\(status)")
            XCTAssertFalse((status.lastError ?? "").contains("not-it-"), "\(status)")
        }
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
