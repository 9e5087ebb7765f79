/// The cells of one grouping in one time bucket: (id, id) → Measures.
public struct CellTable {
    /// Open addressing over `keys`: each slot holds a cell's position + 1 (0 is empty), and a probe compares the
    /// key stored beside the cell. Four bytes a slot instead of a key-and-value table's sixteen: a day of minutes
    /// at 20k keys holds millions of cells, and this index was a quarter of their memory.
    var slots = ContiguousArray<Int32>(repeating: 0, count: 16)
    var mask = 15
    public private(set) var keys = ContiguousArray<UInt64>()
    public private(set) var cells = ContiguousArray<Measures>()

    public init() {}

    /// Room for `n` cells without growing (a checkpoint's minute, whose cell count is known).
    public init(reserving n: Int) {
        let size = CellTable.slotCount(n)
        slots = ContiguousArray(repeating: 0, count: size)
        mask = size - 1
        keys.reserveCapacity(n)
        cells.reserveCapacity(n)
    }

    /// Slots for `n` cells: a power of two, under half full (the index grows once `count * 2 > mask`).
    static func slotCount(_ n: Int) -> Int {
        var size = 16
        while size <= n * 2 { size <<= 1 }
        return size
    }

    /// The position of `key`'s cell, or nil with the empty slot where it would go.
    @inline(__always)
    func find(_ key: UInt64) -> (cell: Int?, slot: Int) {
        slots.withUnsafeBufferPointer { s in
            keys.withUnsafeBufferPointer { k in
                var i = UInt64Table.start(key, mask)
                while true {
                    let v = Int(s[i])
                    if v == 0 { return (nil, i) }
                    if k[v - 1] == key { return (v - 1, i) }
                    i = (i + 1) & mask
                }
            }
        }
    }

    mutating func grow() {
        let size = (mask + 1) * 2
        var bigger = ContiguousArray<Int32>(repeating: 0, count: size)
        let m = size - 1
        for (n, key) in keys.enumerated() {
            var i = UInt64Table.start(key, m)
            while bigger[i] != 0 { i = (i + 1) & m }
            bigger[i] = Int32(n + 1)
        }
        slots = bigger
        mask = m
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
        let (found, slot) = find(k)
        if let found { return found }
        let n = cells.count
        slots[slot] = Int32(n + 1)
        keys.append(k)
        cells.append(Measures())
        if (n + 1) * 2 > mask { grow() }
        return n
    }

    @inline(__always)
    public mutating func add(_ a: Int32, _ b: Int32, _ e: borrowing InternedEvent, shape: RequestShape,
                             withLatency: Bool) {
        cells[cellIndex(a, b)].add(e, shape: shape, withLatency: withLatency)
    }

    /// Takes an event back out of its cell (a superseded record); a cell that never held it is left alone.
    public mutating func remove(_ a: Int32, _ b: Int32, _ e: borrowing InternedEvent, withLatency: Bool) {
        guard let i = find(CellTable.key(a, b)).cell else { return }
        cells[i].remove(e, withLatency: withLatency)
    }

    /// Adds a whole cell (a rollup merged into another).
    public mutating func merge(_ a: Int32, _ b: Int32, _ m: Measures) {
        cells[cellIndex(a, b)].merge(m)
    }

    /// Where the cell of a `key(a, b)` sits in `keys` and `cells`.
    func position(of key: UInt64) -> Int? { find(key).cell }

    public func get(_ a: Int32, _ b: Int32) -> Measures? {
        find(CellTable.key(a, b)).cell.map { cells[$0] }
    }

    public var memoryBytes: Int { slots.count * 4 + cells.count * (MemoryLayout<Measures>.stride + 8)
        + cells.reduce(0) { $0 + ($1.latency.total > 0 ? 272 : 0) } }
}
