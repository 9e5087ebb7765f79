import SpendCore

/// Reads a spendtop store's events and GPU samples in rowid order from a cursor, in pages: the
/// replay at start-up and the `sqlite:` source over another spendtop's store both use it.
final class StoreReader {
    let db: SQLiteDatabase
    var eventCursor: Int64
    var gpuCursor: Int64
    var knownDims: [Set<Int32>] = Array(repeating: [0, 1], count: SpendCore.Dimension.allCases.count)
    let eventsPage: SQLiteDatabase.Statement
    let gpuPage: SQLiteDatabase.Statement
    let dimsQuery: SQLiteDatabase.Statement

    static let eventColumns = "rowid, ts, req, feature, api_key, model, team, provider, user, gateway, input, output, cache_read, cache_write, reasoning, cost, latency_ms, ttft_ms, retry, flags"
    /// Columns newer stores have: the 1-hour part of the cache writes (for pricing on replay) and the
    /// supersede rank (a request whose counted record a later record may replace, docs/store.md).
    static let laterEventColumns = [("cache_write_1h", "INTEGER NOT NULL DEFAULT 0"),
                                    ("rank", "INTEGER NOT NULL DEFAULT 0")]
    static let writtenEventColumns = "ts, req, feature, api_key, model, team, provider, user, gateway, input, output, "
        + "cache_read, cache_write, reasoning, cost, latency_ms, ttft_ms, retry, flags, cache_write_1h, rank"

    static func hasColumn(_ db: SQLiteDatabase, _ table: String, _ column: String) -> Bool {
        guard let s = try? db.prepare("SELECT count(*) FROM pragma_table_info('\(table)') WHERE name='\(column)'"),
              (try? s.step()) == true else { return false }
        return s.int(0) > 0
    }

    init(db: SQLiteDatabase, eventCursor: Int64 = 0, gpuCursor: Int64 = 0) throws {
        self.db = db
        self.eventCursor = eventCursor
        self.gpuCursor = gpuCursor
        // Another spendtop's store, opened read-only, may predate the later columns.
        let later = StoreReader.laterEventColumns.map { StoreReader.hasColumn(db, "events", $0.0) ? $0.0 : "0" }
        eventsPage = try db.prepare("SELECT \(StoreReader.eventColumns), \(later.joined(separator: ", ")) FROM events"
                                    + " WHERE rowid > ? ORDER BY rowid LIMIT ?")
        gpuPage = try db.prepare("SELECT rowid, ts, node, gpu, util, mem_used, mem_total, power, queue, kv_cache, prefix_hit, running FROM gpu_samples WHERE rowid > ? ORDER BY rowid LIMIT ?")
        dimsQuery = try db.prepare("SELECT dim, id, hash, name FROM dims")
    }

    /// True when `db` has the store's tables.
    static func isStore(_ db: SQLiteDatabase) -> Bool {
        guard let s = try? db.prepare("SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN ('events','dims','meta')"),
              (try? s.step()) == true else { return false }
        return s.int(0) == 3
    }

    /// SpendCore.Dimension values not yet handed out.
    func newDimensions() throws -> [StoredDimension] {
        defer { dimsQuery.reset() }
        var out: [StoredDimension] = []
        while try dimsQuery.step() {
            let d = Int(dimsQuery.int(0)), id = Int32(truncatingIfNeeded: dimsQuery.int(1))
            guard d >= 0, d < SpendCore.Dimension.allCases.count, !knownDims[d].contains(id) else { continue }
            knownDims[d].insert(id)
            out.append(StoredDimension(dimension: SpendCore.Dimension(rawValue: d)!, id: id,
                                       hash: UInt64(bitPattern: dimsQuery.int(2)), name: dimsQuery.text(3) ?? ""))
        }
        return out
    }

    /// The next page of events after the cursor (ids are store ids).
    func nextEvents(limit: Int) throws -> [InternedEvent] {
        let s = eventsPage
        defer { s.reset() }
        s.bind(1, eventCursor)
        s.bind(2, Int64(limit))
        var out: [InternedEvent] = []
        out.reserveCapacity(limit)
        while try s.step() {
            var e = InternedEvent()
            eventCursor = s.int(0)
            e.timestampMs = s.int(1)
            e.requestHash = UInt64(bitPattern: s.int(2))
            e.feature = Int32(truncatingIfNeeded: s.int(3))
            e.apiKey = Int32(truncatingIfNeeded: s.int(4))
            e.model = Int32(truncatingIfNeeded: s.int(5))
            e.team = Int32(truncatingIfNeeded: s.int(6))
            e.provider = Int32(truncatingIfNeeded: s.int(7))
            e.user = Int32(truncatingIfNeeded: s.int(8))
            e.gateway = Int32(truncatingIfNeeded: s.int(9))
            e.inputTokens = s.int(10)
            e.outputTokens = s.int(11)
            e.cacheReadTokens = s.int(12)
            e.cacheWriteTokens = s.int(13)
            e.reasoningTokens = s.int(14)
            e.cost = s.optionalDouble(15) ?? .nan
            e.latencyMs = s.optionalDouble(16) ?? -1
            e.ttftMs = s.optionalDouble(17) ?? -1
            e.retry = Int32(truncatingIfNeeded: s.int(18))
            let flags = s.int(19)
            e.isError = flags & 1 != 0
            e.gatewayCacheHit = flags & 2 != 0
            e.batch = flags & 4 != 0
            e.cacheWrite1hTokens = s.int(20)
            e.supersedeRank = UInt64(bitPattern: s.int(21))
            out.append(e)
        }
        return out
    }

    func nextGPUSamples(limit: Int) throws -> [GPUSample] {
        let s = gpuPage
        defer { s.reset() }
        s.bind(1, gpuCursor)
        s.bind(2, Int64(limit))
        var out: [GPUSample] = []
        while try s.step() {
            gpuCursor = s.int(0)
            out.append(GPUSample(timestampMs: s.int(1), node: s.text(2) ?? "", gpu: s.text(3) ?? "",
                                 utilPct: s.optionalDouble(4), memUsedMB: s.optionalDouble(5),
                                 memTotalMB: s.optionalDouble(6), powerW: s.optionalDouble(7),
                                 queueDepth: s.optionalDouble(8), kvCachePct: s.optionalDouble(9),
                                 prefixCacheHitRate: s.optionalDouble(10), runningRequests: s.optionalDouble(11)))
        }
        return out
    }
}
