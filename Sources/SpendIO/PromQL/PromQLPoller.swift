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
    private let condition = NSCondition()
    private var windows: [[SpendCore.Dimension]: RemoteCellWindow]
    private var gpuWindow = RemoteGPUWindow()
    private var statusValue: SourceStatus
    private var pollsDone = 0
    private var applied = 0
    private var windowComplete = false
    private var clockMinute: Int64?
    private let stopFlag = StopFlag()
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    public init(reader: PromQLReader, groupings: [[SpendCore.Dimension]], settings: Settings = Settings(),
                wallClock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        name = reader.settings.name
        self.reader = reader
        self.groupings = groupings
        self.settings = settings
        self.wallClock = wallClock
        windows = Dictionary(groupings.map { ($0, RemoteCellWindow(dimensions: $0)) }, uniquingKeysWith: { a, _ in a })
        statusValue = SourceStatus(name: reader.settings.name, state: .connecting)
        reader.client.shouldAbort = { [stopFlag] in stopFlag.isSet }
    }

    deinit { stop() }

    /// State and last error, as the header and `!` show them.
    public var status: SourceStatus {
        condition.lock(); defer { condition.unlock() }
        return statusValue
    }

    public var polls: Int {
        condition.lock(); defer { condition.unlock() }
        return pollsDone
    }

    /// Changes whenever the cells do (a poll or a chunk of the window read back).
    public var generation: Int {
        condition.lock(); defer { condition.unlock() }
        return applied
    }

    /// Whether the whole retention window has been read (newest minutes first, then back a chunk at a time).
    public var isWindowRead: Bool {
        condition.lock(); defer { condition.unlock() }
        return windowComplete
    }

    /// The minute the data's clock stands at (nil before the first poll).
    public var currentMinute: Int64? {
        condition.lock(); defer { condition.unlock() }
        return clockMinute
    }

    /// Reads the cells of one consistent poll under the poller's lock.
    public func read<T>(_ body: ([[SpendCore.Dimension]: RemoteCellWindow], RemoteGPUWindow) throws -> T)
        rethrows -> T {
        condition.lock(); defer { condition.unlock() }
        return try body(windows, gpuWindow)
    }

    /// Waits until more than `count` polls have completed; false on timeout or when the poller ended first.
    @discardableResult
    public func waitForPolls(moreThan count: Int, timeout: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock(); defer { condition.unlock() }
        while pollsDone <= count {
            switch statusValue.state {
            case .failed, .ended: return false
            default: break
            }
            if !condition.wait(until: deadline) { return pollsDone > count }
        }
        return true
    }

    /// Waits until `predicate` holds for the status (woken on every change).
    @discardableResult
    public func waitForStatus(timeout: Double, _ predicate: (SourceStatus) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock(); defer { condition.unlock() }
        while !predicate(statusValue) {
            if !condition.wait(until: deadline) { return predicate(statusValue) }
        }
        return true
    }

    public func start() {
        condition.lock()
        guard thread == nil else { condition.unlock(); return }
        let t = Thread { [self] in
            run()
            finished.signal()
        }
        t.name = "spendtop-promql-poller"
        thread = t
        condition.unlock()
        t.start()
    }

    /// Stops polling; a request in flight is aborted.
    public func stop() {
        guard stopFlag.raise() else { return }
        condition.lock()
        let started = thread != nil
        condition.unlock()
        if started { finished.wait() }
    }

    func update(_ change: (inout SourceStatus) -> Void) {
        condition.lock()
        change(&statusValue)
        condition.broadcast()
        condition.unlock()
    }

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
        condition.lock()
        for (g, cells) in result.cells { windows[g]?.replace(minutes: range, with: cells) }
        gpuWindow.replace(minutes: range, with: result.gpus)
        if let wallMinute {
            let horizon = wallMinute - settings.retentionMinutes + 1
            for g in groupings { windows[g]?.trim(before: horizon) }
            gpuWindow.trim(before: horizon)
            clockMinute = wallMinute
            pollsDone += 1
        }
        applied += 1
        windowComplete = windowRead
        statusValue.state = .live
        statusValue.lastError = nil
        condition.broadcast()
        condition.unlock()
    }

    func run() {
        var failures = 0
        var frontier: Int64?
        var windowStart: Int64?  // fixed by the first poll
        var oldestRead: Int64?   // read back from here to windowStart, a chunk at a time
        while !stopFlag.isSet {
            do {
                let wallMinute = Rollup.floorDiv(wallClock(), 60_000)
                if windowStart == nil { windowStart = wallMinute - settings.retentionMinutes + 1 }
                let wanted = PromQLPoller.range(frontier: frontier, wallMinute: wallMinute, settings: settings)
                let grid = reader.grid(fromMinute: wanted.lowerBound, toMinute: wanted.upperBound)
                let result = try reader.read(grid: grid, groupings: groupings)
                if stopFlag.isSet { return }
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
                    if stopFlag.isSet { return }
                    oldestRead = chunk.minutes.lowerBound
                    apply(older, chunk.minutes, wallMinute: nil, windowRead: chunk.minutes.lowerBound <= start)
                    continue
                }
                if !settings.follow {
                    update { $0.state = .ended }
                    return
                }
                if !stopFlag.sleep(settings.pollSeconds) { return }
            } catch {
                if stopFlag.isSet { return }
                failures += 1
                let message = reader.settings.mask("\(error)")
                if !settings.follow && failures >= settings.finiteAttempts {
                    update { $0.state = .failed; $0.lastError = message }
                    return
                }
                let delay = min(settings.backoffCapSeconds, settings.backoffBaseSeconds * pow(2, Double(failures - 1)))
                    * Double.random(in: 0.5...1.0)
                let at = Int64((Date().timeIntervalSince1970 + delay) * 1000)
                update { $0.state = .retrying(atMs: at); $0.lastError = message }
                if !stopFlag.sleep(delay) { return }
            }
        }
    }
}
