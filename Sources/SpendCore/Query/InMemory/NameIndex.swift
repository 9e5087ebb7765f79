import Foundation

/// Display name → interned ids, per dimension, for filters typed by name (several ids when keys mask alike).
/// Built lazily as names are asked for and extended as the interner grows (names are only ever appended), so a
/// rule scoped by name costs O(1) per minute instead of a scan of every name. Readers may ask from more than one
/// thread under their feed's lock or not (a file feed), hence its own lock.
final class NameIndex: @unchecked Sendable {
    private let lock = NSLock()
    private var byName: [[String: [Int32]]] = Array(repeating: [:], count: Dimension.allCases.count)
    private var indexed: [Int] = Array(repeating: 0, count: Dimension.allCases.count)

    func ids(_ name: String, in interner: Interner) -> [Int32] {
        let d = interner.dimension.rawValue
        lock.lock()
        defer { lock.unlock() }
        let names = interner.names
        if indexed[d] < names.count {
            for i in indexed[d]..<names.count { byName[d][names[i], default: []].append(Int32(i)) }
            indexed[d] = names.count
        }
        return byName[d][name] ?? []
    }
}
