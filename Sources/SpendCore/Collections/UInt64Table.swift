/// Open-addressing map from a non-zero 64-bit key to an Int32, with linear probing: the hot-path
/// index behind interning, dedupe and rollup cells (no per-entry allocation, no Dictionary hashing).
public struct UInt64Table {
    var keys: ContiguousArray<UInt64>
    var values: ContiguousArray<Int32>
    var mask: Int
    public private(set) var count: Int = 0

    public init(capacity: Int = 16) {
        var cap = 16
        while cap < capacity * 2 { cap <<= 1 }
        keys = ContiguousArray(repeating: 0, count: cap)
        values = ContiguousArray(repeating: 0, count: cap)
        mask = cap - 1
    }

    @inline(__always)
    static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The value for `key`, or nil.
    
    public func get(_ key: UInt64) -> Int32? {
        var i = UInt64Table.slot(key, mask)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k == 0 { return nil }
            i = (i + 1) & mask
        }
    }

    /// Returns the existing value for `key`, or stores `make()` and returns it.
    
    public mutating func getOrInsert(_ key: UInt64, _ make: () -> Int32) -> Int32 {
        var i = UInt64Table.slot(key, mask)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k == 0 { break }
            i = (i + 1) & mask
        }
        let v = make()
        keys[i] = key
        values[i] = v
        count += 1
        if count * 2 > mask { grow() }
        return v
    }

    public mutating func set(_ key: UInt64, _ value: Int32) {
        var i = UInt64Table.slot(key, mask)
        while true {
            let k = keys[i]
            if k == key { values[i] = value; return }
            if k == 0 { break }
            i = (i + 1) & mask
        }
        keys[i] = key
        values[i] = value
        count += 1
        if count * 2 > mask { grow() }
    }

    /// Keeps only the entries `keep` says yes to (used to expire old dedupe entries).
    public mutating func filter(_ keep: (UInt64, Int32) -> Bool) {
        var fresh = UInt64Table(capacity: max(16, count))
        for i in 0..<keys.count where keys[i] != 0 && keep(keys[i], values[i]) {
            fresh.set(keys[i], values[i])
        }
        self = fresh
    }

    
    mutating func grow() {
        let oldKeys = keys, oldValues = values
        let cap = keys.count * 2
        keys = ContiguousArray(repeating: 0, count: cap)
        values = ContiguousArray(repeating: 0, count: cap)
        mask = cap - 1
        count = 0
        for i in 0..<oldKeys.count where oldKeys[i] != 0 {
            set(oldKeys[i], oldValues[i])
        }
    }

    public var memoryBytes: Int { keys.count * 12 }
}
