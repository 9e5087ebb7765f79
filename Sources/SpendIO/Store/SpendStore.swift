import Foundation
import SpendCore

/// spendtop's embedded store (SPEC §8): events and GPU samples as compact rows, plus each source's
/// position, written in batched WAL transactions so that events and the position they lead up to
/// are saved together or not at all. See docs/store.md.
public final class SpendStore {
    public static let schema = "spendtop-store 1"
    public let path: String
    /// Opened to read only (`export --store`, `check --store` without sources): no lock, no writes.
    public let readOnly: Bool
    let db: SQLiteDatabase
    /// The writer's lock (`PATH.lock`), held while the store is open for writing.
    var lock: StoreLock?
    /// Store id per rollup id, per dimension (−1: not yet mapped).
    var storeIDs: [[Int32]] = Array(repeating: [0, 1], count: SpendCore.Dimension.allCases.count)
    var idByHash: [[UInt64: Int32]] = Array(repeating: [:], count: SpendCore.Dimension.allCases.count)
    var nextID: [Int32] = Array(repeating: 2, count: SpendCore.Dimension.allCases.count)

    var stagedEvents = ContiguousArray<InternedEvent>()
    var stagedGPU: [GPUSample] = []
    var stagedDims: [StoredDimension] = []
    var stagedPositions: [String: String?] = [:]
    public var stagedCount: Int { stagedEvents.count + stagedGPU.count }
    /// Staged events beyond this (while commits fail) are dropped from the store, and counted.
    public var maxStagedEvents = Int.max
    /// Events counted but never saved because the store refused writes for too long.
    public private(set) var unsavedEvents: Int64 = 0
    public var hasStaged: Bool { stagedCount > 0 || !stagedPositions.isEmpty }

    var insertEvent: SQLiteDatabase.Statement!
    var insertGPU: SQLiteDatabase.Statement!
    var insertDim: SQLiteDatabase.Statement!
    var upsertPosition: SQLiteDatabase.Statement!
    var deletePosition: SQLiteDatabase.Statement!

