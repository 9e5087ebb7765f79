import Foundation
import SpendCore

/// Live polling of a remote engine: a first read of the newest minutes, the rest of the window read
/// back a chunk at a time (so a first frame never waits for a day of rows), then every `pollSeconds` the minutes
/// from the newest complete minute on, re-reading `rereadMinutes` before it, because a gateway writes
/// its logs in batches (LiteLLM every few seconds to a minute) and late rows land in minutes already
/// shown. What a poll reads *replaces* those minutes' cells; nothing is added twice.
///
/// A lost connection reconnects with the HTTP sources' backoff (base × 2^(failures−1), capped, × U(0.5, 1));
/// a statement the server refuses (timeout, permission) is shown as the source's error and retried
/// on the same schedule; nothing is thrown at the reader of the cells.
public final class RemotePoller: @unchecked Sendable {
    public struct Settings: Sendable {
        public var pollSeconds: Double = 5
        public var rereadMinutes: Int64 = 5
        /// Minutes kept behind the clock (the console's 24 h).
        public var retentionMinutes: Int64 = 24 * 60
        /// The window is read newest first, this many minutes per aggregate (each bounded by `statement_timeout`).
        public var backfillChunkMinutes: Int64 = 60
        public var backoffBaseSeconds: Double = 0.5
        public var backoffCapSeconds: Double = 30
        /// Keep polling (console) or read once and end (export, check).
        public var follow = true
        /// Attempts before a read that does not follow gives up.
        public var finiteAttempts = 4
        public init() {}

        /// Backoff from a source's settings (the same `[sources] backoff_cap` as HTTP streams).
        public init(source: SourceSettings, postgres: PostgresSettings) {
            pollSeconds = postgres.pollSeconds
            rereadMinutes = postgres.rereadMinutes
            backoffBaseSeconds = source.backoffBaseSeconds
            backoffCapSeconds = source.backoffCapSeconds
            finiteAttempts = source.finiteAttempts
        }
    }

    public let name: String
    let reader: RemoteCellReading
    let settings: Settings
    let groupings: [[SpendCore.Dimension]]
    let wallClock: @Sendable () -> Int64
    private var windows: [[SpendCore.Dimension]: RemoteCellWindow]
    let loop: PollerLoop

    public init(name: String, reader: RemoteCellReading, groupings: [[SpendCore.Dimension]], settings: Settings = Settings(),
                wallClock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.name = name
        self.reader = reader
        self.groupings = groupings
        self.settings = settings
        self.wallClock = wallClock
        windows = Dictionary(groupings.map { ($0, RemoteCellWindow(dimensions: $0)) }, uniquingKeysWith: { a, _ in a })
        loop = PollerLoop(name: name)
    }

    deinit { stop() }

    /// The source's state and last error, as the header and `!` show them.
    public var status: SourceStatus { loop.status }
    /// Polls completed so far.
    public var polls: Int { loop.polls }
    /// Whether the whole window has been read (it is read newest first, a chunk at a time).
    public var isWindowRead: Bool { loop.isWindowRead }
    /// Changes whenever the cells do (a poll or a chunk of the window).
    public var generation: Int { loop.generation }
    /// The current minute of the data (nil before the first poll).
    public var currentMinute: Int64? { loop.currentMinute }

    /// Reads the cells under the poller's lock (one consistent poll).
    public func read<T>(_ body: ([[SpendCore.Dimension]: RemoteCellWindow]) throws -> T) rethrows -> T {
        try loop.locked { try body(windows) }
    }

    /// Waits until more than `count` polls have completed, or the poller stopped; true if they have.
    @discardableResult
    public func waitForPolls(moreThan count: Int, timeout: Double) -> Bool {
        loop.waitForPolls(moreThan: count, timeout: timeout)
    }

    /// Waits until `predicate` holds for the status (event-based: woken on every change).
    @discardableResult
    public func waitForStatus(timeout: Double, _ predicate: (SourceStatus) -> Bool) -> Bool {
        loop.waitForStatus(timeout: timeout, predicate)
    }

    /// The number of the last status change (`firstStatus(since:)`).
    public var statusMark: Int { loop.statusMark }

    /// The first status after change `mark` for which `predicate` holds, even if a later one replaced it before this
    /// thread ran; nil on timeout.
    public func firstStatus(since mark: Int, timeout: Double, _ predicate: (SourceStatus) -> Bool) -> SourceStatus? {
        loop.firstStatus(since: mark, timeout: timeout, predicate)
    }

