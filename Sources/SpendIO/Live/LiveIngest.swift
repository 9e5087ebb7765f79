import Foundation
import SpendCore

/// The live feed: runs every source on its own thread, funnels their data through a bounded queue
/// into one ingest thread that owns the rollup (under a lock readers share) and the store.
///
/// Use: `init` (opens the store and replays it), `start()`, then `read { rollup in … }` and
/// `sources` from any thread; `waitUntilIdle(timeout:)` for finite reads; `stop()` (idempotent)
/// commits what was counted and joins every thread. With a store, build the rollup with
/// `Rollup.Options.internAllDimensions` (or groupings that read every dimension).
///
/// With `alerts`, the ingest thread also judges alerts as minutes close (after each batch, and on idle ticks when
/// no data arrives), once every source has read what it already had (its backlog); delivery happens off the lock.
public final class LiveIngest: SpendFeed {
    public struct Options {
        /// Follow sources for new data (console); false reads each to its current end (check, export).
        public var follow = true
        /// The store file; nil runs in memory only.
        public var storePath: String?
        /// Open the store only to read it (no lock, no writes): by default when there is no source to add.
        public var storeReadOnly: Bool?
        /// While the store refuses writes, at most this many events wait in memory for it (then they are
        /// counted on screen but not saved, and the header says how many).
        public var maxHeldEvents = 2_000_000
        /// Days of events the store keeps.
        public var retentionDays: Double = 7
        /// Bytes queued between the sources and the ingest thread before sources wait.
        public var queueBytes = 32 << 20
        /// A store transaction every this many events, or this often, whichever comes first.
        public var commitEvents = 50_000
        public var commitIntervalSeconds = 0.25
        /// Formats described in config (`[[mapping]]`), for every source's lines.
        public var mappings: [FieldMapping] = []
        /// Wall-clock time in ms (tests move it by hand).
        public var wallClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
        /// Alerts are judged at the latest this long after start even if a source never reports its backlog read.
        public var backlogGraceSeconds = 60.0
        /// A writer saves the rollup's checkpoint with a commit this often (and when it stops), so the next start
        /// loads cells instead of replaying every event; nil saves none.
        public var checkpointIntervalSeconds: Double? = 60
        /// A reader (no source to add) that had to replay events saves a checkpoint for the next start, when no
        /// writer holds the store: what the console does.
        public var checkpointsAfterReplay = false
        /// Replay the store on the ingest thread after `start()`, a page at a time, letting readers in between (the
        /// console draws while a day of events is read again, and its header says so); sources' data waits in the
        /// queue until the replay is done. Off: `init` replays before it returns (check, export, the tests).
        public var replaysInBackground = false
        /// Events per page of the replay (and between the readers' turns when it runs in the background).
        public var replayPageSize = 65_536
        /// Called on the ingest thread after each page of a background replay, with no lock held (tests, benches).
        public var onReplayPage: (@Sendable (Int) -> Void)?
        public init() {}
    }

    static let agentLogMaxLineBytes = 64 << 20

