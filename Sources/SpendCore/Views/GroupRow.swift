/// One row of a view: a group's totals over the window and the rates derived from them.
public struct GroupRow: Sendable {
    /// Display name (masked for keys, stripped of control characters).
    public var name: String
    public var id: Int32
    public var measures: Measures
    /// Share of the view's total spend, 0…1.
    public var share: Double
    /// Distinct features seen for this row (keys view, when the feature×key pair is kept).
    public var featureCount: Int?
    public var durationSeconds: Double

    public var spendPerHour: Double { durationSeconds > 0 ? measures.spend / durationSeconds * 3600 : 0 }
    public var projectedPerDay: Double { spendPerHour * 24 }
    public var requestsPerSecond: Double { durationSeconds > 0 ? Double(measures.requests) / durationSeconds : 0 }
    public var inputTokensPerSecond: Double { durationSeconds > 0 ? Double(measures.inputTokens) / durationSeconds : 0 }
    public var outputTokensPerSecond: Double { durationSeconds > 0 ? Double(measures.outputTokens) / durationSeconds : 0 }
}

/// The answer to a `ViewQuery`: rows, their total, and the time span they cover.
public struct ViewResult: Sendable {
    public var rows: [GroupRow]
    public var total: Measures
    public var startMs: Int64
    public var endMs: Int64
    public var durationSeconds: Double
    /// Events whose value of the grouped dimension was folded into `(other)`, and how many values.
    public var foldedEvents: Int
    public var foldedValues: Int
}

/// A GPU's averages over the window.
public struct GPURow: Sendable {
    public var name: String
    public var measures: GPUMeasures
}

/// One minute of a series.
public struct SeriesPoint: Sendable {
    public var minuteStartMs: Int64
    public var measures: Measures
}