    public func start() { loop.start(name: "spendtop-remote-poller") { [self] in run() } }

    /// Stops polling and waits for the thread (a statement in flight finishes or times out first).
    public func stop() { loop.stop() }

    func update(_ change: (inout SourceStatus) -> Void) { loop.update(change) }

    /// Makes `cells` the content of `range` in every grouping; a live poll also moves the clock.
    func apply(_ read: [[SpendCore.Dimension]: [RemoteCell]], _ range: ClosedRange<Int64>, wallMinute: Int64?, windowRead: Bool) {
        loop.publish(windowRead: windowRead) {
            for (g, cells) in read { windows[g]?.replace(minutes: range, with: cells) }
            guard let wallMinute else { return nil }
            // The clock: wall time while data is live, the newest minute when there is only history.
            let newest = windows.values.compactMap(\.newestMinute).max()
            let clock = newest.map { $0 <= wallMinute - settings.retentionMinutes ? $0 : wallMinute } ?? wallMinute
            for g in groupings { windows[g]?.trim(before: clock - settings.retentionMinutes + 1) }
            return clock
        }
    }

    func read(_ range: ClosedRange<Int64>) throws -> [[SpendCore.Dimension]: [RemoteCell]] {
        try reader.cells(fromMs: range.lowerBound * 60_000, toMs: (range.upperBound + 1) * 60_000, groupings: groupings)
    }

    func run() {
        var connected = false
        var failures = 0
        var frontier: Int64?     // the newest complete minute a live poll has read
        var windowStart: Int64?  // the window's first minute, fixed by the first poll
        var oldestRead: Int64?   // backfill reads from here down to windowStart, a chunk at a time
        while !loop.stopFlag.isSet {
            do {
                if !connected {
                    update { $0.state = .connecting }
                    try reader.connect()
                    connected = true
                }
                let wallMinute = Rollup.floorDiv(wallClock(), 60_000)
                // The live poll: the newest minutes first, so the first frame never waits for the window.
                let (live, range) = try reader.consistently { () throws -> ([[SpendCore.Dimension]: [RemoteCell]], ClosedRange<Int64>) in
                    let from: Int64
                    if let f = frontier {
                        from = min(f - settings.rereadMinutes + 1, wallMinute)
                    } else {
                        // A table whose rows all lie further back than the window shows its own last window.
                        var anchor = wallMinute
                        if let e = try reader.extent() {
                            let newest = Rollup.floorDiv(e.newestMs, 60_000)
                            if newest <= wallMinute - settings.retentionMinutes { anchor = newest }
                        }
                        windowStart = anchor - settings.retentionMinutes + 1
                        from = max(windowStart!, anchor - settings.rereadMinutes + 1)
                    }
                    return (try read(from...wallMinute), from...wallMinute)
                }
                oldestRead = min(oldestRead ?? range.lowerBound, range.lowerBound)
                frontier = wallMinute - 1  // the minute the clock is in is still filling
                var backfill: ClosedRange<Int64>?
                if let start = windowStart, let oldest = oldestRead, oldest > start {
                    backfill = max(start, oldest - settings.backfillChunkMinutes)...(oldest - 1)
                }
                apply(live, range, wallMinute: wallMinute, windowRead: backfill == nil)
                if let chunk = backfill {
                    let older = try reader.consistently { try read(chunk) }
                    oldestRead = chunk.lowerBound
                    apply(older, chunk, wallMinute: nil, windowRead: chunk.lowerBound <= windowStart!)
                }
                failures = 0
                // While the window is being read, the next live poll and chunk follow at once.
                if let oldest = oldestRead, let start = windowStart, oldest > start { continue }
                if !settings.follow {
                    update { $0.state = .ended }
                    return
                }
                if !loop.stopFlag.sleep(settings.pollSeconds) { return }
            } catch {
                failures += 1
                let lost = !connected || reader.isConnectionLost(error)
                if lost, connected {
                    reader.disconnect()
                    connected = false
                }
                let message = TextSanitizer.clean("\(error)")
                if !settings.follow && failures >= settings.finiteAttempts {
                    update { $0.state = .failed; $0.lastError = message }
                    return
                }
                if !loop.backOff(failures: failures, base: settings.backoffBaseSeconds, cap: settings.backoffCapSeconds,
                                 message: message) { return }
            }
        }
    }
}