    /// The byte strings without which an agent's log line carries nothing the importers read.
    static func skim(_ agent: AgentLogs.Agent) -> (format: String, markers: [[UInt8]])? {
        switch agent {
        case .claude: return (ClaudeTranscriptImporter.formatName, [Array("\"usage\"".utf8)])
        case .codex: return (CodexSessionImporter.formatName,
                             ["\"token_count\"", "\"session_meta\"", "\"turn_context\""].map { Array($0.utf8) })
        case .directory: return nil
        }
    }
    let options: Options
    let specs: [(SourceSpec, SourceSettings)]
    let rollup: Rollup
    let rollupLock = NSLock()
    let statusLock = NSLock()
    var statuses: [SourceStatus]
    let store: SpendStore?
    var storeFailure: String?
    let savedPositions: [String: String]
    let queue: BoundedQueue<SourceBatch>
    let stopFlag = StopFlag()
    var started = false
    var runningSources = 0
    var pushed = 0
    var processed = 0
    var threadsDone = DispatchGroup()
    /// Events replayed from the store at start-up (with `replaysInBackground`, so far).
    public var replayedEvents: Int {
        statusLock.lock(); defer { statusLock.unlock() }
        return replayed
    }
    var replayed = 0
    /// A background replay not finished yet: (the last event rowid read, the events table's highest) (`statusLock`).
    var replayProgress: (done: Int64, of: Int64)?
    /// Why a background replay failed (`statusLock`); the header says so.
    var replayFailure: String?
    /// Where a deferred replay starts (retention's horizon), until the ingest thread runs it.
    var deferredReplayFromMs: Int64?
    /// Judged on the ingest thread as minutes close; nil: no alerting.
    public let alerts: AlertDelivery?
    /// Sources that have read what they already had (statusLock).
    var caughtUp = Set<Int>()
    var startedAt = Date()
    var lastAlertCheck = Date.distantPast

    // Owned by the ingest thread.
    var pipelines: [[String: EventPipeline]]
    var retired: [SourceStats]
    var dimensionMaps: [StoredDimensionMap]

    /// Opens the store (if any) and replays it into `rollup` before any source runs.
    public init(sources: [(SourceSpec, SourceSettings)], rollup: Rollup, options: Options = Options(),
                alerts: AlertDelivery? = nil) throws {
        self.options = options
        self.alerts = alerts
        specs = sources
        self.rollup = rollup
        statuses = sources.map { SourceStatus(name: $0.0.name, state: .connecting) }
        pipelines = Array(repeating: [:], count: sources.count)
        retired = Array(repeating: SourceStats(), count: sources.count)
        dimensionMaps = Array(repeating: StoredDimensionMap(), count: sources.count)
        queue = BoundedQueue(capacityBytes: options.queueBytes)
        if let path = options.storePath {
            guard rollup.internsAllDimensions else {
                throw SpendStore.Failure(description: "a rollup feeding the store must intern every dimension (Rollup.Options.internAllDimensions)")
            }
            let s = try SpendStore(path: path, readOnly: options.storeReadOnly ?? sources.isEmpty)
            s.maxStagedEvents = options.maxHeldEvents
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            try s.applyRetention(days: options.retentionDays, nowMs: now)
            // A reader deletes nothing: retention is a filter on what it replays (a writer has deleted what it skips).
            let oldest = SpendStore.horizon(days: options.retentionDays, nowMs: now)
            savedPositions = try s.positions()
            store = s
            if options.replaysInBackground {
                deferredReplayFromMs = oldest
                replayProgress = (0, try s.eventRowidCeiling())
            } else {
                replayed = try s.replay(into: rollup, pageSize: options.replayPageSize, minTimestampMs: oldest)
                try replayDone(s)
            }
        } else {
            store = nil
            savedPositions = [:]
        }
    }

    deinit { stop() }

    /// What follows a whole replay: which minutes the next checkpoint saves, recording for the store from now on, and
    /// the month budgets' spend before the rollup's oldest minute.
    func replayDone(_ s: SpendStore) throws {
        let fullReplay = s.replaySummary.fullReplayReason != nil
        // Minutes the replay changed (all of them, or those of the events after the checkpoint) are saved soon.
        checkpointOwed = (fullReplay || s.replaySummary.eventsAfterCheckpoint > 0) && !rollup.buckets.isEmpty
        checkpointReplacesAll = fullReplay
        rollup.recordsForStore = !s.readOnly
        if let alerts {
            try LiveIngest.budgetPriors(alerts.engine, store: s, rollup: rollup, nowMs: options.wallClock())
        }
    }

