/// Open-addressing map from a non-zero 64-bit key to an Int32, with linear probing: the hot-path
/// index behind interning, dedupe and rollup cells (no per-entry allocation, no Dictionary hashing).
/// Key and value share one slot so that a lookup costs one cache miss, not two.
public struct UInt64Table {
    struct Slot {
        var key: UInt64
        var value: Int32
    }

    var slots: ContiguousArray<Slot>
    var mask: Int
    public private(set) var count: Int = 0

    public init(capacity: Int = 16) {
        var cap = 16
        while cap < capacity * 2 { cap <<= 1 }
        slots = ContiguousArray(repeating: Slot(key: 0, value: 0), count: cap)
        mask = cap - 1
    }

    @inline(__always)
    static func start(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The value for `key`, or nil.
    @inline(__always)
    public func get(_ key: UInt64) -> Int32? {
        slots.withUnsafeBufferPointer { s in
            var i = UInt64Table.start(key, mask)
            while true {
                let k = s[i].key
                if k == key { return s[i].value }
                if k == 0 { return nil }
                i = (i + 1) & mask
            }
        }
    }

    /// Loads the slot `key` would start probing at, so that a batch of lookups overlaps its cache
    /// misses (a software prefetch: Swift has no prefetch intrinsic). Returns the key read.
    @inline(__always)
    public func touch(_ key: UInt64) -> UInt64 {
        slots.withUnsafeBufferPointer { $0[UInt64Table.start(key, mask)].key }
    }

    /// Returns the existing value for `key`, or stores `make()` and returns it.
    @inline(__always)
    public mutating func getOrInsert(_ key: UInt64, _ make: () -> Int32) -> Int32 {
        let m = mask
        let found: (Int, Int32?) = slots.withUnsafeBufferPointer { s in
            var i = UInt64Table.start(key, m)
            while true {
                let k = s[i].key
                if k == key { return (i, s[i].value) }
                if k == 0 { return (i, nil) }
                i = (i + 1) & m
            }
        }
        if let v = found.1 { return v }
        let v = make()
        slots[found.0] = Slot(key: key, value: v)
        count += 1
        if count * 2 > mask { grow() }
        return v
    }

    public mutating func set(_ key: UInt64, _ value: Int32) {
        var i = UInt64Table.start(key, mask)
        while true {
            let k = slots[i].key
            if k == key { slots[i].value = value; return }
            if k == 0 { break }
            i = (i + 1) & mask
        }
        slots[i] = Slot(key: key, value: value)
        count += 1
        if count * 2 > mask { grow() }
    }

    /// Keeps only the entries `keep` says yes to (used to expire old dedupe entries).
    public mutating func filter(_ keep: (UInt64, Int32) -> Bool) {
        var fresh = UInt64Table(capacity: max(16, count))
        for s in slots where s.key != 0 && keep(s.key, s.value) { fresh.set(s.key, s.value) }
        self = fresh
    }

    /// Calls `body` with every entry, in slot order.
    public func forEach(_ body: (UInt64, Int32) -> Void) {
        for s in slots where s.key != 0 { body(s.key, s.value) }
    }

    mutating func grow() {
        let old = slots
        slots = ContiguousArray(repeating: Slot(key: 0, value: 0), count: old.count * 2)
        mask = slots.count - 1
        count = 0
        for s in old where s.key != 0 { set(s.key, s.value) }
    }

    public var memoryBytes: Int { slots.count * MemoryLayout<Slot>.stride }
}
