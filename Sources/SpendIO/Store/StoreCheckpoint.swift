import SpendCore

/// A rollup checkpoint to save with a commit (issue 12 point 1): the minutes that changed since the last one,
/// and the state that spans minutes. See docs/store.md.
public struct StoreCheckpoint {
    public var shape: String
    public var state: [UInt8]
    public var minutes: [RollupCheckpoint.Minute]
    /// The rollup's oldest minute: saved minutes below it are gone from the rollup and are deleted.
    public var oldestMinute: Int64?
    /// The oldest event time the rollup's replay read (the store's retention horizon then).
    public var fromMs: Int64
    /// Delete every saved minute first (the saved checkpoint was of another shape, or there was none).
    public var replaceAll: Bool

    /// The checkpoint of `rollup` now, with the rollup held; its minutes' changed flags are cleared.
    public static func take(_ rollup: Rollup, shape: String, fromMs: Int64, replaceAll: Bool) -> StoreCheckpoint {
        StoreCheckpoint(shape: shape, state: RollupCheckpoint.state(rollup),
                        minutes: RollupCheckpoint.takeChangedMinutes(rollup), oldestMinute: rollup.oldestMinute,
                        fromMs: fromMs, replaceAll: replaceAll)
    }
}

/// How the last start-up read the store: from a checkpoint and the events after it, or every event (and why).
public struct StoreReplaySummary: Sendable {
    public var checkpointMinutes = 0
    public var eventsAfterCheckpoint = 0
    /// Why no checkpoint was used; nil when one was.
    public var fullReplayReason: String?
    public init() {}

    /// `check`'s line: "from a checkpoint of 1440 minutes, then 812 events after it" or "every event (why)".
    public var text: String {
        if let why = fullReplayReason { return "every event replayed (\(why))" }
        return "from a checkpoint of \(checkpointMinutes) minutes, then \(eventsAfterCheckpoint) events after it"
    }
}

extension SpendStore {
    static let checkpointTables = """
        CREATE TABLE IF NOT EXISTS checkpoint(id INTEGER PRIMARY KEY CHECK(id = 1), shape TEXT NOT NULL,
            event_rowid INTEGER NOT NULL, gpu_rowid INTEGER NOT NULL, from_ms INTEGER NOT NULL,
            oldest_minute INTEGER, written_ms INTEGER NOT NULL, state BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS checkpoint_minutes(minute INTEGER PRIMARY KEY, sweeps INTEGER NOT NULL,
            cells BLOB NOT NULL);
        """

    /// Writes `c` inside the caller's transaction, up to the events the store holds now.
    func writeCheckpoint(_ c: StoreCheckpoint, nowMs: Int64) throws {
        try SpendStore.writeCheckpoint(c, nowMs: nowMs, into: db)
    }

    static func writeCheckpoint(_ c: StoreCheckpoint, nowMs: Int64, into db: SQLiteDatabase) throws {
        if c.replaceAll { try db.execute("DELETE FROM checkpoint_minutes") }
        let put = try db.prepare("INSERT OR REPLACE INTO checkpoint_minutes VALUES(?,?,?)")
        let folded = try db.prepare("DELETE FROM checkpoint_minutes WHERE minute > ? AND minute < ?")
        for m in c.minutes {
            put.bind(1, m.minute)
            put.bind(2, m.sweeps)
            put.bind(3, blob: m.bytes)
            try put.run()
            // The minutes folded into this cell were saved on their own before: their blobs go.
            if m.span > 1 {
                folded.bind(1, m.minute)
                folded.bind(2, m.minute + m.span)
                try folded.run()
            }
        }
        if let oldest = c.oldestMinute { try db.execute("DELETE FROM checkpoint_minutes WHERE minute < \(oldest)") }
        let head = try db.prepare("""
            INSERT OR REPLACE INTO checkpoint VALUES(1, ?, (SELECT coalesce(max(rowid), 0) FROM events),
                (SELECT coalesce(max(rowid), 0) FROM gpu_samples), ?, ?,
                max(?, coalesce((SELECT written_ms + 1 FROM checkpoint WHERE id = 1), 0)), ?)
            """)
        head.bind(1, c.shape)
        head.bind(2, c.fromMs)
        if let oldest = c.oldestMinute { head.bind(3, oldest) } else { head.bind(3, nil as Double?) }
        head.bind(4, nowMs)
        head.bind(5, blob: c.state)
        try head.run()
    }

    /// Writes a checkpoint taken by a reader, up to the rows it read, on a connection of its own and without the
    /// writer's lock (a writer starting meanwhile must not be refused): SQLite's write lock orders it with any
    /// writer, and it is written only if the saved checkpoint is still the one the reader started from (`seen`).
    /// Otherwise a writer saved a newer one, and mixing this reader's minutes with it would count rows twice.
    /// A store without the checkpoint tables (an older spendtop's) is left as it is.
    static func writeCheckpointAside(path: String, _ c: StoreCheckpoint, eventRowid: Int64, gpuRowid: Int64,
                                     seen: CheckpointMark?, nowMs: Int64) -> Bool {
        guard let db = try? SQLiteDatabase(path: path, readOnly: false, create: false) else { return false }
        sqlite3BusyLonger(db)
        do {
            guard try hasCheckpointTables(db) else { return false }
            try db.execute("BEGIN IMMEDIATE")
            do {
                guard try checkpointMark(db) == seen else {
                    try db.execute("ROLLBACK")
                    return false
                }
                try writeCheckpoint(c, nowMs: nowMs, into: db)
                try db.execute("UPDATE checkpoint SET event_rowid = \(eventRowid), gpu_rowid = \(gpuRowid)")
                try db.execute("COMMIT")
            } catch {
                try? db.execute("ROLLBACK")
                return false
            }
        } catch {
            return false
        }
        return true
    }

