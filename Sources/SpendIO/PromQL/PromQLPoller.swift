import Foundation
import SpendCore

/// Live reading of a Prometheus-compatible engine: a first read of the retention window, then every
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

    /// The minutes the next poll reads: the retention window first, then from `rereadMinutes` before the
    /// newest complete minute read so far up to the wall clock's minute.
    static func range(frontier: Int64?, wallMinute: Int64, settings: Settings) -> ClosedRange<Int64> {
        guard let f = frontier else { return (wallMinute - settings.retentionMinutes + 1)...wallMinute }
        return min(f - settings.rereadMinutes + 1, wallMinute)...wallMinute
    }

    func run() {
        var failures = 0
        var frontier: Int64?
        while !stopFlag.isSet {
            do {
                let wallMinute = Rollup.floorDiv(wallClock(), 60_000)
                let wanted = PromQLPoller.range(frontier: frontier, wallMinute: wallMinute, settings: settings)
                let grid = reader.grid(fromMinute: wanted.lowerBound, toMinute: wanted.upperBound)
                let result = try reader.read(grid: grid, groupings: groupings)
                if stopFlag.isSet { return }
                condition.lock()
                let range = grid.minutes
                for (g, cells) in result.cells { windows[g]?.replace(minutes: range, with: cells) }
                gpuWindow.replace(minutes: range, with: result.gpus)
                let horizon = wallMinute - settings.retentionMinutes + 1
                for g in groupings { windows[g]?.trim(before: horizon) }
                gpuWindow.trim(before: horizon)
                clockMinute = wallMinute
                pollsDone += 1
                statusValue.state = .live
                statusValue.lastError = nil
                condition.broadcast()
                condition.unlock()
                // The wall clock's minute is still filling; the one before it is complete.
                frontier = wallMinute - 1
                failures = 0
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
