/// A config value as TOML gives it, kept free of any TOML library so the core can read its sections.
public indirect enum ConfigValue: Equatable, Sendable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case array([ConfigValue])
    case table([String: ConfigValue])

    public var string: String? { if case .string(let s) = self { return s }; return nil }
    public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var int: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && d.magnitude < 9e18: return Int64(d)
        default: return nil
        }
    }
    public var double: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }
    public var array: [ConfigValue]? { if case .array(let a) = self { return a }; return nil }
    public var table: [String: ConfigValue]? { if case .table(let t) = self { return t }; return nil }

    public subscript(key: String) -> ConfigValue? { table?[key] }

    /// The value at a dotted path (`general.window`).
    public func at(_ path: String) -> ConfigValue? {
        var v: ConfigValue? = self
        for part in path.split(separator: ".") { v = v?[String(part)] }
        return v
    }

    /// Tables of an array-of-tables (`[[alert]]`), empty when absent.
    public func tables(_ key: String) -> [[String: ConfigValue]] {
        (self[key]?.array ?? []).compactMap(\.table)
    }
}

/// A config problem worth stopping for, named by where it is (`[[alert]] #2: unknown metric 'spnd'`).
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
