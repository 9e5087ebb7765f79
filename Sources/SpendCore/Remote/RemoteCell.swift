/// One value of a dimension as a remote engine reported it: identity and display form.
///
/// `id` is `ByteHash.hash` of the raw text, the same identity the `Interner` and the store use, so
/// two keys that mask alike (`sk-…abcd`) stay two values; `0` is "no value" (`(none)`). `name` is
/// what may be shown: masked for keys, stripped of control characters (`Interner.displayName`).
/// The raw text never leaves the reader that fetched it.
public struct DimensionValue: Hashable, Sendable {
    public let id: UInt64
    public let name: String

    public static let none = DimensionValue(id: 0, name: Interner.noneName)

    public init(id: UInt64, name: String) {
        self.id = id
        self.name = name
    }

    /// The identity and display form of a raw value (nil or empty: `none`).
    public init(raw: String?, dimension: Dimension) {
        guard let raw, !raw.isEmpty else { self = .none; return }
        self.init(id: ByteHash.hash(raw), name: Interner.displayName(raw, dimension: dimension))
    }

    public static func == (a: DimensionValue, b: DimensionValue) -> Bool { a.id == b.id }
    public func hash(into h: inout Hasher) { h.combine(id) }
}

/// The measures of one group over one minute (or one whole window), as a remote engine
/// aggregated them: what a rollup cell holds, without the events.
public struct RemoteCell: Sendable {
    /// Minutes since the epoch (`floor(ms / 60000)`); for a whole-window answer, the window's first minute.
    public var minute: Int64
    /// One value per dimension of the grouping asked for, in that order (empty for the total).
    public var values: [DimensionValue]
    public var measures: Measures

    public init(minute: Int64, values: [DimensionValue], measures: Measures) {
        self.minute = minute
        self.values = values
        self.measures = measures
    }
}
