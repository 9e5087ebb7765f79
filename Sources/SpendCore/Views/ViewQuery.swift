/// One question to the rollups: rows grouped by a dimension (or one total row), over a window
/// ending at a clock time, narrowed by exact-match filters (the drill path).
public struct ViewQuery: Sendable, Equatable {
    public var groupBy: Dimension?
    public var window: TimeWindow
    /// Window end in ms; nil means the rollup's clock (`RollupClock`).
    public var atMs: Int64?
    public var filters: [Filter]

    public struct Filter: Sendable, Equatable {
        public var dimension: Dimension
        /// The displayed name (aliases as they are, keys in masked form).
        public var value: String
        public init(_ dimension: Dimension, _ value: String) {
            self.dimension = dimension
            self.value = value
        }

        /// `feature=support-chat`.
        public init?(parsing text: String) {
            guard let eq = text.firstIndex(of: "="), let d = Dimension(name: String(text[..<eq])) else { return nil }
            let value = String(text[text.index(after: eq)...])
            // Keys are held masked only: a raw key typed as a filter matches its masked form.
            self.init(d, d == .apiKey ? KeyMask.mask(value) : value)
        }
    }

    public init(groupBy: Dimension?, window: TimeWindow, atMs: Int64? = nil, filters: [Filter] = []) {
        self.groupBy = groupBy
        self.window = window
        self.atMs = atMs
        self.filters = filters
    }
}

/// Why a query cannot be answered from the rollups kept.
public enum ViewQueryError: Error, CustomStringConvertible, Equatable {
    case combinationNotKept([Dimension])

    public var description: String {
        switch self {
        case .combinationNotKept(let dims):
            let kept = Grouping.pairs.map(\.description).joined(separator: ", ")
            return "no rollup combines \(dims.map(\.name).joined(separator: " and ")); kept pairs: \(kept)"
        }
    }
}
