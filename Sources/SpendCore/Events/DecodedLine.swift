/// What one input line turned into: requests, GPU samples, or a rejection with its reason.
public enum DecodedLine: Equatable, Sendable {
    case events([SpendEvent])
    case gpu([GPUSample])
    case rejected(RejectReason)
    /// A line of a known format that is deliberately not counted (not an error): shown per reason.
    case skipped(SkipReason)
}

/// Why a well-formed line was not counted. The raw value is what `check` prints.
public enum SkipReason: String, CaseIterable, Sendable, Comparable {
    /// Claude Code's own placeholder messages (`"model":"<synthetic>"`): no API request was made.
    case syntheticMessage = "claude <synthetic> message"
    /// An OTel agent span whose usage is the sum of the model-call spans already counted in its trace.
    case agentRollupSpan = "agent span summing counted model calls"

    public static func < (a: SkipReason, b: SkipReason) -> Bool { a.rawValue < b.rawValue }
}

/// Why a line was not counted. The raw value is what `check` and the diagnostics print.
public enum RejectReason: String, CaseIterable, Sendable, Comparable, Error {
    case invalidJSON = "invalid JSON"
    case notAnObject = "not a JSON object"
    case missingTimestamp = "missing or unreadable timestamp"
    case unknownFormat = "unrecognised event format"
    case invalidUTF8 = "invalid UTF-8"
    case lineTooLong = "line too long"
    case badField = "field of the wrong type"
    case unreadableMetric = "unreadable metric line"
    /// Beyond the console's clock-skew allowance: one such line would otherwise move the clock
    /// years ahead and empty every live window.
    case futureTimestamp = "timestamp too far in the future"

    public static func < (a: RejectReason, b: RejectReason) -> Bool { a.rawValue < b.rawValue }
}
