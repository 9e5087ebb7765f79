import Foundation
import SpendCore
#if canImport(Glibc)
import Glibc
#endif

/// What a store already holds before a run starts: which sources it saved positions for and how
/// much history, so the console can say when it mixes in sources not given this run.
public struct StoreSummary: Equatable {
    /// Saved position keys (`file:DEV:INODE`, `sqlite:PATH#TABLE`, `sse:URL#HASH`).
    public var positionKeys: [String]
    public var events: Int64
    public var oldestMs: Int64?
    public var newestMs: Int64?

    /// Reads the store at `path` read-only; nil when there is none (or it is not a spendtop store).
    public static func read(path: String) -> StoreSummary? {
        guard FileManager.default.fileExists(atPath: path),
              let db = try? SQLiteDatabase(path: path, readOnly: true), StoreReader.isStore(db) else { return nil }
        var out = StoreSummary(positionKeys: [], events: 0)
        if let s = try? db.prepare("SELECT key FROM positions ORDER BY key") {
            while (try? s.step()) == true { if let k = s.text(0) { out.positionKeys.append(k) } }
        }
        if let s = try? db.prepare("SELECT count(*), min(ts), max(ts) FROM events"), (try? s.step()) == true {
            out.events = s.int(0)
            if !s.isNull(1) { out.oldestMs = s.int(1); out.newestMs = s.int(2) }
        }
        return out
    }

    /// The position keys the sources of this run read under (files by device and inode, as they are now).
    public static func keys(for specs: [SourceSpec]) -> Set<String> {
        var keys = Set<String>()
        for spec in specs {
            switch spec {
            case .file(let pattern):
                for path in FileTailSource(pattern: pattern).paths() {
                    var st = stat()
                    if stat(path, &st) == 0 { keys.insert(FileTailSource.key(st)) }
                }
            case .sqlite(let path, let table): keys.insert(SQLiteSource(path: path, table: table).positionKey)
            case .http(let url): keys.insert(HTTPStreamSource(url: url).positionKey)
            case .agentLogs(let logs):
                for (_, st) in AgentLogSource(logs: logs).files().found { keys.insert(AgentLogSource.key(st)) }
            case .stdin, .prometheus, .nvidiaSmi, .postgres, .promql: break
            }
        }
        return keys
    }

    /// Sources the store has history from that this run was not given.
    public func otherSources(than specs: [SourceSpec]) -> Int {
        let mine = StoreSummary.keys(for: specs)
        return positionKeys.filter { !mine.contains($0) }.count
    }

    /// `store: 2 other sources, 24h (--no-store leaves them out)`, or nil when the store holds only this run's sources.
    public func note(for specs: [SourceSpec]) -> String? {
        let others = otherSources(than: specs)
        guard others > 0, events > 0 else { return nil }
        var span = ""
        if let a = oldestMs, let b = newestMs { span = ", " + StoreSummary.span(ms: b - a) }
        return "store: \(others) other source\(others == 1 ? "" : "s")\(span) (--no-store leaves them out)"
    }

    /// `45m`, `24h`, `3d`.
    static func span(ms: Int64) -> String {
        let minutes = max(1, Int((Double(ms) / 60_000).rounded()))
        if minutes < 60 { return "\(minutes)m" }
        let hours = Int((Double(minutes) / 60).rounded())
        if hours < 48 { return "\(hours)h" }
        return "\(Int((Double(hours) / 24).rounded()))d"
    }
}
