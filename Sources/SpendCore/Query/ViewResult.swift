/// One row of a view: a group's totals over the window and the rates derived from them.
public struct GroupRow: Sendable {
    /// Display name (masked for keys, stripped of control characters).
    public var name: String
    /// Identity: two keys that mask alike are two rows with one name.
    public var id: GroupID
    public var measures: Measures
    /// Share of the view's total spend, 0…1.
    public var share: Double
    /// Distinct features seen for this row (keys view, when the feature×key pair is kept).
    public var featureCount: Int?
    public var durationSeconds: Double

    public var spendPerHour: Double { Self.spendPerHour(measures.spend, seconds: durationSeconds) }
    public var projectedPerDay: Double { spendPerHour * 24 }
    public var requestsPerSecond: Double { Self.perSecond(Double(measures.requests), seconds: durationSeconds) }
    public var inputTokensPerSecond: Double { Self.perSecond(Double(measures.inputTokens), seconds: durationSeconds) }
    public var outputTokensPerSecond: Double {
        Self.perSecond(Double(measures.outputTokens), seconds: durationSeconds)
    }

    /// The rates above from their parts (a table formats rows it holds as columns with the same formulas).
    static func spendPerHour(_ spend: Double, seconds: Double) -> Double { seconds > 0 ? spend / seconds * 3600 : 0 }
    static func perSecond(_ value: Double, seconds: Double) -> Double { seconds > 0 ? value / seconds : 0 }

    public init(name: String, id: GroupID, measures: Measures, share: Double, featureCount: Int? = nil,
                durationSeconds: Double) {
        self.name = name
        self.id = id
        self.measures = measures
        self.share = share
        self.featureCount = featureCount
        self.durationSeconds = durationSeconds
    }

    /// View order, the order every backend answers rows in (`ViewQuery.ordered`): spend descending, then name,
    /// then id, so two keys that mask alike always come in the same order.
    public static func viewOrder(_ a: GroupRow, _ b: GroupRow) -> Bool {
        if a.measures.spend != b.measures.spend { return a.measures.spend > b.measures.spend }
        return a.name != b.name ? a.name < b.name : a.id < b.id
    }
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
    /// True when `rows` are in view order (`GroupRow.viewOrder`); false only when the query asked for them in
    /// any order (`ViewQuery.ordered`).
    public var ordered = true

    public init(rows: [GroupRow], total: Measures, startMs: Int64, endMs: Int64, durationSeconds: Double,
                foldedEvents: Int = 0, foldedValues: Int = 0) {
        self.rows = rows
        self.total = total
        self.startMs = startMs
        self.endMs = endMs
        self.durationSeconds = durationSeconds
        self.foldedEvents = foldedEvents
        self.foldedValues = foldedValues
    }
}

/// A GPU's averages over the window.
public struct GPURow: Sendable {
    public var name: String
    public var id: GroupID
    public var measures: GPUMeasures

    public init(name: String, id: GroupID, measures: GPUMeasures) {
        self.name = name
        self.id = id
        self.measures = measures
    }
}

/// One minute of a series.
public struct SeriesPoint: Sendable {
    public var minuteStartMs: Int64
    public var measures: Measures

    public init(minuteStartMs: Int64, measures: Measures) {
        self.minuteStartMs = minuteStartMs
        self.measures = measures
    }
}
