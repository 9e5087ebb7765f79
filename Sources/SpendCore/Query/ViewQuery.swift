/// One question to a `SpendQuery`: rows grouped by a dimension (or one total row), over a window
/// ending at a clock time, narrowed by exact-match filters (the drill path).
public struct ViewQuery: Sendable, Equatable {
    public var groupBy: Dimension?
    public var window: TimeWindow
    /// Window end in ms; nil means the backend's clock (`QueryClock`).
    public var atMs: Int64?
    public var filters: [Filter]
    /// False: `rows` may come in any order (`ViewResult.ordered` says which). The console orders only the rows
    /// it shows (`RowOrder`); a backend that always sorts may ignore it.
    public var ordered = true

    /// One dimension narrowed to one group (`id`, from a drill, an alert scope or a raw key typed by hand) or to
    /// every group with a display name (`value` alone, typed by hand). A masked name typed by hand therefore
    /// matches every key that masks alike; a raw key matches exactly its own.
    public struct Filter: Sendable, Hashable, Codable {
        public var dimension: Dimension
        /// The group, when known exactly; nil matches by `value`.
        public var id: GroupID?
        /// The display name (aliases as they are, keys in masked form): breadcrumbs, file names, scope text.
        public var value: String

        /// Every group of `dimension` shown as `value`.
        public init(_ dimension: Dimension, _ value: String) {
            self.dimension = dimension
            self.value = value
        }

        /// Exactly the group `id` (shown as `value`).
        public init(_ dimension: Dimension, id: GroupID, value: String) {
            self.dimension = dimension
            self.id = id
            self.value = value
        }

        /// `feature=support-chat`; `api_key=sk-proj-…` with a raw secret key is that key's id (shown masked).
        public init?(parsing text: String) {
            guard let eq = text.firstIndex(of: "="), let d = Dimension(name: String(text[..<eq])) else { return nil }
            self.init(d, typed: String(text[text.index(after: eq)...]))
        }

        /// A value typed by a person for `d`: a raw secret key becomes its id and its masked form (the raw key is
        /// not kept); a masked key, an alias or any other value is matched by display name.
        public init(_ d: Dimension, typed value: String) {
            guard d == .apiKey else { self.init(d, value); return }
            let masked = KeyMask.mask(value)
            if masked == value || KeyMask.isAlias(value) {
                self.init(d, masked)
            } else {
                self.init(d, id: GroupID(raw: value), value: masked)
            }
        }

        /// True for the group `id` named `name`.
        @inline(__always)
        public func matches(id gid: GroupID, name: () -> String) -> Bool {
            if let id { return id == gid }
            return name() == value
        }

        /// True when this filter and `other` can select the same group: same dimension and, where both know
        /// their id, the same id, else the same name. (An alert's scope against the drill path.)
        public func overlaps(_ other: Filter) -> Bool {
            guard dimension == other.dimension else { return false }
            if let a = id, let b = other.id { return a == b }
            return value == other.value
        }

        /// `feature=support-chat` (keys masked).
        public var text: String { "\(dimension.name)=\(value)" }
    }

    public init(groupBy: Dimension?, window: TimeWindow, atMs: Int64? = nil, filters: [Filter] = []) {
        self.groupBy = groupBy
        self.window = window
        self.atMs = atMs
        self.filters = filters
    }

    /// Every dimension the query reads: the group-by first, then the filtered ones, each once.
    public var dimensions: [Dimension] {
        var dims: [Dimension] = []
        if let g = groupBy { dims.append(g) }
        for f in filters where !dims.contains(f.dimension) { dims.append(f.dimension) }
        return dims
    }
}

/// Why a query cannot be answered by a backend.
public enum ViewQueryError: Error, CustomStringConvertible, Equatable {
    /// No kept grouping holds these dimensions together; `kept` lists what the backend keeps.
    case combinationNotKept([Dimension], kept: [String])
    /// The backend keeps no request classes per feature×model (`SpendQuery.classRows`), so no savings.
    case classesNotKept

    public var description: String {
        switch self {
        case .classesNotKept:
            return "savings are not available from this source: it keeps no request classes per feature and model"
        case .combinationNotKept(let dims, let kept):
            let names = dims.map(\.name).joined(separator: " and ")
            return "no rollup combines \(names); kept pairs: \(kept.joined(separator: ", "))"
        }
    }
}
