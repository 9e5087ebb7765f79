/// The dedupe table: 64-bit request-id hashes with the minute each was seen, by open addressing with
/// linear probing. A hash and its minute share a 16-byte slot, so a probe costs one cache miss, and the
/// table grows at 70% load (23–46 bytes an id; a `UInt64Table` grows at 50%: 32–64). Zero is the empty
/// hash (`InternedEvent.requestHash` 0 means no id).
public struct RequestIDSet {
    /// The minute is 64-bit: it costs nothing (the slot is 16 bytes either way), and a year-9999 timestamp's
    /// minute does not wrap into the oldest one.
    struct Slot {
        var hash: UInt64
        var minute: Int64
    }

    var slots: ContiguousArray<Slot>
    var mask: Int
    /// Entries allowed before the table doubles (70% of its slots).
    var limit: Int
    public private(set) var count = 0

    public init(capacity: Int = 16) {
        var n = 16
        while n * 7 / 10 < capacity { n <<= 1 }
        slots = ContiguousArray(repeating: Slot(hash: 0, minute: 0), count: n)
        mask = n - 1
        limit = n * 7 / 10
    }

    @inline(__always)
    static func start(_ hash: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The slot holding `hash`, or the empty slot where it would go.
    @inline(__always)
    func slot(_ hash: UInt64) -> (index: Int, found: Bool) {
        slots.withUnsafeBufferPointer { s in
            var i = RequestIDSet.start(hash, mask)
            while true {
                let k = s[i].hash
                if k == hash { return (i, true) }
                if k == 0 { return (i, false) }
                i = (i + 1) & mask
            }
        }
    }

    public func contains(_ hash: UInt64) -> Bool { slot(hash).found }

    /// Adds `hash` seen in `minute`; false (and nothing changed) when it is already there.
    @inline(__always)
    public mutating func insert(_ hash: UInt64, minute: Int64) -> Bool {
        let (i, found) = slot(hash)
        if found { return false }
        slots[i] = Slot(hash: hash, minute: minute)
        count += 1
        if count > limit { grow() }
        return true
    }

    /// Adds `hash` or moves it to `minute`.
    public mutating func set(_ hash: UInt64, minute: Int64) {
        let (i, found) = slot(hash)
        if found { slots[i].minute = minute; return }
        _ = insert(hash, minute: minute)
    }

    /// Loads the slot `hash` would start probing at, so that a batch of lookups overlaps its cache misses.
    @inline(__always)
    public func touch(_ hash: UInt64) -> UInt64 {
        slots.withUnsafeBufferPointer { $0[RequestIDSet.start(hash, mask)].hash }
    }

    public func forEach(_ body: (UInt64, Int64) -> Void) {
        for s in slots where s.hash != 0 { body(s.hash, s.minute) }
    }

    /// Keeps only the ids whose minute `keep` says yes to, in a table sized for them.
    public mutating func filter(minute keep: (Int64) -> Bool) {
        var kept = 0
        for s in slots where s.hash != 0 && keep(s.minute) { kept += 1 }
        var fresh = RequestIDSet(capacity: kept)
        for s in slots where s.hash != 0 && keep(s.minute) { _ = fresh.insert(s.hash, minute: s.minute) }
        self = fresh
    }

    mutating func grow() {
        var bigger = RequestIDSet(capacity: (mask + 1) * 2 * 7 / 10)
        for s in slots where s.hash != 0 { _ = bigger.insert(s.hash, minute: s.minute) }
        self = bigger
    }

    public var memoryBytes: Int { slots.count * MemoryLayout<Slot>.stride }
}
