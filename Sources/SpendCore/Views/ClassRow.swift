/// One feature×model pair's requests of one class over a window.
public struct ClassRow: Sendable {
    public var feature: String
    public var model: String
    public var featureID: Int32
    public var modelID: Int32
    public var requestClass: RequestClass
    public var measures: Measures
}

/// The answer to a class query: every class of every feature×model pair with requests, in name
/// order, and the time span they cover (as `ViewResult`).
public struct ClassRowsResult: Sendable {
    public var rows: [ClassRow]
    public var startMs: Int64
    public var endMs: Int64
    public var durationSeconds: Double
}

/// One GPU's readings minute by minute (only the minutes holding samples), oldest first.
public struct GPUSeries: Sendable {
    public var name: String
    public var points: [GPUPoint]
}

/// One minute of a GPU's readings.
public struct GPUPoint: Sendable {
    public var minuteStartMs: Int64
    public var measures: GPUMeasures
}
