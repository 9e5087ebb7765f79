/// The dedupe table: 64-bit request-id hashes with the minute each was seen, by open addressing with
/// linear probing. Hashes and minutes sit in two arrays (12 bytes a slot, not a 16-byte pair): a probe
/// reads only hashes, eight to a cache line, and the table is the largest thing a 5M-event day keeps. It
/// grows at 70% load (17–34 bytes an id). Zero is the empty hash (`InternedEvent.requestHash` 0: no id).
/// An untimed table keeps no minutes until a sweep asks for them (`startKeepingMinutes`): a part of a parallel
/// read that will likely never sweep saves a third of the table and the second miss of every insert.
public struct RequestIDSet {
    var hashes: ContiguousArray<UInt64>
    /// `MinuteCode` of each slot's minute; empty while the table is untimed.
    var minutes: ContiguousArray<UInt32>
    public private(set) var keepsMinutes: Bool
    var mask: Int
    /// Entries allowed before the table doubles (70% of its slots).
    var limit: Int
    public private(set) var count = 0

    /// A minute in 32 bits, order kept: exact from 1906 to past year 10,000 (a year-9999 timestamp's minute does
    /// not wrap into the oldest one), clamped beyond; `Int64.max` (a preseeded id, never swept) round-trips.
    enum MinuteCode {
        static let offset: Int64 = 1 << 25
        @inline(__always)
        static func encode(_ minute: Int64) -> UInt32 {
            if minute == .max { return .max }
            if minute >= Int64(UInt32.max) - 1 - offset { return .max - 1 }
            return UInt32(clamping: max(minute, -offset) + offset)
        }
        @inline(__always)
        static func decode(_ code: UInt32) -> Int64 { code == .max ? .max : Int64(code) - offset }
    }

    public init(capacity: Int = 16, keepsMinutes: Bool = true) {
        let n = RequestIDSet.slots(for: capacity)
        hashes = RequestIDSet.zeroed(n)
        minutes = keepsMinutes ? RequestIDSet.zeroed(n) : []
        self.keepsMinutes = keepsMinutes
        mask = n - 1
        limit = n * 7 / 10
    }

    /// Gives an untimed table its minutes: every id held is taken as seen in `minute` (the newest so far), so a
    /// sweep keeps it at least as long as the horizon asks and never forgets one early.
    public mutating func startKeepingMinutes(at minute: Int64) {
        guard !keepsMinutes else { return }
        minutes = RequestIDSet.zeroed(hashes.count)
        let code = MinuteCode.encode(minute)
        for i in hashes.indices where hashes[i] != 0 { minutes[i] = code }
        keepsMinutes = true
    }

