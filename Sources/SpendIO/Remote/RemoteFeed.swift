import Foundation
import SpendCore

/// The feed of a remote engine (`postgres://`, `promql:`): the console, the wallboard and alerts read the
/// engine's pushed-down cells through `CellQuery`, the same query boundary the in-memory rollup answers, so no
/// row of the engine is ever copied here. The poller reads on its thread; `read` copies its newest cells into the
/// query when they changed. With `alerts`, a thread of its own judges minutes as polls land (the ingest side, as
/// `LiveIngest` does for events): history once the window is read, in one quiet catch-up, then each closed minute.
public final class RemoteFeed: SpendFeed, @unchecked Sendable {
    public let poller: RemoteEnginePolling
    public let alerts: AlertDelivery?
    let query = CellQuery()
    let lock = NSLock()
    var filled = -1
    let wallClock: @Sendable () -> Int64
    let stopFlag = StopFlag()
    var alertThread: Thread?
    let alertsDone = DispatchSemaphore(value: 0)

    public init(poller: RemoteEnginePolling, retentionMinutes: Int64?, alerts: AlertDelivery? = nil,
                wallClock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.poller = poller
        self.alerts = alerts
        self.wallClock = wallClock
        query.retentionMinutes = retentionMinutes
    }

    deinit { stop() }

    public func start() {
        poller.start()
        guard alerts != nil, alertThread == nil else { return }
        let t = Thread { [self] in
            judgeAlerts()
            alertsDone.signal()
        }
        t.name = "spendtop-remote-alerts"
        alertThread = t
        t.start()
    }

    /// Stops the poller and the alert thread (idempotent); alerts already judged are delivered first.
    public func stop() {
        guard stopFlag.raise() else { return }
        poller.stop()
        if alertThread != nil { alertsDone.wait() }
        alerts?.waitUntilDelivered(timeout: 10)
    }

    public func read<T>(_ body: (SpendQuery) throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        refresh()
        return try body(query)
    }

    /// The poller's state, with the requests the engine counted in the held window as the source's events (rows it
    /// aggregated; none of them was read here one by one).
    public var sources: [SourceStatus] {
        var status = poller.status
        lock.lock()
        refresh()
        status.stats.events = query.counters.eventsCounted
        status.stats.gpuSamples = query.counters.gpuSamples
        let e = query.extent
        lock.unlock()
        status.stats.firstMs = e.oldestMs
        status.stats.lastMs = e.newestMs
        return [status]
    }

    /// Copies the poller's cells when they changed (call with `lock` held).
    func refresh() {
        let g = poller.generation
        guard g != filled else { return }
        poller.fill(query)
        filled = g
    }

    /// Judges alerts about once a second (minutes close with the wall clock even when no poll lands, so an engine
    /// that stops reporting still ends and starts what it should), and straight on while a catch-up has slices left.
    func judgeAlerts() {
        guard let alerts else { return }
        var more = false
        while !stopFlag.isSet {
            if more || poller.isWindowRead {
                lock.lock()
                refresh()
                more = alerts.evaluate(query, wallMs: wallClock())
                lock.unlock()
            }
            if !more && !stopFlag.sleep(1) { return }
        }
    }
}
