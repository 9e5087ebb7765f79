import CSQLite
import Foundation

/// Checks that a file given as a store is one this spendtop can use, before anything is written to it,
/// and turns SQLite's failures into messages that name the file and say what to do.
enum StoreFile {
    static let advice = "move it aside (a new store is then started), or run with --no-store or another --store PATH"

    /// Header checks that need no SQLite: not a SQLite file at all, or cut short (truncated).
    static func check(_ path: String) throws {
        guard let h = FileHandle(forReadingAtPath: path) else { return }  // absent: a new store
        defer { try? h.close() }
        let header = h.readData(ofLength: 100)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.int64Value ?? 0
        if size == 0 { return }
        guard header.count >= 100, header.starts(with: Array("SQLite format 3\u{0}".utf8)) else {
            throw fail("\(path) is not a spendtop store (not a SQLite database): \(advice)", "not a store")
        }
        func be(_ at: Int, _ n: Int) -> Int64 { header[at..<(at + n)].reduce(0) { $0 << 8 | Int64($1) } }
        var pageSize = be(16, 2)
        if pageSize == 1 { pageSize = 65_536 }
        let pages = be(28, 4)
        // The in-header size is trusted only when its version number matches the change counter.
        let sizeValid = pages > 0 && be(24, 4) == be(92, 4)
        if pageSize >= 512 && (size % pageSize != 0 || (sizeValid && size < pages * pageSize)) {
            let expected = sizeValid ? pages * pageSize : size
            throw fail("store \(path) is truncated (\(size) bytes of \(expected)): \(advice)", "damaged")
        }
    }

    /// After opening: another program's database, or a store of another schema version, is refused.
    static func checkContents(_ db: SQLiteDatabase, path: String) throws {
        let existing = try db.prepare("SELECT count(*) FROM sqlite_master WHERE type='table'")
        _ = try existing.step()
        let tables = existing.int(0)
        if tables == 0 {
            if db.readOnly { throw fail("\(path) is an empty database, not a spendtop store", "not a store") }
            return
        }
        guard StoreReader.isStore(db) else {
            throw fail("\(path) is a SQLite database of another program, not a spendtop store: \(advice)",
                       "not a store")
        }
        let schema = try db.prepare("SELECT value FROM meta WHERE key='schema'")
        guard try schema.step(), let v = schema.text(0) else {
            throw fail("store \(path) has no schema version: \(advice)", "damaged")
        }
        if v != SpendStore.schema {
            func version(_ s: String) -> Int { Int(s.split(separator: " ").last ?? "") ?? 0 }
            let newer = version(v) > version(SpendStore.schema)
            throw fail("store \(path) has schema '\(v)' (\(newer ? "written by a newer spendtop" : "unknown")); "
                       + "this spendtop reads '\(SpendStore.schema)': "
                       + (newer ? "upgrade spendtop, or " : "") + advice,
                       "schema")
        }
    }

    static func fail(_ description: String, _ reason: String) -> SpendStore.Failure {
        SpendStore.Failure(description: description, reason: reason)
    }

    /// A SQLite failure on the store, named by its file, with the header's short reason.
    static func failure(_ f: SQLiteDatabase.Failure, path: String) -> SpendStore.Failure {
        switch f.code & 0xff {
        case SQLITE_NOTADB:
            return fail("\(path) is not a spendtop store (\(f.description)): \(advice)", "not a store")
        case SQLITE_CORRUPT:
            return fail("store \(path) is damaged (\(f.description)): \(advice)", "damaged")
        case SQLITE_FULL:
            return SpendStore.Failure(description: "store \(path): \(f.description)", reason: "disk full")
        case SQLITE_READONLY:
            return SpendStore.Failure(description: "store \(path): \(f.description)", reason: "read-only")
        case SQLITE_IOERR:
            return SpendStore.Failure(description: "store \(path): \(f.description)", reason: "I/O error")
        case SQLITE_CANTOPEN:
            return SpendStore.Failure(description: "store \(path): \(f.description)", reason: "cannot open")
        case SQLITE_BUSY, SQLITE_LOCKED:
            return SpendStore.Failure(description: "store \(path): \(f.description)", reason: "busy")
        default:
            return SpendStore.Failure(description: "store \(path): \(f.description)")
        }
    }
}

/// One writer per store: an exclusive `flock` on `PATH.lock`, which holds the writer's pid. The kernel
/// drops the lock when the process ends, however it ends, so a crash leaves no stale lock. The file stays.
final class StoreLock {
    let fd: Int32

    init(storePath: String) throws {
        let lockPath = storePath + ".lock"
        fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let why = String(cString: strerror(errno))
            throw StoreFile.fail("store \(storePath): cannot create \(lockPath): \(why)", "cannot open")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = StoreLock.holder(fd)
            close(fd)
            throw StoreFile.fail("store \(storePath) is in use by another spendtop (pid \(holder ?? "unknown")); "
                                 + "quit that one, or run this one with --no-store or another --store PATH", "locked")
        }
        let me = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = me.withUnsafeBytes { pwrite(fd, $0.baseAddress, me.count, 0) }
    }

    deinit { close(fd) }

    /// The pid the lock holder wrote (it may be writing it right now: a few tries).
    static func holder(_ fd: Int32) -> String? {
        for _ in 0..<20 {
            var buf = [UInt8](repeating: 0, count: 32)
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 32, 0) }
            let text = n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : ""
            let s = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !s.isEmpty, s.allSatisfy(\.isNumber) { return s }
            usleep(10_000)
        }
        return nil
    }
}
