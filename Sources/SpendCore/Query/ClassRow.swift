/// One feature×model pair's requests of one class over a window (`SpendQuery.classRows`).
public struct ClassRow: Sendable {
    public var feature: String
    public var model: String
    public var featureID: GroupID
    public var modelID: GroupID
    public var requestClass: RequestClass
    public var measures: Measures

    public init(feature: String, model: String, featureID: GroupID, modelID: GroupID, requestClass: RequestClass,
                measures: Measures) {
        self.feature = feature
        self.model = model
        self.featureID = featureID
        self.modelID = modelID
        self.requestClass = requestClass
        self.measures = measures
    }

    /// Name order, ids breaking ties (two features shown alike stay apart), then class: the order every
    /// backend hands rows out in, so the advisor sees a pair's classes next to each other.
    public static func order(_ a: ClassRow, _ b: ClassRow) -> Bool {
        (a.feature, a.featureID, a.model, a.modelID, a.requestClass.rawValue)
            < (b.feature, b.featureID, b.model, b.modelID, b.requestClass.rawValue)
    }
}

/// The answer to a class query: every class of every feature×model pair with requests, in `ClassRow.order`,
/// and the time span they cover (as `ViewResult`).
public struct ClassRowsResult: Sendable {
    public var rows: [ClassRow]
    public var startMs: Int64
    public var endMs: Int64
    public var durationSeconds: Double

    public init(rows: [ClassRow], startMs: Int64, endMs: Int64, durationSeconds: Double) {
        self.rows = rows
        self.startMs = startMs
        self.endMs = endMs
        self.durationSeconds = durationSeconds
    }
}

/// One GPU's readings minute by minute (only the minutes holding samples), oldest first.
public struct GPUSeries: Sendable {
    public var name: String
    public var id: GroupID
    public var points: [GPUPoint]

    public init(name: String, id: GroupID, points: [GPUPoint]) {
        self.name = name
        self.id = id
        self.points = points
    }

    static func order(_ a: GPUSeries, _ b: GPUSeries) -> Bool { a.name != b.name ? a.name < b.name : a.id < b.id }
}

/// One minute of a GPU's readings.
public struct GPUPoint: Sendable {
    public var minuteStartMs: Int64
    public var measures: GPUMeasures

    public init(minuteStartMs: Int64, measures: GPUMeasures) {
        self.minuteStartMs = minuteStartMs
        self.measures = measures
    }
}
