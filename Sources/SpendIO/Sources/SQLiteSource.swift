import Foundation
import SpendCore

/// Follows a SQLite database another process writes, opened read-only: LiteLLM's
/// `LiteLLM_SpendLogs` table (or `?table=NAME` of that shape) or another spendtop store.
/// New rows are picked up by rowid; a busy or locked database is retried with backoff.
final class SQLiteSource {
    let path: String
    let table: String?
    static let pageRows = 2_000

    init(path: String, table: String?) {
        self.path = path
        self.table = table
    }

    var positionKey: String { "sqlite:" + path + "#" + (table ?? "") }

    enum Kind {
        case spendLogs(String)
        case store
    }

    func run(_ ctx: SourceContext) {
        ctx.setState(.connecting)
        var db: SQLiteDatabase?
        var kind: Kind?
        var busyStreak = 0
        var reader: StoreReader?
        var statement: SQLiteDatabase.Statement?
        var rowCursor = ctx.savedPositions[positionKey].flatMap { Int64($0) } ?? 0
        while !ctx.isStopping {
            do {
                if db == nil {
                    guard FileManager.default.fileExists(atPath: path) else {
                        throw SQLiteDatabase.Failure(code: 14, description: "\(path): no such file")
                    }
                    let opened = try SQLiteDatabase(path: path, readOnly: true)
                    let k = try detect(opened)
                    switch k {
                    case .store:
                        let saved = (ctx.savedPositions[positionKey] ?? "0:0").split(separator: ":").compactMap { Int64($0) }
                        reader = try StoreReader(db: opened, eventCursor: saved.first ?? 0, gpuCursor: saved.count > 1 ? saved[1] : 0)
                    case .spendLogs(let t):
                        statement = try opened.prepare("SELECT rowid, * FROM \"\(t)\" WHERE rowid > ? ORDER BY rowid LIMIT \(SQLiteSource.pageRows)")
                    }
                    db = opened
                    kind = k
                    ctx.setState(.live)
                    ctx.setError(nil)
                }
                var more = false
                switch kind! {
                case .store:
                    let r = reader!
                    let dims = try r.newDimensions()
                    let events = try r.nextEvents(limit: SQLiteSource.pageRows * 4)
                    let gpus = try r.nextGPUSamples(limit: SQLiteSource.pageRows)
                    more = events.count == SQLiteSource.pageRows * 4 || gpus.count == SQLiteSource.pageRows
                    if !events.isEmpty || !gpus.isEmpty || !dims.isEmpty {
                        if !ctx.emit(.stored(events, gpus, dims: dims), stream: positionKey, position: "\(r.eventCursor):\(r.gpuCursor)") { return }
                    }
                case .spendLogs:
                    let s = statement!
                    s.bind(1, rowCursor)
                    var lines: [DecodedLine] = []
                    do {
                        defer { s.reset() }
                        let n = s.columnCount
                        let names = (0..<n).map { s.columnName($0) }
                        while try s.step() {
                            rowCursor = s.int(0)
                            var row: [String: Any] = [:]
                            for i in 1..<n { if let v = s.value(i) { row[names[Int(i)]] = v } }
                            lines.append(LiteLLMSpendLogsImporter.decode(row: row))
                        }
                    }
                    more = lines.count == SQLiteSource.pageRows
                    if !lines.isEmpty {
                        if !ctx.emit(.decoded(lines, format: LiteLLMSpendLogsImporter.formatName), stream: positionKey, position: "\(rowCursor)") { return }
                    }
                }
                if busyStreak > 0 { busyStreak = 0; ctx.setError(nil); ctx.setState(.live) }
                if more { continue }
                if !ctx.follow { ctx.setState(.ended); return }
                if !ctx.sleep(ctx.settings.sqlitePollSeconds) { return }
            } catch let f as SQLiteDatabase.Failure where f.isBusy {
                // The writer holds the lock: wait and retry quietly; say so only if it lasts.
                busyStreak += 1
                if busyStreak >= 5 { ctx.setError("\(path): database busy, retrying") }
                let delay = min(2.0, 0.05 * pow(2, Double(min(busyStreak, 6))))
                if !ctx.follow && busyStreak > 40 { ctx.setState(.failed); return }
                if !ctx.sleep(delay) { return }
            } catch let e as SourceFailure {
                ctx.setError(e.description)
                db = nil
                reader = nil
                statement = nil
                // A followed database may get its table later (the proxy creates it at start-up).
                if !ctx.follow { ctx.setState(.failed); return }
                let delay = 1.0
                ctx.setState(.retrying(atMs: Int64((Date().timeIntervalSince1970 + delay) * 1000)))
                if !ctx.sleep(delay) { return }
            } catch {
                ctx.setError("\(error)")
                db = nil
                reader = nil
                statement = nil
                if !ctx.follow { ctx.setState(.failed); return }
                let delay = 2.0
                ctx.setState(.retrying(atMs: Int64((Date().timeIntervalSince1970 + delay) * 1000)))
                if !ctx.sleep(delay) { return }
            }
        }
    }

    /// Which schema the file holds; a file of neither kind is a permanent failure.
    func detect(_ db: SQLiteDatabase) throws -> Kind {
        func columns(_ t: String) throws -> Set<String> {
            let s = try db.prepare("SELECT name FROM pragma_table_info(?)")
            s.bind(1, t)
            var out = Set<String>()
            while try s.step() { if let n = s.text(0) { out.insert(n) } }
            return out
        }
        do {
            if let t = table {
                let cols = try columns(t)
                if cols.isEmpty { throw SourceFailure("\(path): no table \(t)") }
                if t == "events" && StoreReader.isStore(db) { return .store }
                guard cols.contains("startTime"), cols.contains("spend") else {
                    throw SourceFailure("\(path): table \(t) lacks the LiteLLM_SpendLogs columns startTime and spend")
                }
                return .spendLogs(t)
            }
            if StoreReader.isStore(db) { return .store }
            let cols = try columns("LiteLLM_SpendLogs")
            if !cols.isEmpty {
                guard cols.contains("startTime"), cols.contains("spend") else {
                    throw SourceFailure("\(path): LiteLLM_SpendLogs lacks the columns startTime and spend")
                }
                return .spendLogs("LiteLLM_SpendLogs")
            }
            throw SourceFailure("\(path): neither a LiteLLM_SpendLogs table nor a spendtop store (use sqlite:PATH?table=NAME)")
        } catch let f as SQLiteDatabase.Failure where !f.isBusy {
            throw SourceFailure("\(path): \(f.description)")
        }
    }
}

/// A source problem that retrying cannot fix (wrong schema, not a database).
struct SourceFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