    /// The deferred replay, on the ingest thread before any source's data: a page at a time under the rollup's lock,
    /// let go between pages so the console can read (and draw the progress). Stopped part way by `stop()`, it saves
    /// no checkpoint (the next start reads the store again).
    func replayInBackground() -> Bool {
        guard let s = store, let from = deferredReplayFromMs else { return true }
        var completed = false
        rollupLock.lock()
        do {
            let n = try s.replay(into: rollup, pageSize: options.replayPageSize, minTimestampMs: from) { [self] n, row in
                statusLock.lock()
                replayed = n
                replayProgress?.done = row
                statusLock.unlock()
                rollupLock.unlock()
                options.onReplayPage?(n)
                // The lock is not fair: without a pause the replay takes it back before a waiting reader wakes.
                usleep(200)
                rollupLock.lock()
                return !stopFlag.isSet
            }
            statusLock.lock()
            replayed = n
            statusLock.unlock()
            if !s.interrupted {
                try replayDone(s)
                completed = true
            }
        } catch {
            // Going on would count the sources' events without saving them while their positions are saved (lost
            // for good), and checkpoint a partial rollup: the sources wait instead, and the header says why.
            statusLock.lock()
            replayFailure = "\(error)"
            statusLock.unlock()
        }
        rollupLock.unlock()
        statusLock.lock()
        replayProgress = nil
        statusLock.unlock()
        return completed
    }

    // MARK: SpendFeed

    public func read<T>(_ body: (SpendQuery) throws -> T) rethrows -> T {
        rollupLock.lock()
        defer { rollupLock.unlock() }
        return try body(rollup)
    }

    public var sources: [SourceStatus] {
        statusLock.lock()
        defer { statusLock.unlock() }
        return statuses
    }

    /// A store write that failed (the console shows it; counting goes on in memory).
    public var storeError: String? {
        statusLock.lock(); defer { statusLock.unlock() }
        return storeFailure
    }

    /// The header's line while the store refuses writes: what failed and how much waits in memory.
    public var storeStatus: String? {
        statusLock.lock(); defer { statusLock.unlock() }
        if let p = replayProgress {
            return "store: replaying its events, row \(p.done) of ~\(p.of); totals are partial until it ends"
        }
        if let f = replayFailure { return "store: replay failed (\(f)); totals are partial, the sources wait" }
        guard storeFailure != nil else { return nil }
        var s = "store: write failed (\(storeFailureReason)), holding \(storeHeld) events"
        if storeUnsaved > 0 { s += ", \(storeUnsaved) not saved" }
        return s
    }
    var storeFailureReason = ""
    var storeHeld = 0
    var storeUnsaved: Int64 = 0

    public var storePath: String? { store?.path }
    /// How start-up read the store: from its checkpoint, or every event and why.
    public var storeReplay: StoreReplaySummary? { store?.replaySummary }

    // MARK: life cycle

    public func start() {
        statusLock.lock()
        guard !started else { statusLock.unlock(); return }
        started = true
        runningSources = specs.count
        startedAt = Date()
        statusLock.unlock()
        for (i, (spec, settings)) in specs.enumerated() {
            let ctx = SourceContext(
                index: i, name: spec.name, follow: options.follow, settings: settings, queue: queue,
                savedPositions: savedPositions, stop: stopFlag,
                report: { [unowned self] i, state, error, stalled in self.report(i, state, error, stalled: stalled) },
                pushed: { [unowned self] in self.statusLock.lock(); self.pushed += 1; self.statusLock.unlock() },
                liveMeansCaughtUp: LiveIngest.liveMeansCaughtUp(spec),
                caughtUp: { [unowned self] i in self.statusLock.lock(); self.caughtUp.insert(i); self.statusLock.unlock() })
            spawn("spendtop-source-\(i)") { [self] in
                LiveIngest.makeRunner(spec)(ctx)
                statusLock.lock()
                runningSources -= 1
                if case .connecting = statuses[i].state, !stopFlag.isSet { statuses[i].state = .failed }
                if case .live = statuses[i].state, !options.follow { statuses[i].state = .ended }
                statusLock.unlock()
            }
        }
        spawn("spendtop-ingest") { [self] in ingestLoop() }
    }

