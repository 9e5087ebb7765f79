import Foundation

/// A rolling window: the last N minutes up to the clock, or everything held (`all`, export only).
public enum TimeWindow: Hashable, Sendable, CustomStringConvertible {
    case minutes(Int)
    case all

    /// The console's windows, keys `1`–`6` (SPEC §5).
    public static let console: [TimeWindow] = [.minutes(1), .minutes(5), .minutes(15), .minutes(60), .minutes(360), .minutes(1440)]

    /// `30s` is rounded up to a minute; `5m`, `1h`, `24h`, `2d`, `all`.
    public init?(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t == "all" { self = .all; return }
        guard let unit = t.last, let n = Int(t.dropLast()), n > 0 else { return nil }
        switch unit {
        case "s": self = .minutes(max(1, (n + 59) / 60))
        case "m": self = .minutes(n)
        case "h": self = .minutes(n * 60)
        case "d": self = .minutes(n * 1440)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .all: return "all"
        case .minutes(let m):
            if m == 1440 { return "24h" }
            if m % 1440 == 0 { return "\(m / 1440)d" }
            if m % 60 == 0 { return "\(m / 60)h" }
            return "\(m)m"
        }
    }
}
