/// Maps the values of one dimension to small integer ids, hashing bytes so that a `String` is made
/// only the first time a value is seen. Beyond `capacity` distinct values, new ones fold into `(other)`.
///
/// Identity is the 64-bit hash of the value's bytes: two distinct values collide with probability
/// about n²/2⁶⁵ (≈3·10⁻¹⁰ for 100k values), which is accepted and documented.
public struct Interner {
    public static let noneID: Int32 = 0
    public static let otherID: Int32 = 1
    public static let noneName = "(none)"
    public static let otherName = "(other)"

    public let dimension: Dimension
    public let capacity: Int
    var table = UInt64Table(capacity: 64)
    var foldedTable = UInt64Table(capacity: 16)
    public private(set) var names: [String] = [Interner.noneName, Interner.otherName]
    /// The hash of each id's raw text, so the store can keep two keys apart that mask alike.
    public private(set) var hashes: [UInt64] = [0, 1]
    /// Events whose value was folded into `(other)`, and how many distinct values that was.
    public private(set) var foldedEvents = 0
    public var foldedValues: Int { foldedTable.count }

    public init(dimension: Dimension, capacity: Int) {
        self.dimension = dimension
        self.capacity = capacity
    }

    /// An interner as a checkpoint saved it: the same ids for the same values, the same folds.
    init(restoring dimension: Dimension, capacity: Int, names: [String], hashes: [UInt64], folded: [UInt64],
         foldedEvents: Int) {
        self.init(dimension: dimension, capacity: capacity)
        self.names = names
        self.hashes = hashes
        for id in 2..<max(2, names.count) { table.set(hashes[id], Int32(id)) }
        for h in folded { foldedTable.set(h, 1) }
        self.foldedEvents = foldedEvents
    }

    /// The hashes of values folded into `(other)` (a checkpoint keeps them so later folds count alike).
    var foldedHashes: [UInt64] {
        var out: [UInt64] = []
        foldedTable.forEach { h, _ in out.append(h) }
        return out
    }

    /// Distinct values with their own id (excluding `(none)` and `(other)`).
    public var distinctCount: Int { names.count - 2 }

    
    public mutating func id(bytes p: UnsafeRawPointer, count: Int) -> Int32 {
        if count == 0 { return Interner.noneID }
        let h = ByteHash.hash(p, count)
        if let v = table.get(h) { return v }
        if isFull { return fold(h) }
        let text = String(decoding: UnsafeRawBufferPointer(start: p, count: count), as: UTF8.self)
        return insert(hash: h, rawText: text)
    }

    public mutating func id(_ value: String?) -> Int32 {
        guard let value, !value.isEmpty else { return Interner.noneID }
        let h = ByteHash.hash(value)
        if let v = table.get(h) { return v }
        if isFull { return fold(h) }
        return insert(hash: h, rawText: value)
    }

    /// The id for a value known by its raw-text hash and display name (replayed from the store).
    public mutating func id(hash h: UInt64, displayName: String) -> Int32 {
        if h == 0 { return Interner.noneID }
        if h == 1 { return Interner.otherID }
        if let v = table.get(h) { return v }
        if isFull { return fold(h) }
        let id = Int32(names.count)
        names.append(displayName)
        hashes.append(h)
        table.set(h, id)
        return id
    }

    var isFull: Bool { names.count - 2 >= capacity }

    
    mutating func fold(_ h: UInt64) -> Int32 {
        foldedEvents += 1
        _ = foldedTable.getOrInsert(h) { 1 }
        return Interner.otherID
    }

    
    mutating func insert(hash h: UInt64, rawText: String) -> Int32 {
        let id = Int32(names.count)
        names.append(Interner.displayName(rawText, dimension: dimension))
        hashes.append(h)
        table.set(h, id)
        return id
    }

    /// The id of a value known by the hash of its raw text (`GroupID`), or nil when it has none of its own.
    @inline(__always)
    public func lookup(hash h: UInt64) -> Int32? {
        if h == 0 { return Interner.noneID }
        if h == 1 { return Interner.otherID }
        return table.get(h)
    }

    /// The group id of an interned id.
    @inline(__always)
    public func groupID(_ id: Int32) -> GroupID { GroupID(rawValue: hashes[Int(id)]) }

    public func name(_ id: Int32) -> String { names[Int(id)] }

    /// Keys are masked, everything is stripped of control characters, once, when first seen.
    public static func displayName(_ raw: String, dimension: Dimension) -> String {
        let cleaned = dimension == .apiKey ? KeyMask.mask(raw) : TextSanitizer.clean(raw)
        return cleaned.isEmpty ? "(blank)" : cleaned
    }
}
