/// The dedupe table: 64-bit request-id hashes with the minute each was seen, by open addressing with
/// linear probing. Hashes and minutes sit in separate arrays, so a probe reads 8 bytes a slot, and the
/// table grows at 70% load: 12 bytes a slot and 17–34 bytes an id, where a `UInt64Table` (16-byte slots,
/// grown at 50%) spends 32–64. Zero is the empty hash (`InternedEvent.requestHash` 0 means no id).
public struct RequestIDSet {
    var hashes: ContiguousArray<UInt64>
    var minutes: ContiguousArray<Int32>
    var mask: Int
    /// Entries allowed before the table doubles (70% of its slots).
    var limit: Int
    public private(set) var count = 0

    public init(capacity: Int = 16) {
        var slots = 16
        while slots * 7 / 10 < capacity { slots <<= 1 }
        hashes = ContiguousArray(repeating: 0, count: slots)
        minutes = ContiguousArray(repeating: 0, count: slots)
        mask = slots - 1
        limit = slots * 7 / 10
    }

    @inline(__always)
    static func start(_ hash: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The slot holding `hash`, or the empty slot where it would go.
    @inline(__always)
    func slot(_ hash: UInt64) -> (index: Int, found: Bool) {
        hashes.withUnsafeBufferPointer { h in
            var i = RequestIDSet.start(hash, mask)
            while true {
                let k = h[i]
                if k == hash { return (i, true) }
                if k == 0 { return (i, false) }
                i = (i + 1) & mask
            }
        }
    }

    public func contains(_ hash: UInt64) -> Bool { slot(hash).found }

    /// Adds `hash` seen in `minute`; false (and nothing changed) when it is already there.
    @inline(__always)
    public mutating func insert(_ hash: UInt64, minute: Int32) -> Bool {
        let (i, found) = slot(hash)
        if found { return false }
        hashes[i] = hash
        minutes[i] = minute
        count += 1
        if count > limit { grow() }
        return true
    }

    /// Adds `hash` or moves it to `minute`.
    public mutating func set(_ hash: UInt64, minute: Int32) {
        let (i, found) = slot(hash)
        if found { minutes[i] = minute; return }
        _ = insert(hash, minute: minute)
    }

    /// Loads the slot `hash` would start probing at, so that a batch of lookups overlaps its cache misses.
    @inline(__always)
    public func touch(_ hash: UInt64) -> UInt64 {
        hashes.withUnsafeBufferPointer { $0[RequestIDSet.start(hash, mask)] }
    }

    public func forEach(_ body: (UInt64, Int32) -> Void) {
        for i in 0..<hashes.count where hashes[i] != 0 { body(hashes[i], minutes[i]) }
    }

    /// Keeps only the ids whose minute `keep` says yes to, in a table sized for them.
    public mutating func filter(minute keep: (Int32) -> Bool) {
        var kept = 0
        for i in 0..<hashes.count where hashes[i] != 0 && keep(minutes[i]) { kept += 1 }
        var fresh = RequestIDSet(capacity: kept)
        for i in 0..<hashes.count where hashes[i] != 0 && keep(minutes[i]) { _ = fresh.insert(hashes[i], minute: minutes[i]) }
        self = fresh
    }

    mutating func grow() {
        var bigger = RequestIDSet(capacity: (mask + 1) * 2 * 7 / 10)
        for i in 0..<hashes.count where hashes[i] != 0 { _ = bigger.insert(hashes[i], minute: minutes[i]) }
        self = bigger
    }

    public var memoryBytes: Int { hashes.count * 12 }
}
