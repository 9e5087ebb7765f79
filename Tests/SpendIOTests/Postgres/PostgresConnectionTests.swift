import Foundation
import XCTest
import SpendCore
@testable import SpendIO

/// The libpq session against a real server: credentials as libpq finds them, never printed;
/// read-only and bounded sessions; one-line server errors; parameters never spliced.
final class PostgresConnectionTests: XCTestCase {
    func testConnectsWithTheURIPasswordAndEverySessionIsReadOnlyBoundedAndUTC() throws {
        let pg = try PostgresTestServer.shared()
        var o = PostgresConnection.Options()
        o.statementTimeoutSeconds = 7.5
        let c = try PostgresConnection(url: pg.url(), options: o)
        XCTAssertGreaterThanOrEqual(c.serverVersion, 100_000)
        let r = try c.query("SELECT current_setting('default_transaction_read_only'), current_setting('statement_timeout'), "
                            + "current_setting('TimeZone'), current_setting('application_name'), current_setting('client_encoding')",
                            binary: false)
        XCTAssertEqual(try r.string(0, 0), "on")
        XCTAssertEqual(try r.string(0, 1), "7500ms")
        XCTAssertEqual(try r.string(0, 2), "UTC")
        XCTAssertEqual(try r.string(0, 3), "spendtop")
        XCTAssertEqual(try r.string(0, 4), "UTF8")
        XCTAssertFalse(c.displayName.contains(pg.password), c.displayName)
        XCTAssertEqual(c.displayName, "postgresql://\(pg.admin)@127.0.0.1:\(pg.port)/postgres")

        // A write through spendtop's session is refused by the server itself.
        XCTAssertThrowsError(try c.execute("CREATE TABLE spendtop_must_not_exist (x int)")) { e in
            let pe = e as? PostgresError
            XCTAssertEqual(pe?.kind, .server)
            XCTAssertEqual(pe?.sqlState, "25006")  // read_only_sql_transaction
            XCTAssertTrue("\(e)".contains("read-only transaction"), "\(e)")
        }
        XCTAssertTrue(c.isOpen)
    }

    func testPasswordFromPGPASSWORDAndFromAPasswordFileAndAWrongOneIsMaskedInTheError() throws {
        let pg = try PostgresTestServer.shared()
        // PGPASSWORD, as libpq reads it (the environment is passed explicitly for the masking list,
        // and set for libpq, which reads the process environment).
        setenv("PGPASSWORD", pg.password, 1)
        defer { unsetenv("PGPASSWORD") }
        let viaEnv = try PostgresConnection(url: pg.bareURL("postgres"))
        XCTAssertEqual(try viaEnv.query("SELECT 1::int8").int64(0, 0), 1)
        unsetenv("PGPASSWORD")

        // A password file (what ~/.pgpass is), found through PGPASSFILE; it must be 0600.
        let dir = NSTemporaryDirectory() + "spendtop-pgpass-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let passfile = dir + "/pgpass"
        let escaped = pg.password.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ":", with: "\\:")
        try "127.0.0.1:\(pg.port):*:\(pg.admin):\(escaped)\n".write(toFile: passfile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passfile)
        setenv("PGPASSFILE", passfile, 1)
        defer { unsetenv("PGPASSFILE") }
        let viaFile = try PostgresConnection(url: pg.bareURL("postgres"))
        XCTAssertEqual(try viaFile.query("SELECT 2::int8").int64(0, 0), 2)
        unsetenv("PGPASSFILE")

