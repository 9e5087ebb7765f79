import Foundation
import SpendCore

/// `spendtop demo`'s live source: a background thread feeds `DemoTraffic` into a rollup as
/// simulated time passes at `speed`× real time; the console reads it under a lock.
public final class DemoFeed: SpendFeed {
    let rollup: Rollup
    let traffic: DemoTraffic
    let speed: Double
    let lock = NSLock()
    var simulatedMs: Int64
    var stats = SourceStats()
    var thread: Thread?
    let stopFlag = ManagedAtomicFlag()
    var realStart = Date()
    /// Real milliseconds between two batches.
    public var stepMs: Int = 50
    /// Judged after each batch, with the rollup held (set before `start`).
    public var alerts: AlertDelivery?

    /// History of `historyMinutes` before `startMs` is loaded at once, so charts have a past.
    public init(traffic: DemoTraffic, speed: Double, historyMinutes: Int = 60, prices: PriceTable = .bundled) {
        self.traffic = traffic
        self.speed = max(0.01, speed)
        rollup = Rollup(options: Rollup.Options(), prices: prices)
        simulatedMs = traffic.startMs - Int64(historyMinutes) * 60_000
        advance(to: traffic.startMs)
    }

    public var sources: [SourceStatus] {
        lock.lock(); defer { lock.unlock() }
        return [SourceStatus(name: "demo (simulated, \(speed == speed.rounded() ? String(Int(speed)) : String(speed))× speed)", state: .live, stats: stats)]
    }

    public func read<T>(_ body: (SpendQuery) throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body(rollup)
    }

    /// Simulated now.
    public var nowMs: Int64 { lock.lock(); defer { lock.unlock() }; return simulatedMs }

    /// Generates and counts everything up to `ms` (simulated).
    public func advance(to ms: Int64) {
        lock.lock()
        let from = simulatedMs
        lock.unlock()
        guard ms > from else { return }
        // Generate outside the lock, count inside it in one go.
        let events = traffic.events(fromMs: from, toMs: ms)
        let samples = traffic.gpuSamples(fromMs: from, toMs: ms)
        lock.lock()
        for e in events {
            var i = rollup.intern(e)
            if rollup.ingest(&i) { stats.events += 1 } else { stats.duplicates += 1 }
        }
        for s in samples { rollup.ingest(s); stats.gpuSamples += 1 }
        stats.lines += Int64(events.count + samples.count)
        simulatedMs = ms
        // The simulated clock is the data's: a catch-up on the history goes on a slice per batch.
        alerts?.evaluate(rollup, wallMs: Int64(Date().timeIntervalSince1970 * 1000))
        lock.unlock()
    }

    /// Simulated time starts moving now (history generation before does not count).
    public func start() {
        realStart = Date()
        let t = Thread { [weak self] in
            while let self, !self.stopFlag.isSet {
                let elapsed = Date().timeIntervalSince(self.realStart)
                self.advance(to: self.traffic.startMs + Int64(elapsed * 1000 * self.speed))
                Thread.sleep(forTimeInterval: Double(self.stepMs) / 1000)
            }
        }
        t.name = "spendtop-demo"
        thread = t
        t.start()
    }

    public func stop() { stopFlag.set() }

    deinit { stopFlag.set() }
}

/// A flag one thread sets and another polls.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
