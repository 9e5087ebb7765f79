/// What a backend has counted, for the header, the `!` screen and `check`: one value, read in one call.
public struct SpendCounters: Sendable, Equatable {
    /// Requests counted (each once).
    public var eventsCounted: Int64 = 0
    /// Records dropped as a repeat of a counted request (same `request_id`).
    public var duplicates: Int64 = 0
    /// Records that replaced the counted record of their request (the request still counts once).
    public var superseded: Int64 = 0
    /// Events older than the retention horizon when they arrived.
    public var expired: Int64 = 0
    /// Events and samples refused for a timestamp too far ahead of the wall clock.
    public var future: Int64 = 0
    /// Request ids the dedupe horizon forgot (`DedupeHorizon`); nil where the backend keeps every id.
    public var dedupeForgotten: Int64 = 0
    /// The horizon those ids aged out of; nil for a backend that does not dedupe by horizon.
    public var dedupeHorizon: DedupeHorizon?
    public var gpuSamples: Int64 = 0
    /// Requests without a price, by model display name, most first.
    public var unpricedModels: [UnpricedModel] = []
    /// Values folded into `(other)` per request dimension.
    public var folded: [FoldedDimension] = []

    public init() {}

    public var unpricedRequests: Int64 { unpricedModels.reduce(0) { $0 + $1.requests } }

    /// Requests of one model that could not be priced.
    public struct UnpricedModel: Sendable, Equatable {
        public var model: String
        public var requests: Int64
        public init(model: String, requests: Int64) {
            self.model = model
            self.requests = requests
        }
    }

    /// How much of a dimension folded into `(other)`: events and distinct values.
    public struct FoldedDimension: Sendable, Equatable {
        public var dimension: Dimension
        public var events: Int
        public var values: Int
        public init(dimension: Dimension, events: Int, values: Int) {
            self.dimension = dimension
            self.events = events
            self.values = values
        }
    }
}
