import Foundation

/// One slot per parallel task, each written by its own task only (`DispatchQueue.concurrentPerform` results).
public final class ResultSlots<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()
    public init(count: Int) { slots = Array(repeating: nil, count: count) }
    public func set(_ i: Int, _ v: T) { lock.lock(); slots[i] = v; lock.unlock() }
    /// Every slot's value: call once every task has set its own.
    public var values: [T] { lock.lock(); defer { lock.unlock() }; return slots.map { $0! } }
}
