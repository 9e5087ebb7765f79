import Synchronization

/// The savings advisor's findings kept between console refreshes (issue 12, point 5): re-reading the class rows
/// and repricing every pair four times a second gives the same opportunities while the data and the window's
/// minutes stay the same. Only the scaling to a month (the window's length, which grows with the clock) is redone.
/// Kept per backend revision (`SpendQuery.revision`): any change to the data makes them stale.
public final class SavingsCache: Sendable {
    struct Key: Equatable, Sendable {
        var revision: UInt64
        var window: TimeWindow
        var path: [ViewQuery.Filter]
        /// The clock's minute (the window's last) and the minute it rounds up to (an idle GPU's last reading holds
        /// until then).
        var endMinute: Int64
        var endCeilingMinute: Int64
        var settings: SavingsSettings
    }

    /// Questions kept at most: the console's window and path, and the few it was at just before.
    static let capacity = 4

    private let kept = Mutex<[(key: Key, candidates: [SavingsAdvisor.Candidate])]>([])

    public init() {}

    func candidates(_ key: Key) -> [SavingsAdvisor.Candidate]? {
        kept.withLock { k in k.first { $0.key == key }?.candidates }
    }

    func keep(_ key: Key, _ candidates: [SavingsAdvisor.Candidate]) {
        kept.withLock { k in
            // Another revision's findings can never be asked for again.
            k.removeAll { $0.key.revision != key.revision || $0.key == key }
            k.append((key, candidates))
            if k.count > SavingsCache.capacity { k.removeFirst() }
        }
    }

    /// Questions kept (for the tests).
    var count: Int { kept.withLock { $0.count } }
}