        // A wrong password in the URI: a one-line connection error that does not contain it.
        let wrong = "s3cret-Wrong-\(UUID().uuidString.prefix(6))"
        XCTAssertThrowsError(try PostgresConnection(url: pg.url(password: wrong))) { e in
            let text = "\(e)"
            XCTAssertEqual((e as? PostgresError)?.kind, .connection)
            XCTAssertFalse(text.contains(wrong), text)
            XCTAssertFalse(text.contains("\n"), text)
            XCTAssertTrue(text.contains("password authentication failed"), text)
            XCTAssertTrue(text.hasPrefix("postgresql://\(pg.admin)@127.0.0.1:\(pg.port)/postgres: "), text)
        }
        // Nothing listening: the same kind of error, promptly (connect_timeout is set).
        let closed = try PostgresTestServer.freePort()
        XCTAssertThrowsError(try PostgresConnection(url: "postgres://u:hunter2@127.0.0.1:\(closed)/x")) { e in
            XCTAssertEqual((e as? PostgresError)?.kind, .connection)
            XCTAssertFalse("\(e)".contains("hunter2"), "\(e)")
            XCTAssertTrue("\(e)".contains("Connection refused"), "\(e)")
        }
    }

    func testServerErrorsAreOneLineAndParametersAreNeverSpliced() throws {
        let pg = try PostgresTestServer.shared()
        let c = try PostgresConnection(url: pg.url())
        XCTAssertThrowsError(try c.query("SELECT * FROM \"no_such_table\"")) { e in
            XCTAssertEqual((e as? PostgresError)?.sqlState, "42P01")
            XCTAssertEqual("\(e)", "postgresql://\(pg.admin)@127.0.0.1:\(pg.port)/postgres: ERROR 42P01: relation \"no_such_table\" does not exist")
        }
        // The session is still usable after an error.
        let hostile = "x'); DROP TABLE t; --\u{1b}[2J"
        let r = try c.query("SELECT $1::text, length($1::text)::int8, $2::text IS NULL", [hostile, nil])
        XCTAssertEqual(try r.string(0, 0), hostile)
        XCTAssertEqual(try r.int64(0, 1), Int64(hostile.count))
        XCTAssertEqual(try r.bool(0, 2), true)
        // A statement past the timeout is cancelled by the server, and reported as such.
        var o = PostgresConnection.Options()
        o.statementTimeoutSeconds = 0.2
        let short = try PostgresConnection(url: pg.url(), options: o)
        XCTAssertThrowsError(try short.query("SELECT pg_sleep(5)")) { e in
            XCTAssertEqual((e as? PostgresError)?.sqlState, "57014")
            XCTAssertTrue("\(e)".contains("canceling statement due to statement timeout"), "\(e)")
        }
        XCTAssertTrue(short.isOpen)
    }

    func testBinaryAndTextValuesDecodeAndStreamingSeesEveryRow() throws {
        let pg = try PostgresTestServer.shared()
        let c = try PostgresConnection(url: pg.url())
        let sql = "SELECT (-9007199254740993)::int8, 2147483647::int4, (-3)::int2, 0.1::float8, 1.5::float4, 'é✓'::text, "
            + "ARRAY[1, NULL, -4294967296]::int8[], ARRAY[]::int8[], NULL::int8, true"
        for binary in [true, false] {
            let r = try c.query(sql, binary: binary)
            XCTAssertEqual(try r.int64(0, 0), -9_007_199_254_740_993)
            XCTAssertEqual(try r.int64(0, 1), 2_147_483_647)
            XCTAssertEqual(try r.int64(0, 2), -3)
            XCTAssertEqual(try r.double(0, 3), 0.1)
            XCTAssertEqual(try r.double(0, 4), 1.5)
            XCTAssertEqual(try r.string(0, 5), "é✓")
            XCTAssertNil(try r.int64(0, 8))
            XCTAssertEqual(try r.bool(0, 9), true)
            if binary {
                XCTAssertEqual(try r.int64Array(0, 6), [1, -4_294_967_296])
                XCTAssertEqual(try r.int64Array(0, 7), [])
                XCTAssertThrowsError(try r.int64(0, 3))  // a float is not read as an integer
            }
        }
        var seen: [Int64] = []
        try c.stream("SELECT g::int8 FROM generate_series(1, 5000) g") { r in seen.append(try r.int64(0, 0)!) }
        XCTAssertEqual(seen, Array(1...5000))
        // A failure inside the body stops the stream; the connection stays usable.
        struct Stop: Error {}
        var count = 0
        XCTAssertThrowsError(try c.stream("SELECT g FROM generate_series(1, 1000000) g") { _ in
            count += 1
            if count == 10 { throw Stop() }
        }) { XCTAssertTrue($0 is Stop) }
        XCTAssertEqual(count, 10)
        XCTAssertEqual(try c.query("SELECT 3::int8").int64(0, 0), 3)
    }
}
