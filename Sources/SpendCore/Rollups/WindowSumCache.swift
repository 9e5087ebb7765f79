import Synchronization

/// Sums of settled minutes kept between console refreshes (issue 12, point 5).
///
/// A refresh at the 24 h window re-summed 1,440 minutes of cells per pane four times a second, though only
/// the newest minutes change. A minute is *settled* once it is more than `Rollup.settleMinutes` behind the
/// newest event: its sum is kept here per (grouping, filters, first minute), and a refresh adds only the minutes
/// after it. A late event into a settled minute, or any change to which buckets exist (a new minute, retention,
/// folding, a restore, a merge), makes the kept sums stale: they are rebuilt on the next read, never used.
final class WindowSumCache: Sendable {
    struct Key: Hashable {
        /// What is kept: cell sums, which cells occur (`CellKeySet`), the savings advisor's class sums, or a
        /// series' points.
        enum Kind: Hashable { case sums, cellKeys, classSums, series }

        var slot: Int
        var start: Int64
        /// Each filter as its position, its id count, then its interned ids in order.
        var filters: [Int32]
        var kind = Kind.sums
    }

    /// When a kept value was built: the rollup's `settledRevision` and `layoutRevision`, and the last minute read.
    struct Stamp: Equatable {
        var through: Int64
        var settled: UInt64
        var layout: UInt64
    }

    enum Kept {
        case table(CellTable)
        case keySet(CellKeySet)
        case classSums(ClassSums)
        case points([SeriesPoint])
    }

    struct Entry {
        var stamp: Stamp
        var kept: Kept
        var used: UInt64
    }

    /// Entries kept at most (each pane's window, the previous window, the recent five minutes, the pair table, the
    /// chart's series and the savings advisor's class sums).
    static let capacity = 32

    private struct State {
        var entries: [Key: Entry] = [:]
        var clock: UInt64 = 0
        var hits = 0
    }

    private let state = Mutex(State())

    init() {}

    /// The kept sum of `key` if still valid at `stamp`, else `build()`, kept.
    func table(_ key: Key, _ stamp: Stamp, orBuild build: () -> CellTable) -> CellTable {
        if case .table(let t)? = entry(key, stamp)?.kept { return t }
        let t = build()
        keep(key, Entry(stamp: stamp, kept: .table(t), used: 0))
        return t
    }

    /// The kept cell keys of `key` if still valid at `stamp`, else `build()`, kept.
    func keySet(_ key: Key, _ stamp: Stamp, orBuild build: () -> CellKeySet) -> CellKeySet {
        if case .keySet(let k)? = entry(key, stamp)?.kept { return k }
        let k = build()
        keep(key, Entry(stamp: stamp, kept: .keySet(k), used: 0))
        return k
    }

    /// The kept class sums of `key` if still valid at `stamp`, else `build()`, kept.
    func classSums(_ key: Key, _ stamp: Stamp, orBuild build: () -> ClassSums) -> ClassSums {
        if case .classSums(let c)? = entry(key, stamp)?.kept { return c }
        let c = build()
        keep(key, Entry(stamp: stamp, kept: .classSums(c), used: 0))
        return c
    }

    /// The kept series points of `key` if still valid at `stamp`, else `build()`, kept.
    func points(_ key: Key, _ stamp: Stamp, orBuild build: () -> [SeriesPoint]) -> [SeriesPoint] {
        if case .points(let p)? = entry(key, stamp)?.kept { return p }
        let p = build()
        keep(key, Entry(stamp: stamp, kept: .points(p), used: 0))
        return p
    }

    private func entry(_ key: Key, _ stamp: Stamp) -> Entry? {
        state.withLock { s in
            guard var e = s.entries[key], e.stamp == stamp else { return nil }
            s.clock &+= 1
            s.hits += 1
            e.used = s.clock
            s.entries[key] = e
            return e
        }
    }

    /// Drops entries that can never be valid again and, past `capacity`, the least recently used.
    private func keep(_ key: Key, _ entry: Entry) {
        state.withLock { s in
            s.entries = s.entries.filter {
                $0.value.stamp.settled == entry.stamp.settled && $0.value.stamp.layout == entry.stamp.layout
            }
            if s.entries.count >= WindowSumCache.capacity,
               let oldest = s.entries.min(by: { $0.value.used < $1.value.used }) {
                s.entries[oldest.key] = nil
            }
            s.clock &+= 1
            var e = entry
            e.used = s.clock
            s.entries[key] = e
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
    /// Reads answered from a kept sum (for the tests and the bench).
    var hits: Int { state.withLock { $0.hits } }
}

/// Distinct cell keys in first-seen order, with an index to ask whether one is in: which feature×key pairs occur
/// in a window (features per key) costs 24 bytes a pair this way, not a whole cell's sums.
struct CellKeySet {
    private(set) var index = UInt64Table(capacity: 1024)
    private(set) var keys = ContiguousArray<UInt64>()

    /// Adds `key`; true if it was not in yet.
    @discardableResult
    mutating func insert(_ key: UInt64) -> Bool {
        var fresh = false
        _ = index.getOrInsert(key) { fresh = true; return 0 }
        if fresh { keys.append(key) }
        return fresh
    }

    func contains(_ key: UInt64) -> Bool { index.get(key) != nil }
}
