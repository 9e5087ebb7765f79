/// The cells of one grouping in one time bucket: (id, id) → Measures.
public struct CellTable {
    var index = UInt64Table(capacity: 8)
    public private(set) var keys = ContiguousArray<UInt64>()
    public private(set) var cells = ContiguousArray<Measures>()

    public init() {}

    /// Room for `n` cells without growing (a checkpoint's minute, whose cell count is known).
    public init(reserving n: Int) {
        index = UInt64Table(capacity: max(8, n))
        keys.reserveCapacity(n)
        cells.reserveCapacity(n)
    }

    @inline(__always)
    static func key(_ a: Int32, _ b: Int32) -> UInt64 {
        (UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))) &+ 1
    }

    @inline(__always)
    public static func ids(_ key: UInt64) -> (Int32, Int32) {
        let k = key &- 1
        return (Int32(bitPattern: UInt32(truncatingIfNeeded: k >> 32)), Int32(bitPattern: UInt32(truncatingIfNeeded: k)))
    }

    /// The index of the (a, b) cell, made empty when it is new.
    @inline(__always)
    mutating func cellIndex(_ a: Int32, _ b: Int32) -> Int {
        let k = CellTable.key(a, b)
        let n = Int32(cells.count)
        let slot = index.getOrInsert(k) { n }
        if slot == n {
            keys.append(k)
            cells.append(Measures())
        }
        return Int(slot)
    }

    @inline(__always)
    public mutating func add(_ a: Int32, _ b: Int32, _ e: borrowing InternedEvent, withLatency: Bool) {
        cells[cellIndex(a, b)].add(e, withLatency: withLatency)
    }

    /// Takes an event back out of its cell (a superseded record); a cell that never held it is left alone.
    public mutating func remove(_ a: Int32, _ b: Int32, _ e: borrowing InternedEvent, withLatency: Bool) {
        guard let slot = index.get(CellTable.key(a, b)) else { return }
        cells[Int(slot)].remove(e, withLatency: withLatency)
    }

    /// Adds a whole cell (a rollup merged into another).
    public mutating func merge(_ a: Int32, _ b: Int32, _ m: Measures) {
        cells[cellIndex(a, b)].merge(m)
    }

    public func get(_ a: Int32, _ b: Int32) -> Measures? {
        index.get(CellTable.key(a, b)).map { cells[Int($0)] }
    }

    public var memoryBytes: Int { index.memoryBytes + cells.count * (MemoryLayout<Measures>.stride + 8)
        + cells.reduce(0) { $0 + ($1.latency.total > 0 ? 272 : 0) } }
}
