/// Identity of one value of one dimension: the 64-bit `ByteHash` of the value's raw bytes, as the importer
/// read them. Every backend computes it the same way (the interner, the store's `dims.hash`, a remote
/// engine hashing the raw string it gets), so it is stable across restarts and backends; a raw key typed in
/// `--filter`/`--alert` resolves to exactly its own id without the raw key ever being kept. Two keys that mask
/// alike (`sk-…abcd`) have two ids. Never shown or exported: `SpendQuery.name(_:_:)` gives the display form.
public struct GroupID: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// No value (`(none)`): the field was missing or empty.
    public static let none = GroupID(rawValue: 0)
    /// Values folded together past the cardinality cap (`(other)`).
    public static let other = GroupID(rawValue: 1)

    /// The id of a raw value as an importer read it (nil or empty: `none`).
    public init(raw value: String?) {
        guard let value, !value.isEmpty else { self = .none; return }
        rawValue = ByteHash.hash(value)
    }

    /// 16 hex digits: the form row identities carry.
    public var hex: String { GroupID.format(prefix: "", rawValue) }

    /// `prefix` then 16 hex digits, written in one allocation (a console refresh makes one per row).
    static func format(prefix: String, _ v: UInt64) -> String {
        var prefix = prefix
        return prefix.withUTF8 { head in
            String(unsafeUninitializedCapacity: head.count + 16) { buf in
                for i in 0..<head.count { buf[i] = head[i] }
                let digits: StaticString = "0123456789abcdef"
                for i in 0..<16 {
                    let nibble = Int((v >> UInt64(60 - 4 * i)) & 0xF)
                    buf[head.count + i] = digits.utf8Start[nibble]
                }
                return head.count + 16
            }
        }
    }

    public var description: String { hex }

    public static func < (a: GroupID, b: GroupID) -> Bool { a.rawValue < b.rawValue }

    /// `api_key:00a1…`: the identity of a table row (`ViewTable.rowIDs`), derived from the id, never the name.
    public static func rowID(_ d: Dimension, _ id: GroupID) -> String { format(prefix: d.name + ":", id.rawValue) }

    /// The dimension and id a `rowID(_:_:)` string names, or nil for any other row identity (alerts).
    public static func parse(rowID: String) -> (Dimension, GroupID)? {
        guard let colon = rowID.lastIndex(of: ":"), let d = Dimension(name: String(rowID[..<colon])) else { return nil }
        let hex = rowID[rowID.index(after: colon)...]
        guard hex.count == 16, let v = UInt64(hex, radix: 16) else { return nil }
        return (d, GroupID(rawValue: v))
    }
}

/// One cell's identity in a grouping: the ids of its dimensions in the grouping's order (`none` where the
/// grouping has fewer than two).
public struct CellKey: Hashable, Sendable {
    public var first: GroupID
    public var second: GroupID

    public init(_ first: GroupID = .none, _ second: GroupID = .none) {
        self.first = first
        self.second = second
    }

    public static let total = CellKey()
}

/// A grouping's cell in one minute (or summed over a range of minutes).
public struct GroupCell: Sendable {
    public var key: CellKey
    public var measures: Measures

    public init(key: CellKey, measures: Measures) {
        self.key = key
        self.measures = measures
    }
}

/// One GPU's readings in one minute (or summed over a range of minutes).
public struct GPUCell: Sendable {
    public var id: GroupID
    public var measures: GPUMeasures

    public init(id: GroupID, measures: GPUMeasures) {
        self.id = id
        self.measures = measures
    }
}
