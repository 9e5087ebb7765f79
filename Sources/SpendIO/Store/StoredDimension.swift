import SpendCore

/// One dimension value in the store: its id there, the hash of its raw text and its display name.
public struct StoredDimension: Sendable {
    public var dimension: Dimension
    public var id: Int32
    public var hash: UInt64
    public var name: String
}

/// Maps one store's dimension ids to a rollup's ids (replay and the SQLite source of a store file).
struct StoredDimensionMap {
    var ids: [[Int32]] = Array(repeating: [0, 1], count: SpendCore.Dimension.allCases.count)

    mutating func learn(_ dims: [StoredDimension], rollup: Rollup) {
        for d in dims {
            let r = rollup.internStored(d.dimension, hash: d.hash, displayName: d.name)
            var column = ids[d.dimension.rawValue]
            let i = Int(d.id)
            if i >= column.count { column.append(contentsOf: repeatElement(Interner.otherID, count: i + 1 - column.count)) }
            column[i] = r
            ids[d.dimension.rawValue] = column
        }
    }

    /// Rewrites an event's store ids into rollup ids; an id never learnt is `(other)`.
    func map(_ e: inout InternedEvent) {
        func m(_ d: SpendCore.Dimension, _ v: Int32) -> Int32 {
            let column = ids[d.rawValue]
            return Int(v) < column.count && v >= 0 ? column[Int(v)] : Interner.otherID
        }
        e.feature = m(.feature, e.feature)
        e.apiKey = m(.apiKey, e.apiKey)
        e.model = m(.model, e.model)
        e.team = m(.team, e.team)
        e.provider = m(.provider, e.provider)
        e.user = m(.user, e.user)
        e.gateway = m(.gateway, e.gateway)
    }
}