    /// Stops the sources, counts what they had queued, commits the store and joins every thread.
    public func stop() {
        guard stopFlag.raise() else { return }
        statusLock.lock()
        let wasStarted = started
        statusLock.unlock()
        if wasStarted {
            queue.close()
            threadsDone.wait()
        }
        commitStore(force: true)
        // The checkpoint was found replaced by a reader's: the whole one is written before the store is let go.
        if checkpointOwed && store?.checkpointReplaced == true { commitStore(force: true) }
        commitLock.lock()
        store?.releaseLock()
        commitLock.unlock()
    }

    /// Waits until every source has ended (or failed) and everything queued is counted; true if
    /// that happened within `timeout` seconds. Meaningful for finite reads (`follow == false`).
    @discardableResult
    public func waitUntilIdle(timeout: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            statusLock.lock()
            let idle = runningSources == 0 && processed == pushed && replayProgress == nil
            statusLock.unlock()
            if idle && queue.isEmpty { return true }
            usleep(2_000)
        }
        return false
    }

    /// Everything queued so far is counted (follow mode: the sources may still be adding).
    public func waitUntilCaughtUp(timeout: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            statusLock.lock()
            let idle = processed == pushed && replayProgress == nil
            statusLock.unlock()
            if idle && queue.isEmpty { return true }
            usleep(2_000)
        }
        return false
    }

    var isStopping: Bool { stopFlag.isSet }

    func spawn(_ name: String, _ body: @escaping () -> Void) {
        threadsDone.enter()
        let t = Thread { [threadsDone] in
            body()
            threadsDone.leave()
        }
        t.name = name
        t.stackSize = 4 << 20
        t.start()
    }

    func report(_ i: Int, _ state: SourceState?, _ error: String??, stalled: Bool? = nil) {
        statusLock.lock()
        if let state { statuses[i].state = state }
        if let error { statuses[i].lastError = error }
        if let stalled { statuses[i].stalled = stalled }
        statusLock.unlock()
    }

    static func makeRunner(_ spec: SourceSpec) -> (SourceContext) -> Void {
        switch spec {
        case .file(let p): return FileTailSource(pattern: p).run
        case .stdin: return StdinSource().run
        case .nvidiaSmi:
            let node = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
            let offset = Int64(TimeZone.current.secondsFromGMT())
            return StdinSource(nvidiaSmi: NvidiaSmiCSV(node: node, utcOffsetSeconds: offset)).run
        case .http(let u): return HTTPStreamSource(url: u).run
        case .prometheus(let u): return PrometheusSource(url: u).run
        case .promql: return LiveIngest.remoteEngine(spec)
        case .sqlite(let p, let t): return SQLiteSource(path: p, table: t).run
        case .agentLogs(let logs): return AgentLogSource(logs: logs).run
        case .postgres: return LiveIngest.remoteEngine(spec)
        }
    }

    /// A remote engine is answered by its own aggregates (`RemoteFeed`), never read as events: the commands give it
    /// alone; here (a library caller mixing it with event sources) it says so rather than showing nothing as healthy.
    static func remoteEngine(_ spec: SourceSpec) -> (SourceContext) -> Void {
        { ctx in
            ctx.setError("\(spec.name) is a remote engine read by pushdown (RemoteFeed), not a stream of events; "
                         + "give it as the only SOURCE")
            ctx.setState(.failed)
        }
    }

    // MARK: ingest thread

    var lastCommit = Date()
    var lastRetention = Date()

    func ingestLoop() {
        // A replay stopped part way counts nothing more: what the sources queued is neither counted nor saved.
        guard replayInBackground() else { return }
        checkpointAside()
        var moreAlerts = false
        while true {
            guard let batch = queue.pop(timeout: moreAlerts ? 0 : options.commitIntervalSeconds) else {
                if queueClosedAndEmpty() { break }
                commitStore(force: false)
                // No data: the clock alone may have closed a minute.
                moreAlerts = judgeAlerts(busy: false, continuing: moreAlerts)
                continue
            }
            rollupLock.lock()
            apply(batch)
            store?.stage(from: rollup)
            let stats = sourceStats(batch.source)
            rollupLock.unlock()
            statusLock.lock()
            statuses[batch.source].stats = stats
            processed += 1
            statusLock.unlock()
            commitStore(force: false)
            moreAlerts = judgeAlerts(busy: !queue.isEmpty, continuing: moreAlerts)
        }
        // The minutes the sources' last data closed are judged too, and delivered before stop() returns; a catch-up
        // on history still under way is left (quitting during it must not wait for a day of minutes).
        if let alerts {
            if !alerts.isCatchingUp {
                rollupLock.lock()
                alerts.evaluate(rollup, wallMs: options.wallClock())
                rollupLock.unlock()
            }
            alerts.waitUntilDelivered(timeout: 10)
        }
    }

    /// Which sources report `live` only once they are connected and reading new data (their backlog, if any, is
    /// what a server replays): a file or SQLite source is `live` before it has read what it already holds.
    static func liveMeansCaughtUp(_ spec: SourceSpec) -> Bool {
        switch spec {
        case .file, .sqlite, .agentLogs: return false
        case .stdin, .nvidiaSmi, .http, .prometheus, .postgres, .promql: return true
        }
    }

    /// Judges alerts with the rollup held, once every source has read its backlog (history is then judged in one
    /// quiet catch-up, not rung minute by minute as it streams in). While data keeps arriving it judges at most once
    /// a second; a catch-up goes on slice by slice. True while a catch-up has slices left.
    func judgeAlerts(busy: Bool, continuing: Bool) -> Bool {
        guard let alerts else { return false }
        if !continuing {
            statusLock.lock()
            let backlogRead = caughtUp.count >= specs.count || Date().timeIntervalSince(startedAt) >= options.backlogGraceSeconds
            statusLock.unlock()
            guard backlogRead else { return false }
            if busy && Date().timeIntervalSince(lastAlertCheck) < 1 { return false }
        }
        lastAlertCheck = Date()
        rollupLock.lock()
        defer { rollupLock.unlock() }
        return alerts.evaluate(rollup, wallMs: options.wallClock())
    }

    /// Month (and day) budgets whose period began before the replayed rollup's oldest minute: what the store holds
    /// from the period's start up to that minute, priced as the rollup prices, so the budget counts the whole period.
    static func budgetPriors(_ engine: AlertEngine, store: SpendStore, rollup: Rollup, nowMs: Int64) throws {
        guard !engine.rules.budgets.isEmpty, let oldest = rollup.extent.oldestMinute else { return }
        let untilMs = oldest * 60_000
        let clock = rollup.clockMs(wallMs: nowMs)
        for (i, b) in engine.rules.budgets.enumerated() {
            let period = b.periodRange(containing: clock)
            guard period.start < untilMs else { continue }
            let spent = try store.spend(scope: b.scope, fromMs: period.start, toMs: untilMs, prices: rollup.prices)
            engine.budgetPriors[i] = .init(periodStartMs: period.start, untilMs: untilMs, spentUSD: spent)
        }
    }

    func queueClosedAndEmpty() -> Bool { isStopping && queue.isEmpty }

    func pipeline(_ source: Int, _ stream: String) -> EventPipeline {
        if let p = pipelines[source][stream] { return p }
        var maxLine = specs[source].1.maxLineBytes
        // A transcript line holds a whole tool result or a pasted image: longer than any event,
        // and not an error. Usage lines are small; the cap only bounds memory.
        if case .agentLogs = specs[source].0 { maxLine = max(maxLine, LiveIngest.agentLogMaxLineBytes) }
        let p = EventPipeline(rollup: rollup, maxLineBytes: maxLine)
        if case .agentLogs(let logs) = specs[source].0 { p.skim = LiveIngest.skim(logs.agent) }
        p.mappings = options.mappings
        pipelines[source][stream] = p
        return p
    }

    func retire(_ source: Int, _ stream: String) {
        guard let p = pipelines[source][stream] else { return }
        LiveIngest.add(p.stats, to: &retired[source])
        pipelines[source][stream] = nil
    }

    func apply(_ b: SourceBatch) {
        let s = b.source
        switch b.payload {
        case .bytes(let bytes, let end):
            let p = pipeline(s, b.stream)
            bytes.withUnsafeBytes { p.feed($0) }
            if let end {
                // Saved with a hash of the 16 bytes before it, so a file rewritten while spendtop
                // was down (copytruncate) is noticed on resume instead of read from mid-line.
                let cut = bytes.count - p.pendingBytes
                if cut >= 0 {
                    var value = String(end - Int64(p.pendingBytes))
                    if cut >= 16 { value += "/" + FileTailSource.fingerprint(bytes[(cut - 16)..<cut]) }
                    // What the stream's lines so far told the importers (a Codex session's model and
                    // running total), so that a resumed read decodes the next line as a full read would.
                    if let context = p.context.snapshot() { value += "\n" + context }
                    stagePosition(b.stream, value)
                }
            }
        case .records(let records):
            let p = pipeline(s, b.stream)
            for var r in records {
                // Multi-line SSE data is one JSON value; its newlines are whitespace to JSON.
                for i in r.indices where r[i] == 10 { r[i] = 32 }
                r.withUnsafeBytes { p.consume(record: $0) }
            }
            p.flush()
        case .decoded(let lines, let format):
            let p = pipeline(s, b.stream)
            for l in lines { p.consume(decoded: l, format: format) }
        case .stored(let events, let gpus, let dims):
            let p = pipeline(s, b.stream)
            dimensionMaps[s].learn(dims, rollup: rollup)
            for var e in events {
                dimensionMaps[s].map(&e)
                p.consume(interned: &e)
            }
            for g in gpus { p.consume(decoded: .gpu([g]), format: "spendtop-store") }
        case .rejects(let reason, let n):
            retired[s].rejects[reason, default: 0] += n
        case .endOfStream:
            pipeline(s, b.stream).finish()
            if b.forget { retire(s, b.stream) }
        case .truncated:
            retire(s, b.stream)
        case .restoreContext(let text):
            pipeline(s, b.stream).context.restore(text)
        }
        if let pos = b.position { stagePosition(b.stream, pos) }
        if b.forget {
            stagePosition(b.stream, nil)
        }
    }

    func stagePosition(_ key: String, _ value: String?) {
        guard !key.isEmpty else { return }
        store?.stagePosition(key, value)
    }

    func sourceStats(_ s: Int) -> SourceStats {
        var total = retired[s]
        for p in pipelines[s].values { LiveIngest.add(p.stats, to: &total) }
        return total
    }

    static func add(_ a: SourceStats, to t: inout SourceStats) {
        t.lines += a.lines
        t.bytes += a.bytes
        t.events += a.events
        t.gpuSamples += a.gpuSamples
        t.duplicates += a.duplicates
        t.superseded += a.superseded
        for (k, v) in a.skipped { t.skipped[k, default: 0] += v }
        t.expired += a.expired
        for (k, v) in a.rejects { t.rejects[k, default: 0] += v }
        for (k, v) in a.formats { t.formats[k, default: 0] += v }
        if let f = a.firstMs { t.firstMs = min(t.firstMs ?? f, f) }
        if let l = a.lastMs { t.lastMs = max(t.lastMs ?? l, l) }
    }

    let commitLock = NSLock()

    func commitStore(force: Bool) {
        guard let store else { return }
        commitLock.lock()
        defer { commitLock.unlock() }
        let checkpointEvery = store.readOnly ? nil : options.checkpointIntervalSeconds
        let owed = checkpointOwed && checkpointEvery != nil
        // Stopping saves what was committed since the last checkpoint, even with nothing left to commit.
        let closing = force && uncheckpointed && checkpointEvery != nil
        guard store.hasStaged || owed || closing else { return }
        // A store that refuses writes is retried once a second, not on every batch.
        let interval = storeFailing ? max(1, options.commitIntervalSeconds) : options.commitIntervalSeconds
        guard force || (!storeFailing && store.stagedCount >= options.commitEvents)
                || Date().timeIntervalSince(lastCommit) >= interval else { return }
        rollupLock.lock()
        store.stage(from: rollup)
        let savesEvents = store.stagedCount > 0
        // Taken with what was just staged, so the saved checkpoint holds exactly the events saved with it.
        var checkpoint: StoreCheckpoint?
        if let every = checkpointEvery, force || owed || Date().timeIntervalSince(lastCheckpoint) >= every {
            checkpoint = StoreCheckpoint.take(rollup, shape: checkpointShape, fromMs: store.replayFromMs,
                                              replaceAll: checkpointReplacesAll)
        }
        rollupLock.unlock()
        do {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            do {
                try store.commit(nowMs: now, checkpoint: checkpoint)
            } catch {
                if let checkpoint {
                    rollupLock.lock()
                    RollupCheckpoint.markChanged(rollup, minutes: checkpoint.minutes.map(\.minute))
                    rollupLock.unlock()
                }
                throw error
            }
            if checkpoint != nil, store.checkpointReplaced {
                // Someone else's checkpoint is saved now: ours is written whole at the next commit.
                rollupLock.lock()
                RollupCheckpoint.markChanged(rollup, minutes: Array(rollup.buckets.keys))
                rollupLock.unlock()
                checkpointOwed = true
                checkpointReplacesAll = true
                uncheckpointed = true
            } else if checkpoint != nil {
                lastCheckpoint = Date()
                checkpointOwed = false
                checkpointReplacesAll = false
                uncheckpointed = false
            } else if savesEvents {
                uncheckpointed = true
            }
            lastCommit = Date()
            // A console left running for weeks keeps its retention too.
            if Date().timeIntervalSince(lastRetention) >= 3600 {
                lastRetention = Date()
                try store.applyRetention(days: options.retentionDays, nowMs: now)
            }
            storeFailing = false
            statusLock.lock(); storeFailure = nil; storeUnsaved = store.unsavedEvents; statusLock.unlock()
        } catch {
            // Counting goes on in memory; what was staged stays staged and is written by a later commit.
            storeFailing = true
            let reason = (error as? SpendStore.Failure)?.reason ?? "error"
            statusLock.lock()
            storeFailure = "\(error)"
            storeFailureReason = reason
            storeHeld = store.stagedCount
            storeUnsaved = store.unsavedEvents
            statusLock.unlock()
            lastCommit = Date()
        }
    }

    /// Owned under `commitLock`.
    var storeFailing = false
    /// A checkpoint is due at the next commit: the replay read every event (`commitLock`).
    var checkpointOwed = false
    /// The next checkpoint replaces every saved minute (the saved one did not fit, or there was none).
    var checkpointReplacesAll = false
    var lastCheckpoint = Date()
    /// Events were committed since the last checkpoint (`commitLock`).
    var uncheckpointed = false
    lazy var checkpointShape = RollupCheckpoint.shape(of: rollup)

    /// A reader's checkpoint after a full replay, taken on the ingest thread once the console is drawing.
    func checkpointAside() {
        guard options.checkpointsAfterReplay, let store, store.readOnly, checkpointOwed else { return }
        checkpointOwed = false
        rollupLock.lock()
        let c = store.checkpointAfterReplay(rollup)
        rollupLock.unlock()
        if let c { _ = store.saveAside(c, nowMs: options.wallClock()) }
    }
}
