import Foundation

/// A FIFO with a byte budget between source threads and the ingest thread: a producer that would
/// exceed it waits, so a slow consumer slows the sources instead of growing memory.
final class BoundedQueue<Element> {
    private let condition = NSCondition()
    /// Popped slots are set to nil at once so their payload is freed; the array is compacted now and then.
    private var items: [(Element, Int)?] = []
    private var head = 0
    private var bytes = 0
    private var closed = false
    private var waiting = 0
    let capacityBytes: Int

    init(capacityBytes: Int) { self.capacityBytes = capacityBytes }

    /// Waits for room; false when the queue was closed (the ingest is stopping).
    @discardableResult
    func push(_ item: Element, cost: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        // One item larger than the budget still passes once the queue is empty.
        while !closed && bytes > 0 && bytes + cost > capacityBytes {
            waiting += 1
            condition.broadcast()
            condition.wait()
            waiting -= 1
        }
        if closed { return false }
        items.append((item, cost))
        bytes += cost
        condition.broadcast()
        return true
    }

    /// The next item, or nil after `timeout` seconds (or once closed and empty).
    func pop(timeout: Double) -> Element? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while head == items.count {
            if closed { return nil }
            if !condition.wait(until: deadline) { return nil }
        }
        let (item, cost) = items[head]!
        items[head] = nil
        head += 1
        bytes -= cost
        if head >= 256 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return item
    }

    /// Producers blocked in `push` for room (tests wait on it instead of sleeping).
    var waitingProducers: Int {
        condition.lock(); defer { condition.unlock() }
        return waiting
    }

    /// Waits until `n` producers are blocked in `push`; false after `timeout` seconds.
    func waitForWaitingProducers(_ n: Int, timeout: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock(); defer { condition.unlock() }
        while waiting < n {
            if !condition.wait(until: deadline) { return waiting >= n }
        }
        return true
    }

    var isEmpty: Bool {
        condition.lock(); defer { condition.unlock() }
        return head == items.count
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
