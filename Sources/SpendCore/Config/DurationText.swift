/// The one duration grammar of the command line, the config and alert rules: a non-negative decimal
/// number (`90`, `1.5`; no sign, no exponent, no `inf`) and an optional unit `ms`, `s`, `m`, `h`, `d`, `w`.
/// Values are checked against `maxMs` before any arithmetic, so `1e300s` or `1000000000000000m` is a
/// readable error instead of a trap or an infinite window.
public enum DurationText {
    public enum Unit: Int64, Sendable {
        case milliseconds = 1
        case seconds = 1000
        case minutes = 60_000
        case hours = 3_600_000
        case days = 86_400_000
        case weeks = 604_800_000
    }

    /// A hundred years: longer than any window, retention or timeout anyone means.
    public static let maxMs: Int64 = 36_525 * 86_400_000

    static let suffixes: [(String, Unit)] = [("ms", .milliseconds), ("s", .seconds), ("m", .minutes),
                                             ("h", .hours), ("d", .days), ("w", .weeks)]

    /// Milliseconds for `text`; a bare number is in `bareUnit` (nil: a unit is required).
    public static func milliseconds(_ text: String, bareUnit: Unit?) -> Result<Int64, DurationError> {
        let lower = trim(Substring(text)).lowercased()
        var number = Substring(lower)
        var unit = bareUnit
        for (suffix, u) in suffixes where lower.hasSuffix(suffix) {
            number = lower.dropLast(suffix.count)
            unit = u
            break
        }
        guard let unit, let value = plainDecimal(trim(number)) else {
            return .failure(DurationError(text: text, tooLong: false))
        }
        return milliseconds(number: value, unit: unit, text: text)
    }

    /// Milliseconds for a number already read (a TOML integer or float) in `unit`.
    public static func milliseconds(number: Double, unit: Unit, text: String? = nil) -> Result<Int64, DurationError> {
        let shown = text ?? "\(number)"
        guard number.isFinite, number >= 0 else { return .failure(DurationError(text: shown, tooLong: false)) }
        let ms = number * Double(unit.rawValue)
        guard ms <= Double(maxMs) else { return .failure(DurationError(text: shown, tooLong: true)) }
        return .success(Int64(ms.rounded()))
    }

    /// Without leading and trailing spaces and tabs.
    static func trim(_ s: Substring) -> Substring {
        let start = s.firstIndex { $0 != " " && $0 != "\t" } ?? s.endIndex
        let end = s.lastIndex { $0 != " " && $0 != "\t" }.map { s.index(after: $0) } ?? start
        return s[start..<max(start, end)]
    }

    /// Digits with at most one decimal point and at least one digit; nothing else (no sign, exponent,
    /// hex, `inf` or `nan`, which `Double(String)` would all accept).
    static func plainDecimal(_ s: Substring) -> Double? {
        var digits = 0, points = 0
        for c in s.utf8 {
            if c >= 48 && c <= 57 { digits += 1 } else if c == 46 { points += 1 } else { return nil }
        }
        guard digits > 0, points <= 1 else { return nil }
        // More digits than a Double keeps before the point still parse; the ceiling check rejects them.
        return Double(String(s))
    }
}

/// A duration that could not be read, or one beyond `DurationText.maxMs`.
public struct DurationError: Error, CustomStringConvertible, Equatable, Sendable {
    public let text: String
    public let tooLong: Bool
    public var description: String {
        let shown = KeyMask.redact(TextSanitizer.clean(text))
        return tooLong ? "'\(shown)' is too long (at most 100 years)"
                       : "'\(shown)' is not a duration like 90s, 5m, 1h, 7d"
    }
}
