import Foundation

/// A rolling window: the last N minutes up to the clock, or everything held (`all`, export only).
public enum TimeWindow: Hashable, Sendable, CustomStringConvertible {
    case minutes(Int)
    case all

    /// The console's windows, keys `1`–`6` (SPEC §5).
    public static let console: [TimeWindow] = [.minutes(1), .minutes(5), .minutes(15), .minutes(60), .minutes(360), .minutes(1440)]

    /// `30s` is rounded up to a minute; `5m`, `1h`, `24h`, `2d`, `all` (the grammar of `DurationText`).
    public init?(parsing text: String) {
        guard let w = try? TimeWindow.parse(text).get() else { return nil }
        self = w
    }

    /// The window for `text`, or why it is not one (a unit is required: `5` alone is ambiguous).
    public static func parse(_ text: String) -> Result<TimeWindow, DurationError> {
        if text.trimmingCharacters(in: .whitespaces).lowercased() == "all" { return .success(.all) }
        return DurationText.milliseconds(text, bareUnit: nil).flatMap { ms in
            guard ms > 0 else { return .failure(DurationError(text: text, tooLong: false)) }
            return .success(.minutes(Int((ms + 59_999) / 60_000)))
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