    /// `n` zeros. A table of megabytes is probed at random, one TLB miss a probe with 4 KB pages: on Linux its
    /// memory is marked for transparent huge pages before it is first written (a hint; nothing depends on it).
    static func zeroed<T: FixedWidthInteger>(_ n: Int) -> ContiguousArray<T> {
        ContiguousArray(unsafeUninitializedCapacity: n) { buffer, initialized in
            #if os(Linux)
            let huge = 2 << 20
            if let base = buffer.baseAddress, n * MemoryLayout<T>.stride >= 2 * huge {
                let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
                let end = (Int(bitPattern: base) + n * MemoryLayout<T>.stride) & ~(huge - 1)
                if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE) }
            }
            #endif
            buffer.initialize(repeating: 0)
            initialized = n
        }
    }

    /// The slot holding `hash`, or the empty slot where it would go.
    @inline(__always)
    func slot(_ hash: UInt64) -> (index: Int, found: Bool) {
        hashes.withUnsafeBufferPointer { s in
            var i = UInt64Table.start(hash, mask)
            while true {
                let k = s[i]
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
        hashes[i] = hash
        if keepsMinutes { minutes[i] = MinuteCode.encode(minute) }
        count += 1
        if count > limit { grow() }
        return true
    }

    /// Adds `hash` or moves it to `minute`.
    public mutating func set(_ hash: UInt64, minute: Int64) {
        let (i, found) = slot(hash)
        if found {
            if keepsMinutes { minutes[i] = MinuteCode.encode(minute) }
            return
        }
        _ = insert(hash, minute: minute)
    }

    /// Loads the slot `hash` would start probing at, so that a batch of lookups overlaps its cache misses.
    /// Both arrays: an insert writes the minute too, a second miss to overlap.
    @inline(__always)
    public func touch(_ hash: UInt64) -> UInt64 {
        let i = UInt64Table.start(hash, mask)
        let h = hashes.withUnsafeBufferPointer { $0[i] }
        return keepsMinutes ? h ^ UInt64(minutes.withUnsafeBufferPointer { $0[i] }) : h
    }

    /// Only the hash slot: for lookups, which never read the minute.
    @inline(__always)
    public func touchHash(_ hash: UInt64) -> UInt64 {
        hashes.withUnsafeBufferPointer { $0[UInt64Table.start(hash, mask)] }
    }

    /// Every id with its minute (`Int64.max`, never swept, in an untimed table).
    public func forEach(_ body: (UInt64, Int64) -> Void) {
        for i in hashes.indices where hashes[i] != 0 {
            body(hashes[i], keepsMinutes ? MinuteCode.decode(minutes[i]) : .max)
        }
    }

    /// Keeps only the ids whose minute `keep` says yes to. In place while they still need this table's size (a
    /// sweep keeps most of a table: a fresh one would double it for the sweep's length); in a smaller table
    /// when far fewer are kept.
    public mutating func filter(minute keep: (Int64) -> Bool) {
        precondition(keepsMinutes, "an untimed table is given its minutes before a sweep")
        var kept = 0
        forEach { _, m in if keep(m) { kept += 1 } }
        let fits = RequestIDSet.slots(for: kept)
        if fits < hashes.count {
            var fresh = RequestIDSet(capacity: kept)
            for i in hashes.indices where hashes[i] != 0 && keep(MinuteCode.decode(minutes[i])) {
                fresh.insertNew(hashes[i], code: minutes[i])
            }
            self = fresh
            return
        }
        // Re-place what is left, each from its home slot, walking from a slot that was empty before the ids went:
        // no probe path crossed it, so every id lands at or before where it was and the paths stay unbroken.
        guard let empty = hashes.firstIndex(of: 0) else { return }  // a table is never full (70%)
        for i in hashes.indices where hashes[i] != 0 && !keep(MinuteCode.decode(minutes[i])) { hashes[i] = 0 }
        count = 0
        for step in 1...mask + 1 {
            let i = (empty + step) & mask
            let h = hashes[i]
            guard h != 0 else { continue }
            hashes[i] = 0
            insertNew(h, code: minutes[i])
        }
    }

    /// Slots a table needs for `capacity` ids (a power of two, at most 70% full).
    static func slots(for capacity: Int) -> Int {
        var n = 16
        while n * 7 / 10 < capacity { n <<= 1 }
        return n
    }

    mutating func grow() {
        var bigger = RequestIDSet(capacity: (mask + 1) * 2 * 7 / 10, keepsMinutes: keepsMinutes)
        for i in hashes.indices where hashes[i] != 0 {
            bigger.insertNew(hashes[i], code: keepsMinutes ? minutes[i] : 0)
        }
        self = bigger
    }

    /// Places a hash known to be absent (a rehash): no compare against it, and no growth.
    @inline(__always)
    mutating func insertNew(_ hash: UInt64, code: UInt32) {
        var i = UInt64Table.start(hash, mask)
        while hashes[i] != 0 { i = (i + 1) & mask }
        hashes[i] = hash
        if keepsMinutes { minutes[i] = code }
        count += 1
    }

    public var memoryBytes: Int {
        hashes.count * MemoryLayout<UInt64>.stride + minutes.count * MemoryLayout<UInt32>.stride
    }
}

#if canImport(Glibc)
import Glibc
#endif
