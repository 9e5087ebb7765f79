/// Each group's cell key and measures, in the window's cell order. Where the window's settled minutes have a kept
/// sum, its cells are shared with the kept sum (`WindowSumCache`), not copied: only the groups the newest minutes
/// touched get a cell made for the read. Copying, and at the next refresh freeing, a day's 20k cells cost more than
/// everything else a refresh reads.
struct GroupCells: Sendable {
    /// Cell keys (`CellTable.ids`): the first id is the group's.
    var keys = ContiguousArray<UInt64>()
    /// The kept sum's cells: group `r`'s when `cellIndex[r] < 0`.
    var keptCells = ContiguousArray<Measures>()
    /// Cells made for this read: kept cells with the newest minutes added, and the groups new since.
    var newCells = ContiguousArray<Measures>()
    /// Per group, its index in `newCells`, or -1 for its kept cell; nil: group `r`'s is `newCells[r]`.
    var cellIndex: [Int32]?

    var count: Int { keys.count }

    @inline(__always) func measures(_ r: Int) -> Measures {
        guard let cellIndex else { return newCells[r] }
        let i = cellIndex[r]
        return i >= 0 ? newCells[Int(i)] : keptCells[r]
    }

    @inline(__always) func spend(_ r: Int) -> Double {
        guard let cellIndex else { return newCells[r].spend }
        let i = cellIndex[r]
        return i >= 0 ? newCells[Int(i)].spend : keptCells[r].spend
    }
}

/// A group view's rows as the in-memory rollup sums them, in no particular order: per row the group's cell key
/// and measures (`GroupCells`), with the dimension's names and hashes (the interner's arrays, shared, not copied),
/// the window's total spend and its length. A `GroupRow` is made only for a row asked for (`row(_:)`): at 24 h the
/// console refreshes a day's 20k keys four times a second, and making a `GroupRow` for each under the feed's lock,
/// then freeing them all at the next refresh, was most of that refresh (`SpendQuery.groupRows`).
public struct GroupColumns: Sendable {
    let cells: GroupCells
    let names: [String]
    let hashes: [UInt64]
    /// Features seen per group id (keys view), or nil when not counted.
    let featureCounts: [Int32]?
    public let spendTotal: Double
    public let durationSeconds: Double

    init(cells: GroupCells, names: [String], hashes: [UInt64], featureCounts: [Int32]?, spendTotal: Double,
         durationSeconds: Double) {
        self.cells = cells
        self.names = names
        self.hashes = hashes
        self.featureCounts = featureCounts
        self.spendTotal = spendTotal
        self.durationSeconds = durationSeconds
    }

    public var count: Int { cells.count }

    @inline(__always) func groupIndex(_ r: Int) -> Int { Int(CellTable.ids(cells.keys[r]).0) }

    public func name(_ r: Int) -> String { names[groupIndex(r)] }
    public func id(_ r: Int) -> GroupID { GroupID(rawValue: hashes[groupIndex(r)]) }
    public func measures(_ r: Int) -> Measures { cells.measures(r) }
    /// Share of the window's spend, as `GroupRow.share`.
    func share(_ m: Measures) -> Double { spendTotal > 0 ? m.spend / spendTotal : 0 }

    func featureCount(_ r: Int) -> Int? {
        guard let featureCounts else { return nil }
        let n = featureCounts[groupIndex(r)]
        return n > 0 ? Int(n) : nil
    }

    /// Row `r` as the `GroupRow` `Rollup.rows` makes for it.
    public func row(_ r: Int) -> GroupRow {
        let m = measures(r)
        return GroupRow(name: name(r), id: id(r), measures: m, share: share(m), featureCount: featureCount(r),
                        durationSeconds: durationSeconds)
    }

    /// The row of group `id`, if it is one of these.
    func row(withID id: GroupID) -> Int? {
        cells.keys.indices.first { hashes[groupIndex($0)] == id.rawValue }
    }

    /// `GroupRow.viewOrder` between rows `a` and `b` (then by index: a strict total order).
    func precedes(_ a: Int, _ b: Int) -> Bool {
        let x = cells.spend(a), y = cells.spend(b)
        if x != y { return x > y }
        let i = groupIndex(a), j = groupIndex(b)
        if i != j {
            if names[i] != names[j] { return names[i] < names[j] }
            if hashes[i] != hashes[j] { return GroupID(rawValue: hashes[i]) < GroupID(rawValue: hashes[j]) }
        }
        return a < b
    }
}
