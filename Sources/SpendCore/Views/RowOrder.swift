import Synchronization

/// The rows of a table in a sort order, found only as far as they are read: a pane shows one page of 20k keys,
/// so sorting all of them four times a second (and again for every filter keystroke) would be wasted.
///
/// `less` must be a strict total order on the rows (ties broken down to the row's index): then the row at each
/// position is the one a full sort puts there, whatever was asked before. Positions are made final a range at a
/// time (`ensure`): the rows are partitioned around the range's ends (quickselect, inside the stretch between two
/// positions already final) and the range is sorted. Past `sortAllAfter` elements moved by partitions it sorts
/// everything once, so reading every row (a CSV export) costs one sort, not one partition per page.
/// Read a range at once (`rows(_:)`) where several positions are needed: one partition for all of them.
public final class RowOrder: Sendable {
    /// Positions made final at a time: sequential reads (`prefix`, iteration) partition once per chunk.
    static let chunk = 64

    /// The rows ordered: row indices of the table (a subset when filtered).
    public let count: Int
    private let less: @Sendable (Int, Int) -> Bool
    /// Which table rows are in the order (nil: all of them), for `position(ofRow:)`.
    private let members: [Bool]?
    private let state: Mutex<State>

    private struct State: ~Copyable {
        var perm: [Int]
        /// Sorted positions `b` where every row before `b` precedes every row from `b` on; holds 0 and count.
        var cuts: [Int]
        /// The cuts starting a stretch that is sorted (up to the next cut).
        var sortedFrom: Set<Int> = []
        /// Elements moved by partitions so far.
        var work = 0
        var allSorted = false
    }

    /// `rows` (row indices, distinct) ordered by `less`; `tableCount` is how many rows the table has.
    public init(rows: [Int], tableCount: Int, less: @escaping @Sendable (Int, Int) -> Bool) {
        count = rows.count
        self.less = less
        if rows.count == tableCount {
            members = nil
        } else {
            var m = [Bool](repeating: false, count: tableCount)
            for r in rows { m[r] = true }
            members = m
        }
        state = Mutex(State(perm: rows, cuts: [0, rows.count]))
    }

    /// The table row at `position` (0 ..< count).
    public func row(at position: Int) -> Int {
        let start = position - position % RowOrder.chunk
        return state.withLock { s in
            ensure(&s, start..<min(count, start + RowOrder.chunk))
            return s.perm[position]
        }
    }

    /// The table rows at `positions`, in order.
    public func rows(_ positions: Range<Int>) -> [Int] {
        let r = max(0, positions.lowerBound)..<min(count, max(positions.upperBound, 0))
        guard !r.isEmpty else { return [] }
        return state.withLock { s in
            ensure(&s, r)
            return Array(s.perm[r])
        }
    }

    /// The position of table row `row`, or nil when it is not among the rows: how many rows precede it (one pass,
    /// no sort), so a selection finds its row without the rows being ordered.
    public func position(ofRow row: Int) -> Int? {
        if let members { guard row >= 0, row < members.count, members[row] else { return nil } }
        let all = rowsInAnyOrder
        var n = 0
        for r in all where less(r, row) { n += 1 }
        return n
    }

    /// The table rows in the order, in no particular order (whatever has been partitioned so far).
    public var rowsInAnyOrder: [Int] { state.withLock { s in s.perm } }

    private func ensure(_ s: inout State, _ r: Range<Int>) {
        if s.allSorted || r.isEmpty { return }
        if s.work > 8 * max(count, 64) {
            s.perm.sort(by: less)
            s.allSorted = true
            return
        }
        cut(&s, r.lowerBound)
        cut(&s, r.upperBound)
        // Sort each stretch inside the range that is not sorted yet.
        var i = firstCut(atOrAfter: r.lowerBound, s.cuts)
        while i + 1 < s.cuts.count, s.cuts[i] < r.upperBound {
            let a = s.cuts[i], b = s.cuts[i + 1]
            if !s.sortedFrom.contains(a) {
                s.perm[a..<b].sort(by: less)
                s.sortedFrom.insert(a)
            }
            i += 1
        }
    }

    /// Index into `cuts` of the first cut ≥ x.
    private func firstCut(atOrAfter x: Int, _ cuts: [Int]) -> Int {
        var lo = 0, hi = cuts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if cuts[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Makes `x` a cut: the rows of ranks below x before it, the others from it on.
    private func cut(_ s: inout State, _ x: Int) {
        let i = firstCut(atOrAfter: x, s.cuts)
        if i < s.cuts.count && s.cuts[i] == x { return }
        let a = s.cuts[i - 1], b = s.cuts[i]
        s.cuts.insert(x, at: i)
        // A sorted stretch is final at every position: both halves stay sorted.
        if s.sortedFrom.contains(a) {
            s.sortedFrom.insert(x)
            return
        }
        select(&s, x, in: a, b)
    }

    /// Quickselect on perm[a..<b]: afterwards perm[x] is the row of rank x and the rows are partitioned around it.
    /// Lomuto partitions with a median-of-three pivot stay in bounds whatever `less` answers.
    private func select(_ s: inout State, _ x: Int, in a0: Int, _ b0: Int) {
        var a = a0, b = b0
        var depth = 0
        while b - a > 1 {
            if b - a <= 16 || depth > 48 {
                s.perm[a..<b].sort(by: less)
                return
            }
            depth += 1
            s.work += b - a
            let m = a + (b - a) / 2
            // Median of three to the end as the pivot.
            if less(s.perm[m], s.perm[a]) { s.perm.swapAt(m, a) }
            if less(s.perm[b - 1], s.perm[a]) { s.perm.swapAt(b - 1, a) }
            if less(s.perm[m], s.perm[b - 1]) { s.perm.swapAt(m, b - 1) }
            let pivot = s.perm[b - 1]
            var store = a
            for j in a..<(b - 1) where less(s.perm[j], pivot) {
                s.perm.swapAt(j, store)
                store += 1
            }
            s.perm.swapAt(store, b - 1)
            if store == x { return }
            if x < store { b = store } else { a = store + 1 }
        }
    }
}
