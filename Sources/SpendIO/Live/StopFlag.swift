import Foundation

/// Set once by `stop()`; source threads check it and sleep on it, so a stop wakes them at once.
final class StopFlag: @unchecked Sendable {
    private let condition = NSCondition()
    private var set = false

    var isSet: Bool {
        condition.lock(); defer { condition.unlock() }
        return set
    }

    /// Sets the flag; true only for the first caller.
    func raise() -> Bool {
        condition.lock(); defer { condition.unlock() }
        let first = !set
        set = true
        condition.broadcast()
        return first
    }

    /// Sleeps up to `seconds`; false when the flag is (or gets) set.
    func sleep(_ seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock(); defer { condition.unlock() }
        while !set {
            if !condition.wait(until: deadline) { return !set }
        }
        return false
    }
}
