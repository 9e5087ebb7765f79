import CSQLite
import CShims
import Foundation

/// A thin, owned SQLite connection: open (read-only or read-write), run statements, step rows.
final class SQLiteDatabase {
    struct Failure: Error, CustomStringConvertible {
        let code: Int32
        let description: String
        var isBusy: Bool { code & 0xff == SQLITE_BUSY || code & 0xff == SQLITE_LOCKED }
    }

    let handle: OpaquePointer
    let path: String
    let readOnly: Bool

    /// Read-only opens use a `mode=ro` URI: SQLite then never creates or writes a file of its own.
    /// `create: false` opens an existing file only (a reader's aside write must not make a store appear).
    init(path: String, readOnly: Bool, create: Bool = true) throws {
        var db: OpaquePointer?
        let flags: Int32
        let name: String
        if readOnly {
            var c = URLComponents()
            c.scheme = "file"
            c.path = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
            c.queryItems = [URLQueryItem(name: "mode", value: "ro")]
            name = c.string ?? "file:" + path + "?mode=ro"
            flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX
        } else {
            name = path
            flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX
        }
        let rc = sqlite3_open_v2(name, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw Failure(code: rc, description: "cannot open \(path): \(msg)")
        }
        handle = db
        self.path = path
        self.readOnly = readOnly
        sqlite3_busy_timeout(db, 200)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { sqlite3_close_v2(handle) }

    func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "error \(rc)"
            sqlite3_free(err)
            throw Failure(code: rc, description: msg)
        }
    }

    func prepare(_ sql: String) throws -> Statement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw failure(rc) }
        return Statement(stmt, db: self)
    }

    func failure(_ rc: Int32) -> Failure {
        Failure(code: rc, description: String(cString: sqlite3_errmsg(handle)))
    }

    /// One prepared statement; reset and reused across batches.
    final class Statement {
        let stmt: OpaquePointer
        unowned let db: SQLiteDatabase
        static let transient = sp_sqlite_transient()

        init(_ stmt: OpaquePointer, db: SQLiteDatabase) { self.stmt = stmt; self.db = db }
        deinit { sqlite3_finalize(stmt) }

        func reset() { sqlite3_reset(stmt); sqlite3_clear_bindings(stmt) }
        func bind(_ i: Int32, _ v: Int64) { sqlite3_bind_int64(stmt, i, v) }
        func bind(_ i: Int32, _ v: Double?) {
            if let v, v.isFinite { sqlite3_bind_double(stmt, i, v) } else { sqlite3_bind_null(stmt, i) }
        }
        func bind(_ i: Int32, _ v: String?) {
            if let v { sqlite3_bind_text(stmt, i, v, -1, Statement.transient) } else { sqlite3_bind_null(stmt, i) }
        }
        func bind(_ i: Int32, blob: [UInt8]) {
            blob.withUnsafeBytes { b in
                let p = b.baseAddress ?? UnsafeRawPointer(bitPattern: 1)
                _ = sqlite3_bind_blob64(stmt, i, p, sqlite3_uint64(b.count), Statement.transient)
            }
        }

        /// True for a row, false when done.
        func step() throws -> Bool {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_ROW { return true }
            if rc == SQLITE_DONE { return false }
            throw db.failure(rc)
        }

        func run() throws {
            defer { sqlite3_reset(stmt) }
            while try step() {}
        }

        var columnCount: Int32 { sqlite3_column_count(stmt) }
        func columnName(_ i: Int32) -> String { String(cString: sqlite3_column_name(stmt, i)) }
        func isNull(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_NULL }
        func int(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }
        func double(_ i: Int32) -> Double { sqlite3_column_double(stmt, i) }
        func optionalDouble(_ i: Int32) -> Double? { isNull(i) ? nil : sqlite3_column_double(stmt, i) }
        func text(_ i: Int32) -> String? {
            guard let p = sqlite3_column_text(stmt, i) else { return nil }
            return String(cString: p)
        }

        /// The column's bytes in place, valid only inside `body` (a checkpoint minute is decoded without a copy).
        func withBlob<T>(_ i: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
            let n = Int(sqlite3_column_bytes(stmt, i))
            return try body(UnsafeRawBufferPointer(start: n > 0 ? sqlite3_column_blob(stmt, i) : nil, count: n))
        }

        func blob(_ i: Int32) -> [UInt8] {
            let n = Int(sqlite3_column_bytes(stmt, i))
            guard n > 0, let p = sqlite3_column_blob(stmt, i) else { return [] }
            return Array(UnsafeRawBufferPointer(start: p, count: n))
        }

        /// The column as Swift sees a JSON value: Int64, Double, String or nil.
        func value(_ i: Int32) -> Any? {
            switch sqlite3_column_type(stmt, i) {
            case SQLITE_INTEGER: return int(i)
            case SQLITE_FLOAT: return double(i)
            case SQLITE_TEXT: return text(i)
            case SQLITE_BLOB:
                let n = Int(sqlite3_column_bytes(stmt, i))
                guard let p = sqlite3_column_blob(stmt, i) else { return nil }
                return String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
            default: return nil
            }
        }
    }
}

/// A store written by one process and read by others waits longer than an external source does.
func sqlite3BusyLonger(_ db: SQLiteDatabase) { sqlite3_busy_timeout(db.handle, 5_000) }
func sqlite3Changes(_ db: SQLiteDatabase) -> Int32 { sqlite3_changes(db.handle) }
