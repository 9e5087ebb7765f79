import Foundation
import SpendCore

/// What every remote engine's poller shares (`RemotePoller`, `PromQLPoller`): its thread, the lock its cells live
/// under, the state the header and `!` show, the counts readers wait on, and the HTTP sources' backoff after a
/// failure. The poller owns its cells and changes them only inside `publish`.
final class PollerLoop: @unchecked Sendable {
    let stopFlag = StopFlag()
    private let condition = NSCondition()
    private var statusValue: SourceStatus
    /// Every status change is numbered and the last `recentLimit` kept, so a waiter sees a state that held only
    /// briefly (an error the next poll cleared) even when it was not scheduled while it held.
    private var statusSeq = 0
    private var recent: [(seq: Int, status: SourceStatus)] = []
    private static let recentLimit = 256
    private var pollsDone = 0
    private var applied = 0
    private var windowComplete = false
    private var clockMinute: Int64?
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    init(name: String) { statusValue = SourceStatus(name: name, state: .connecting) }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        condition.lock(); defer { condition.unlock() }
        return try body()
    }

    var status: SourceStatus { locked { statusValue } }
    /// The number of the last status change: give it to `firstStatus(since:)` to wait for a later one.
    var statusMark: Int { locked { statusSeq } }

    private func recordStatus() {
        statusSeq += 1
        recent.append((statusSeq, statusValue))
        if recent.count > PollerLoop.recentLimit { recent.removeFirst(recent.count - PollerLoop.recentLimit) }
    }
    var polls: Int { locked { pollsDone } }
    var generation: Int { locked { applied } }
    var isWindowRead: Bool { locked { windowComplete } }
    var currentMinute: Int64? { locked { clockMinute } }

    /// Runs `change` on the cells under the lock, then marks the source live. `change` returns the clock's minute for
    /// a live poll (it counts as a poll and moves the clock), nil for a chunk of the window read back.
    func publish(windowRead: Bool, _ change: () -> Int64?) {
        condition.lock()
        if let minute = change() {
            clockMinute = minute
            pollsDone += 1
        }
        applied += 1
        windowComplete = windowRead
        statusValue.state = .live
        statusValue.lastError = nil
        recordStatus()
        condition.broadcast()
        condition.unlock()
    }

    func update(_ change: (inout SourceStatus) -> Void) {
        condition.lock()
        change(&statusValue)
        recordStatus()
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until more than `count` polls have completed; false on timeout or when the poller ended first.
    func waitForPolls(moreThan count: Int, timeout: Double) -> Bool {
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
    func waitForStatus(timeout: Double, _ predicate: (SourceStatus) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock(); defer { condition.unlock() }
        while !predicate(statusValue) {
            if !condition.wait(until: deadline) { return predicate(statusValue) }
        }
        return true
    }

    /// The first status after change `mark` for which `predicate` holds, however briefly it held; nil on timeout.
    func firstStatus(since mark: Int, timeout: Double, _ predicate: (SourceStatus) -> Bool) -> SourceStatus? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock(); defer { condition.unlock() }
        while true {
            if let hit = recent.first(where: { $0.seq > mark && predicate($0.status) }) { return hit.status }
            if !condition.wait(until: deadline) {
                return recent.first(where: { $0.seq > mark && predicate($0.status) })?.status
            }
        }
    }

    func start(name: String, _ body: @escaping @Sendable () -> Void) {
        condition.lock()
        guard thread == nil else { condition.unlock(); return }
        let t = Thread { [finished] in
            body()
            finished.signal()
        }
        t.name = name
        thread = t
        condition.unlock()
        t.start()
    }

    /// Stops the loop and waits for its thread (a request in flight finishes, times out or is aborted first).
    func stop() {
        guard stopFlag.raise() else { return }
        condition.lock()
        let started = thread != nil
        condition.unlock()
        if started { finished.wait() }
    }

    /// After the `failures`-th failure in a row: `retrying` with `message` for base × 2^(failures−1), capped,
    /// × U(0.5, 1) (the HTTP sources' backoff); false when the loop was stopped meanwhile.
    func backOff(failures: Int, base: Double, cap: Double, message: String) -> Bool {
        let delay = min(cap, base * pow(2, Double(failures - 1))) * Double.random(in: 0.5...1.0)
        let at = Int64((Date().timeIntervalSince1970 + delay) * 1000)
        update { $0.state = .retrying(atMs: at); $0.lastError = message }
        return stopFlag.sleep(delay)
    }
}