    /// Which saved checkpoint this is: its cursor and when it was written (`written_ms` only ever grows, so two
    /// checkpoints never share a mark).
    struct CheckpointMark: Equatable {
        var eventRowid: Int64
        var writtenMs: Int64
    }

    static func hasCheckpointTables(_ db: SQLiteDatabase) throws -> Bool {
        let s = try db.prepare("SELECT count(*) FROM sqlite_master WHERE type='table'"
                               + " AND name IN ('checkpoint', 'checkpoint_minutes')")
        return try s.step() && s.int(0) == 2
    }

    static func checkpointMark(_ db: SQLiteDatabase) throws -> CheckpointMark? {
        guard try hasCheckpointTables(db) else { return nil }
        let s = try db.prepare("SELECT event_rowid, written_ms FROM checkpoint WHERE id = 1")
        return try s.step() ? CheckpointMark(eventRowid: s.int(0), writtenMs: s.int(1)) : nil
    }

    struct SavedCheckpoint {
        var eventRowid: Int64
        var gpuRowid: Int64
        var state: [UInt8]
    }

    /// Hands each saved minute's blob to `each`, in place, in minute order.
    func readCheckpointMinutes(_ each: (Int64, Int64, UnsafeRawBufferPointer) throws -> Void) throws {
        let rows = try db.prepare("SELECT minute, sweeps, cells FROM checkpoint_minutes ORDER BY minute")
        while try rows.step() {
            let minute = rows.int(0), sweeps = rows.int(1)
            try rows.withBlob(2) { try each(minute, sweeps, $0) }
        }
    }

    /// The saved checkpoint if a rollup of `shape` reading events from `fromMs` on may start from it, else why not.
    func savedCheckpoint(shape: String, fromMs: Int64) throws -> (SavedCheckpoint?, String) {
        guard try SpendStore.hasCheckpointTables(db) else { return (nil, "no checkpoint") }
        let head = try db.prepare("""
            SELECT shape, event_rowid, gpu_rowid, from_ms, oldest_minute, state,
                (SELECT coalesce(max(rowid), 0) FROM events), (SELECT coalesce(max(rowid), 0) FROM gpu_samples)
            FROM checkpoint WHERE id = 1
            """)
        guard try head.step() else { return (nil, "no checkpoint") }
        let saved = head.text(0) ?? ""
        guard saved == shape else {
            func settings(_ s: String) -> String? { s.components(separatedBy: "; prices ").first }
            let pricesOnly = settings(saved) == settings(shape)
            return (nil, pricesOnly ? "the price table changed since the checkpoint" : "checkpoint of other settings")
        }
        let eventRowid = head.int(1), gpuRowid = head.int(2), savedFrom = head.int(3)
        // Rows after the checkpoint's cursor must be new ones: a store emptied and refilled starts its rowids over.
        guard eventRowid <= head.int(6), gpuRowid <= head.int(7) else { return (nil, "checkpoint ahead of the events") }
        // Events the checkpoint's replay skipped as too old, that a replay now would read.
        guard savedFrom <= fromMs else { return (nil, "retention was longer than at the checkpoint") }
        // Events the checkpoint's cells hold that retention has deleted since.
        if !head.isNull(4), fromMs > head.int(4) * 60_000 { return (nil, "retention reached the checkpoint's minutes") }
        return (SavedCheckpoint(eventRowid: eventRowid, gpuRowid: gpuRowid, state: head.blob(5)), "")
    }
}

extension SpendStore {
    /// A reader whose replay read events (every one, or those after the checkpoint) saves a checkpoint of what it
    /// built, so the next start need not, when no writer holds the store (a writer checkpoints its own rollup).
    /// Take it with the rollup held.
    public func checkpointAfterReplay(_ rollup: Rollup) -> StoreCheckpoint? {
        let full = replaySummary.fullReplayReason != nil
        guard readOnly, full || replaySummary.eventsAfterCheckpoint > 0, !rollup.buckets.isEmpty else { return nil }
        return StoreCheckpoint.take(rollup, shape: RollupCheckpoint.shape(of: rollup), fromMs: replayFromMs,
                                    replaceAll: full)
    }

    /// Writes what `checkpointAfterReplay` took; false when a writer saved a newer checkpoint meanwhile or the
    /// write failed.
    public func saveAside(_ c: StoreCheckpoint, nowMs: Int64) -> Bool {
        SpendStore.writeCheckpointAside(path: path, c, eventRowid: replayCursors.events, gpuRowid: replayCursors.gpu,
                                        seen: replayStartMark, nowMs: nowMs)
    }
}
