/// How long `Rollup` remembers request ids: `minutes` of event time behind the newest event, and
/// always at least the newest `keepLast` ids. A duplicate arriving later than both is counted again.
public struct DedupeHorizon: Sendable, Equatable {
    public var minutes: Int64
    public var keepLast: Int

    public init(minutes: Int64 = 60, keepLast: Int = 2_000_000) {
        self.minutes = minutes
        self.keepLast = keepLast
    }

    /// "1 h", "90 min": the horizon's time part as `check` and the docs say it.
    public var timeText: String { minutes % 60 == 0 ? "\(minutes / 60) h" : "\(minutes) min" }
}
