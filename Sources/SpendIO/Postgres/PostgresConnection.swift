import CPQ
import Foundation

/// One libpq session, read-only and bounded: every session runs with
/// `default_transaction_read_only = on`, a `statement_timeout`, UTC and UTF-8. Credentials come
/// from the URI, `PGPASSWORD`, `~/.pgpass` (or `PGPASSFILE`) and the other `PG*` variables, as
/// libpq reads them; they are never printed (every message masks them). Not thread-safe: one
/// connection per thread.
public final class PostgresConnection {
    public struct Options: Sendable {
        /// A statement running longer is cancelled by the server (SQLSTATE 57014).
        public var statementTimeoutSeconds: Double = 30
        /// libpq's `connect_timeout` when neither the URI nor `PGCONNECT_TIMEOUT` sets one.
        public var connectTimeoutSeconds = 10
        public init() {}
    }

    let conn: OpaquePointer
    /// `server_version_num`, e.g. 150018.
    public let serverVersion: Int
    /// The URI as it may be shown: `postgres://user@host/db`.
    public let displayName: String
    /// Every password this session may know (URI, PGPASSWORD, the one libpq used), masked in messages.
    let secrets: [String]

    /// Connects and prepares the session; throws a `.connection` error with libpq's reason.
    public init(url: String, options: Options = Options(),
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        displayName = PostgresURL.redact(url)
        var known = PostgresURL.passwords(in: url)
        if let p = environment["PGPASSWORD"], !p.isEmpty { known.append(p) }
        // Keywords are processed in order, later ones winning: the defaults go before the URI so that
        // it can override them, the encoding after it because spendtop decodes text as UTF-8.
        var params: [(String, String)] = [("fallback_application_name", "spendtop")]
        if environment["PGCONNECT_TIMEOUT"] == nil { params.append(("connect_timeout", String(options.connectTimeoutSeconds))) }
        params.append(("dbname", url))
        params.append(("client_encoding", "UTF8"))
        let keys = params.map { strdup($0.0) }, values = params.map { strdup($0.1) }
        defer { (keys + values).forEach { free($0) } }
        let k = keys.map { UnsafePointer($0) } + [nil], v = values.map { UnsafePointer($0) } + [nil]
        guard let c = PQconnectdbParams(k, v, 1) else {
            throw PostgresError(.connection, "\(displayName): out of memory", masking: known)
        }
        if let used = PQpass(c) {
            let p = String(cString: used)
            if !p.isEmpty { known.append(p) }
        }
        secrets = known
        guard PQstatus(c) == CONNECTION_OK else {
            let reason = String(cString: PQerrorMessage(c))
            PQfinish(c)
            throw PostgresError(.connection, "\(displayName): \(reason)", masking: known)
        }
        conn = c
        serverVersion = Int(PQserverVersion(c))
        // The default processor prints NOTICEs on stderr, which would garble the console.
        PQsetNoticeProcessor(c, { _, _ in }, nil)
        let timeoutMs = max(1, Int((options.statementTimeoutSeconds * 1000).rounded()))
        do {
            try execute("SET default_transaction_read_only = on; SET statement_timeout = \(timeoutMs); "
                        + "SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; SET extra_float_digits = 3")
        } catch {
            PQfinish(c)
            throw error
        }
    }

    deinit { PQfinish(conn) }

    /// False once the server or the network dropped the session.
    public var isOpen: Bool { PQstatus(conn) == CONNECTION_OK }

    /// Runs statements without parameters or rows (SET, SHOW as text).
    public func execute(_ sql: String) throws {
        let r = try check(PQexec(conn, sql))
        PQclear(r)
    }

    /// One statement with `$1…$n` parameters sent as text (never spliced into the SQL), its rows in
    /// binary (`binary: true`) or text. The whole answer is held in memory: for many rows use `stream`.
    public func query(_ sql: String, _ params: [String?] = [], binary: Bool = true) throws -> PostgresResult {
        let r = withParams(params) { n, values in
            PQexecParams(conn, sql, n, nil, values, nil, nil, binary ? 1 : 0)
        }
        return PostgresResult(try check(r), secrets: secrets)
    }

    /// Like `query`, but the rows arrive one at a time (libpq's single-row mode), so memory stays
    /// bounded whatever the answer's size. `body` sees each row as row 0 of its own result.
    public func stream(_ sql: String, _ params: [String?] = [], binary: Bool = true,
                       _ body: (PostgresResult) throws -> Void) throws {
        let sent = withParams(params) { n, values in
            PQsendQueryParams(conn, sql, n, nil, values, nil, nil, binary ? 1 : 0)
        }
        guard sent == 1 else { throw connectionError() }
        PQsetSingleRowMode(conn)
        var failure: Error?
        // Every result must be read, even after a failure, or the connection stays busy.
        while let r = PQgetResult(conn) {
            if failure != nil { PQclear(r); continue }
            switch PQresultStatus(r) {
            case PGRES_SINGLE_TUPLE:
                let row = PostgresResult(r, secrets: secrets)
                do { try body(row) } catch {
                    failure = error
                    // Ask the server to stop sending; the remaining results are drained above.
                    if let cancel = PQgetCancel(conn) {
                        var buf = [CChar](repeating: 0, count: 256)
                        _ = PQcancel(cancel, &buf, 256)
                        PQfreeCancel(cancel)
                    }
                }
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
                PQclear(r)
            default:
                failure = resultError(r)
                PQclear(r)
            }
        }
        if let failure { throw failure }
        if !isOpen { throw connectionError() }
    }

    func withParams<T>(_ params: [String?], _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> T) -> T {
        let copies = params.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { $0.map { UnsafePointer($0) } }
        return pointers.withUnsafeBufferPointer { body(Int32(params.count), $0.baseAddress) }
    }

    /// The result if it succeeded; otherwise clears it and throws the server's (or libpq's) reason.
    func check(_ r: OpaquePointer?) throws -> OpaquePointer {
        guard let r else { throw connectionError() }
        switch PQresultStatus(r) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_SINGLE_TUPLE:
            return r
        default:
            let e = resultError(r)
            PQclear(r)
            throw e
        }
    }

    func resultError(_ r: OpaquePointer) -> PostgresError {
        func field(_ code: UInt8) -> String? {
            PQresultErrorField(r, Int32(code)).map { String(cString: $0) }
        }
        guard let state = field(UInt8(ascii: "C")) else {
            // No SQLSTATE: libpq's own failure, usually the connection.
            return connectionError(fallback: String(cString: PQresultErrorMessage(r)))
        }
        let severity = field(UInt8(ascii: "V")) ?? "ERROR"
        let primary = field(UInt8(ascii: "M")) ?? "(no message)"
        return PostgresError(.server, "\(displayName): \(severity) \(state): \(primary)", sqlState: state, masking: secrets)
    }

    func connectionError(fallback: String? = nil) -> PostgresError {
        var reason = String(cString: PQerrorMessage(conn))
        if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { reason = fallback ?? "connection lost" }
        return PostgresError(.connection, "\(displayName): \(reason)", masking: secrets)
    }
}
