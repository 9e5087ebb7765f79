import Foundation
import SpendCore

/// Live reading of a Prometheus-compatible engine: a first read of the newest minutes, the rest of the retention window
/// read back a chunk at a time (so a first frame never waits for a day of series), then every
/// `pollSeconds` (at least the engine's scrape interval) the minutes from `rereadMinutes` before the newest
/// complete one to now. Samples of a minute land up to a scrape after it ends and a late scrape changes a
/// minute already shown, so what a poll reads *replaces* those minutes' cells; nothing is added twice.
///
/// Failures never reach the reader of the cells: they are the source's error (masked), retried with the
/// HTTP sources' backoff (base × 2^(failures−1), capped, × U(0.5, 1)). A read that does not follow gives
/// up after `finiteAttempts`.
public final class PromQLPoller: @unchecked Sendable {
    public struct Settings: Sendable {
        public var pollSeconds: Double = 15
        public var rereadMinutes: Int64 = 3
        /// The window is read back this many minutes per read after the first poll.
        public var backfillChunkMinutes: Int64 = 120
        /// Minutes kept behind the clock (the console's 24 h).
        public var retentionMinutes: Int64 = 24 * 60
        public var backoffBaseSeconds: Double = 0.5
        public var backoffCapSeconds: Double = 30
        /// Keep polling (console) or read once and end (export, check).
        public var follow = true
        public var finiteAttempts = 4
        public init() {}

        /// Intervals from `[promql]`, backoff from the source's settings (`[sources] backoff_cap`).
        public init(source: SourceSettings, promql: PromQLSettings, follow: Bool) {
            pollSeconds = promql.pollSeconds
            rereadMinutes = promql.rereadMinutes
            backoffBaseSeconds = source.backoffBaseSeconds
            backoffCapSeconds = source.backoffCapSeconds
            finiteAttempts = source.finiteAttempts
            self.follow = follow
        }
    }

    public let name: String
    let reader: PromQLReader
    let settings: Settings
    let groupings: [[SpendCore.Dimension]]
    let wallClock: @Sendable () -> Int64
    private var windows: [[SpendCore.Dimension]: RemoteCellWindow]
    private var gpuWindow = RemoteGPUWindow()
    let loop: PollerLoop

    public init(reader: PromQLReader, groupings: [[SpendCore.Dimension]], settings: Settings = Settings(),
                wallClock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        name = reader.settings.name
        self.reader = reader
        self.groupings = groupings
        self.settings = settings
        self.wallClock = wallClock
        windows = Dictionary(groupings.map { ($0, RemoteCellWindow(dimensions: $0)) }, uniquingKeysWith: { a, _ in a })
        loop = PollerLoop(name: reader.settings.name)
        reader.client.shouldAbort = { [stopFlag = loop.stopFlag] in stopFlag.isSet }
    }

    deinit { stop() }

    /// State and last error, as the header and `!` show them.
    public var status: SourceStatus { loop.status }
    public var polls: Int { loop.polls }
    /// Changes whenever the cells do (a poll or a chunk of the window read back).
    public var generation: Int { loop.generation }
    /// Whether the whole retention window has been read (newest minutes first, then back a chunk at a time).
    public var isWindowRead: Bool { loop.isWindowRead }
    /// The minute the data's clock stands at (nil before the first poll).
    public var currentMinute: Int64? { loop.currentMinute }

    /// Reads the cells of one consistent poll under the poller's lock.
    public func read<T>(_ body: ([[SpendCore.Dimension]: RemoteCellWindow], RemoteGPUWindow) throws -> T)
        rethrows -> T {
        try loop.locked { try body(windows, gpuWindow) }
    }

    /// Waits until more than `count` polls have completed; false on timeout or when the poller ended first.
    @discardableResult
    public func waitForPolls(moreThan count: Int, timeout: Double) -> Bool {
        loop.waitForPolls(moreThan: count, timeout: timeout)
    }

    /// Waits until `predicate` holds for the status (woken on every change).
    @discardableResult
    public func waitForStatus(timeout: Double, _ predicate: (SourceStatus) -> Bool) -> Bool {
        loop.waitForStatus(timeout: timeout, predicate)
    }

    public func start() { loop.start(name: "spendtop-promql-poller") { [self] in run() } }

    /// Stops polling; a request in flight is aborted.
    public func stop() { loop.stop() }

    func update(_ change: (inout SourceStatus) -> Void) { loop.update(change) }

    /// The minutes the next live poll reads: the newest `rereadMinutes` first (so a first frame never waits for the
    /// window), then from `rereadMinutes` before the newest complete minute read so far up to the wall clock's.
    static func range(frontier: Int64?, wallMinute: Int64, settings: Settings) -> ClosedRange<Int64> {
        guard let f = frontier else {
            return max(wallMinute - settings.retentionMinutes + 1, wallMinute - settings.rereadMinutes + 1)...wallMinute
        }
        return min(f - settings.rereadMinutes + 1, wallMinute)...wallMinute
    }

    /// Makes a read the content of its grid's minutes; a live poll also moves the clock and trims the window.
    func apply(_ result: PromQLRead, _ range: ClosedRange<Int64>, wallMinute: Int64?, windowRead: Bool) {
        loop.publish(windowRead: windowRead) {
            for (g, cells) in result.cells { windows[g]?.replace(minutes: range, with: cells) }
            gpuWindow.replace(minutes: range, with: result.gpus)
            guard let wallMinute else { return nil }
            let horizon = wallMinute - settings.retentionMinutes + 1
            for g in groupings { windows[g]?.trim(before: horizon) }
            gpuWindow.trim(before: horizon)
            return wallMinute
        }
    }

    func run() {
        var failures = 0
        var frontier: Int64?
        var windowStart: Int64?  // fixed by the first poll
        var oldestRead: Int64?   // read back from here to windowStart, a chunk at a time
        while !loop.stopFlag.isSet {
            do {
                let wallMinute = Rollup.floorDiv(wallClock(), 60_000)
                if windowStart == nil { windowStart = wallMinute - settings.retentionMinutes + 1 }
                let wanted = PromQLPoller.range(frontier: frontier, wallMinute: wallMinute, settings: settings)
                let grid = reader.grid(fromMinute: wanted.lowerBound, toMinute: wanted.upperBound)
                let result = try reader.read(grid: grid, groupings: groupings)
                if loop.stopFlag.isSet { return }
                oldestRead = min(oldestRead ?? grid.minutes.lowerBound, grid.minutes.lowerBound)
                let start = windowStart!
                apply(result, grid.minutes, wallMinute: wallMinute, windowRead: oldestRead! <= start)
                // The wall clock's minute is still filling; the one before it is complete.
                frontier = wallMinute - 1
                failures = 0
                if let oldest = oldestRead, oldest > start {
                    // One chunk of the window, then the next live poll at once: the newest minutes stay fresh.
                    let chunk = reader.grid(fromMinute: max(start, oldest - settings.backfillChunkMinutes),
                                            toMinute: oldest - 1)
                    let older = try reader.read(grid: chunk, groupings: groupings)
                    if loop.stopFlag.isSet { return }
                    oldestRead = chunk.minutes.lowerBound
                    apply(older, chunk.minutes, wallMinute: nil, windowRead: chunk.minutes.lowerBound <= start)
                    continue
                }
                if !settings.follow {
                    update { $0.state = .ended }
                    return
                }
                if !loop.stopFlag.sleep(settings.pollSeconds) { return }
            } catch {
                if loop.stopFlag.isSet { return }
                failures += 1
                let message = reader.settings.mask("\(error)")
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