    /// A store problem; `reason` is the short cause the header shows (`disk full`, `read-only`, …).
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public var reason: String = "error"
        public init(description: String, reason: String = "error") {
            self.description = description
            self.reason = reason
        }
    }

    /// Opens or creates the store for writing (taking its lock), or with `readOnly` opens an existing
    /// one to read while another process may be writing it. A file that is not a store, is damaged or
    /// is newer than this spendtop is refused with what to do; it is never changed.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        self.readOnly = readOnly
        if readOnly {
            guard FileManager.default.fileExists(atPath: path) else {
                throw Failure(description: "no store at \(path)", reason: "missing")
            }
            lock = nil
        } else {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty {
                try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                         attributes: [.posixPermissions: 0o700])
            }
            lock = try StoreLock(storePath: path)
            // Every request's spend is in here: readable by its owner only (SQLite gives -wal and -shm the file's mode).
            if !FileManager.default.fileExists(atPath: path) {
                let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                if fd >= 0 { close(fd) }
            }
        }
        try StoreFile.check(path)
        do {
            db = try SQLiteDatabase(path: path, readOnly: readOnly)
            sqlite3BusyLonger(db)
            try StoreFile.checkContents(db, path: path)
            if readOnly {
                try loadDimensionIDs()
                return
            }
            try db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
            try db.execute("""
                CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT OR IGNORE INTO meta VALUES('schema', '\(SpendStore.schema)');
                CREATE TABLE IF NOT EXISTS dims(dim INTEGER NOT NULL, id INTEGER NOT NULL, hash INTEGER NOT NULL,
                    name TEXT NOT NULL, PRIMARY KEY(dim, id)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS events(ts INTEGER NOT NULL, req INTEGER NOT NULL, feature INTEGER NOT NULL,
                    api_key INTEGER NOT NULL, model INTEGER NOT NULL, team INTEGER NOT NULL, provider INTEGER NOT NULL,
                    user INTEGER NOT NULL, gateway INTEGER NOT NULL, input INTEGER NOT NULL, output INTEGER NOT NULL,
                    cache_read INTEGER NOT NULL, cache_write INTEGER NOT NULL, reasoning INTEGER NOT NULL,
                    cost REAL, latency_ms REAL, ttft_ms REAL, retry INTEGER NOT NULL, flags INTEGER NOT NULL,
                    cache_write_1h INTEGER NOT NULL DEFAULT 0, rank INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE IF NOT EXISTS gpu_samples(ts INTEGER NOT NULL, node TEXT NOT NULL, gpu TEXT NOT NULL,
                    util REAL, mem_used REAL, mem_total REAL, power REAL, queue REAL, kv_cache REAL, prefix_hit REAL, running REAL);
                CREATE TABLE IF NOT EXISTS positions(key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_ms INTEGER NOT NULL);
                """ + SpendStore.checkpointTables)
            // Columns added after the first release: a store written by an older spendtop gains them.
            for (column, type) in StoreReader.laterEventColumns where !StoreReader.hasColumn(db, "events", column) {
                try db.execute("ALTER TABLE events ADD COLUMN \(column) \(type)")
            }
            let slots = Array(repeating: "?", count: 21).joined(separator: ",")
            insertEvent = try db.prepare("INSERT INTO events(\(StoreReader.writtenEventColumns)) VALUES(\(slots))")
            insertGPU = try db.prepare("INSERT INTO gpu_samples VALUES(?,?,?,?,?,?,?,?,?,?,?)")
            insertDim = try db.prepare("INSERT OR REPLACE INTO dims VALUES(?,?,?,?)")
            upsertPosition = try db.prepare("INSERT INTO positions VALUES(?,?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value, updated_ms=excluded.updated_ms")
            deletePosition = try db.prepare("DELETE FROM positions WHERE key=?")
            try loadDimensionIDs()
        } catch let f as SQLiteDatabase.Failure {
            throw StoreFile.failure(f, path: path)
        }
    }

    /// Gives up the writer's lock (after the last commit): another spendtop may write the store now.
    public func releaseLock() {
        // The WAL folded into the file: a stopped store is one self-contained file.
        if lock != nil { try? db.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
        lock = nil
        closedForWriting = true
    }
    var closedForWriting = false
    /// How the last `replay` read the store.
    public internal(set) var replaySummary = StoreReplaySummary()
    /// The retention horizon the last `replay` read from, and the rows it read up to.
    public internal(set) var replayFromMs = Int64.min
    var replayCursors: (events: Int64, gpu: Int64) = (0, 0)
    /// The saved checkpoint as it was when the last `replay` began (a reader's aside checkpoint checks it).
    var replayStartMark: CheckpointMark?
    /// The saved checkpoint a writer's next one builds on: the one it replayed from or last wrote.
    var checkpointMark: CheckpointMark?
    /// Set when a commit found the saved checkpoint replaced by someone else's (a reader's aside) and so did not
    /// write its own changed minutes over it: the writer's next checkpoint must be whole.
    public internal(set) var checkpointReplaced = false

    func loadDimensionIDs() throws {
        let dims = try db.prepare("SELECT dim, id, hash FROM dims")
        while try dims.step() {
            let d = Int(dims.int(0)), id = Int32(truncatingIfNeeded: dims.int(1))
            guard d >= 0, d < SpendCore.Dimension.allCases.count else { continue }
            idByHash[d][UInt64(bitPattern: dims.int(2))] = id
            nextID[d] = max(nextID[d], id + 1)
        }
    }

    /// Saved source positions by key (`file:DEV:INODE` → offset, `sse:URL` → last event id, …).
    public func positions() throws -> [String: String] {
        guard !readOnly else { return [:] }
        let s = try db.prepare("SELECT key, value FROM positions")
        var out: [String: String] = [:]
        while try s.step() { if let k = s.text(0), let v = s.text(1) { out[k] = v } }
        return out
    }

    /// A replay that `betweenPages` stopped part way: the rollup holds only the events read until then.
    public private(set) var interrupted = false

    /// Events the replay may read: the highest event rowid (rows are only appended; retention may have deleted some
    /// below it), for the progress of a replay in the background.
    public func eventRowidCeiling() throws -> Int64 {
        let s = try db.prepare("SELECT coalesce(max(rowid), 0) FROM events")
        return try s.step() ? s.int(0) : 0
    }

    /// Replays the stored events and samples into `rollup` (before any source resumes): from the saved
    /// checkpoint when one fits the rollup, then the rows after it; else every row (`replaySummary` says which).
    /// Returns the events the store gave back: the checkpoint's and the rows replayed.
    /// Rows older than `minTimestampMs` are skipped: a reader sees what retention keeps without deleting.
    /// `betweenPages`, when given, is called after each page of events with the count replayed so far and the last
    /// rowid read; it returns false to stop there (the replay is then `interrupted`). A background replay lets
    /// readers in between.
    @discardableResult
    public func replay(into rollup: Rollup, pageSize: Int = 65_536, minTimestampMs: Int64 = .min,
                       useCheckpoint: Bool = true, betweenPages: ((Int, Int64) -> Bool)? = nil) throws -> Int {
        interrupted = false
        do {
            var summary = StoreReplaySummary()
            // The checkpoint's head and minutes are read in one snapshot: a writer committing a newer one meanwhile
            // must not give this reader an old head with newer minutes.
            try db.execute("BEGIN")
            let cursors: (Int64, Int64)
            do {
                cursors = try restoreCheckpoint(into: rollup, fromMs: minTimestampMs, use: useCheckpoint, &summary)
                try db.execute("COMMIT")
            } catch {
                try? db.execute("ROLLBACK")
                throw error
            }
            let restored = Int(rollup.eventsCounted)
            let n = try replayPages(into: rollup, pageSize: pageSize, minTs: minTimestampMs, from: cursors,
                                    betweenPages: betweenPages)
            summary.eventsAfterCheckpoint = n
            replaySummary = summary
            replayFromMs = minTimestampMs
            return restored + n
        } catch let f as SQLiteDatabase.Failure {
            throw StoreFile.failure(f, path: path)
        }
    }

    /// Restores the saved checkpoint when it fits; returns the rowids to replay after (0, 0 when it did not).
    func restoreCheckpoint(into rollup: Rollup, fromMs: Int64, use: Bool,
                           _ summary: inout StoreReplaySummary) throws -> (Int64, Int64) {
        replayStartMark = try SpendStore.checkpointMark(db)
        checkpointMark = replayStartMark
        guard use else {
            summary.fullReplayReason = "checkpoint not read"
            return (0, 0)
        }
        let (saved, why) = try savedCheckpoint(shape: RollupCheckpoint.shape(of: rollup), fromMs: fromMs)
        guard let saved else {
            summary.fullReplayReason = why
            return (0, 0)
        }
        do {
            try RollupCheckpoint.restore(rollup, state: saved.state, readMinutes: readCheckpointMinutes)
        } catch let unusable as RollupCheckpoint.Unusable {
            summary.fullReplayReason = unusable.description
            return (0, 0)
        }
        summary.checkpointMinutes = rollup.buckets.values.reduce(0) { $0 + Int($1.span) }
        return (saved.eventRowid, saved.gpuRowid)
    }

    func replayPages(into rollup: Rollup, pageSize: Int, minTs: Int64, from cursors: (Int64, Int64),
                     betweenPages: ((Int, Int64) -> Bool)? = nil) throws -> Int {
        let reader = try StoreReader(db: db, eventCursor: cursors.0, gpuCursor: cursors.1)
        defer { replayCursors = (reader.eventCursor, reader.gpuCursor) }
        var map = StoredDimensionMap()
        map.learn(try reader.newDimensions(), rollup: rollup)
        var n = 0
        while true {
            var page = try reader.nextEvents(limit: pageSize)
            if page.isEmpty { break }
            for i in page.indices where page[i].timestampMs >= minTs {
                map.map(&page[i])
                rollup.ingest(&page[i])
                n += 1
            }
            if let betweenPages, !betweenPages(n, reader.eventCursor) {
                interrupted = true
                return n
            }
        }
        while true {
            let page = try reader.nextGPUSamples(limit: pageSize)
            if page.isEmpty { break }
            for s in page where s.timestampMs >= minTs { rollup.ingest(s) }
        }
        // The replayed rollup's ids are the store's from now on.
        for d in SpendCore.Dimension.allCases {
            let names = rollup.interner(d)
            var column = storeIDs[d.rawValue]
            for rid in column.count..<names.names.count {
                column.append(idByHash[d.rawValue][names.hashes[rid]] ?? -1)
            }
            storeIDs[d.rawValue] = column
        }
        return n
    }

    /// Takes the rollup's newly counted events and samples; call with the rollup held.
    public func stage(from rollup: Rollup) {
        guard !rollup.recorded.isEmpty || !rollup.recordedGPU.isEmpty else { return }
        for var e in rollup.recorded {
            guard stagedEvents.count < maxStagedEvents else { unsavedEvents += 1; continue }
            e.feature = storeID(.feature, e.feature, rollup)
            e.apiKey = storeID(.apiKey, e.apiKey, rollup)
            e.model = storeID(.model, e.model, rollup)
            e.team = storeID(.team, e.team, rollup)
            e.provider = storeID(.provider, e.provider, rollup)
            e.user = storeID(.user, e.user, rollup)
            e.gateway = storeID(.gateway, e.gateway, rollup)
            stagedEvents.append(e)
        }
        stagedGPU.append(contentsOf: rollup.recordedGPU)
        rollup.recorded.removeAll(keepingCapacity: true)
        rollup.recordedGPU.removeAll(keepingCapacity: true)
    }

    /// A position to save with the staged events (nil forgets the key).
    public func stagePosition(_ key: String, _ value: String?) {
        stagedPositions[key] = .some(value)
    }

    func storeID(_ d: SpendCore.Dimension, _ rid: Int32, _ rollup: Rollup) -> Int32 {
        let i = Int(rid)
        if i < storeIDs[d.rawValue].count, storeIDs[d.rawValue][i] >= 0 { return storeIDs[d.rawValue][i] }
        let interner = rollup.interner(d)
        while storeIDs[d.rawValue].count < interner.names.count { storeIDs[d.rawValue].append(-1) }
        let hash = interner.hashes[i]
        let id: Int32
        if let known = idByHash[d.rawValue][hash] {
            id = known
        } else {
            id = nextID[d.rawValue]
            nextID[d.rawValue] += 1
            idByHash[d.rawValue][hash] = id
            stagedDims.append(StoredDimension(dimension: d, id: id, hash: hash, name: interner.names[i]))
        }
        storeIDs[d.rawValue][i] = id
        return id
    }

    /// Writes everything staged in one transaction; on failure nothing of it is saved and the
    /// staged data is kept for the next attempt.
    /// With `checkpoint`, the rollup's checkpoint is saved in the same transaction, up to the events it writes.
    public func commit(nowMs: Int64, checkpoint: StoreCheckpoint? = nil) throws {
        guard !readOnly, !closedForWriting, hasStaged || !stagedDims.isEmpty || checkpoint != nil else { return }
        do {
            try db.execute("BEGIN IMMEDIATE")
            do {
                for d in stagedDims {
                    insertDim.bind(1, Int64(d.dimension.rawValue)); insertDim.bind(2, Int64(d.id))
                    insertDim.bind(3, Int64(bitPattern: d.hash)); insertDim.bind(4, d.name)
                    try insertDim.run()
                }
                let s: SQLiteDatabase.Statement = insertEvent
                for e in stagedEvents {
                    s.bind(1, e.timestampMs); s.bind(2, Int64(bitPattern: e.requestHash))
                    s.bind(3, Int64(e.feature)); s.bind(4, Int64(e.apiKey)); s.bind(5, Int64(e.model))
                    s.bind(6, Int64(e.team)); s.bind(7, Int64(e.provider)); s.bind(8, Int64(e.user)); s.bind(9, Int64(e.gateway))
                    s.bind(10, e.inputTokens); s.bind(11, e.outputTokens); s.bind(12, e.cacheReadTokens)
                    s.bind(13, e.cacheWriteTokens); s.bind(14, e.reasoningTokens)
                    s.bind(15, e.cost.isNaN ? nil : e.cost)
                    s.bind(16, e.latencyMs >= 0 ? e.latencyMs : nil); s.bind(17, e.ttftMs >= 0 ? e.ttftMs : nil)
                    s.bind(18, Int64(e.retry))
                    let flags = (e.isError ? 1 : 0) | (e.gatewayCacheHit ? 2 : 0) | (e.batch ? 4 : 0)
                        | (e.batchEligible ? 8 : 0)
                    s.bind(19, Int64(flags))
                    s.bind(20, e.cacheWrite1hTokens)
                    s.bind(21, Int64(bitPattern: e.supersedeRank))
                    try s.run()
                }
                for g in stagedGPU {
                    let s: SQLiteDatabase.Statement = insertGPU
                    s.bind(1, g.timestampMs); s.bind(2, g.node); s.bind(3, g.gpu)
                    s.bind(4, g.utilPct); s.bind(5, g.memUsedMB); s.bind(6, g.memTotalMB); s.bind(7, g.powerW)
                    s.bind(8, g.queueDepth); s.bind(9, g.kvCachePct); s.bind(10, g.prefixCacheHitRate); s.bind(11, g.runningRequests)
                    try s.run()
                }
                for (key, value) in stagedPositions {
                    if let value {
                        upsertPosition.bind(1, key); upsertPosition.bind(2, value); upsertPosition.bind(3, nowMs)
                        try upsertPosition.run()
                    } else {
                        deletePosition.bind(1, key)
                        try deletePosition.run()
                    }
                }
                if let checkpoint {
                    // A reader's aside may have replaced the checkpoint this writer's minutes build on: only a
                    // whole one may then be written (the caller takes it next time).
                    let saved = try SpendStore.checkpointMark(db)
                    if checkpoint.replaceAll || saved == checkpointMark {
                        try writeCheckpoint(checkpoint, nowMs: nowMs)
                        checkpointMark = try SpendStore.checkpointMark(db)
                        checkpointReplaced = false
                    } else {
                        checkpointReplaced = true
                    }
                }
                try db.execute("COMMIT")
            } catch {
                try? db.execute("ROLLBACK")
                throw error
            }
        } catch let f as SQLiteDatabase.Failure {
            throw StoreFile.failure(f, path: path)
        }
        stagedDims.removeAll()
        stagedEvents.removeAll(keepingCapacity: true)
        stagedGPU.removeAll()
        stagedPositions.removeAll()
    }

    /// Deletes events and samples older than `days` before `nowMs`; returns the events deleted.
    @discardableResult
    public func applyRetention(days: Double, nowMs: Int64) throws -> Int {
        guard !readOnly else { return 0 }
        guard days.isFinite, days >= 0 else { return 0 }
        let horizon = SpendStore.horizon(days: days, nowMs: nowMs)
        do {
            try db.execute("DELETE FROM events WHERE ts < \(horizon)")
            let n = Int(sqlite3Changes(db))
            try db.execute("DELETE FROM gpu_samples WHERE ts < \(horizon)")
            return n
        } catch let f as SQLiteDatabase.Failure {
            throw StoreFile.failure(f, path: path)
        }
    }

    /// The oldest time `days` of retention keep; checked, so 1e300 days keeps everything rather than trapping.
    public static func horizon(days: Double, nowMs: Int64) -> Int64 {
        guard days.isFinite, days >= 0 else { return .min }
        return nowMs - Int64(min(days, Double(DurationText.maxMs / 86_400_000)) * 86_400_000)
    }

    /// Events in the store (for `check` and the bench).
    public func eventCount() throws -> Int64 {
        let s = try db.prepare("SELECT count(*) FROM events")
        _ = try s.step()
        return s.int(0)
    }
}
