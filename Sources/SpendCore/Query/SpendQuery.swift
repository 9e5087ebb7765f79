/// The one query boundary (SPEC §10): the console, the wallboard, export, check, threshold rules, budgets,
/// the anomaly detector and the explainer read spend only through this, so another backend (a central SQL
/// store, a Prometheus-compatible API) answers the same questions without touching them. The in-memory
/// `Rollup` is the first implementation, `CellQuery` a reusable one for engines that answer per-minute
/// cells. Groups are named by `GroupID`, never by display name. See docs/query.md.
///
/// Per-cell work stays inside the implementation: every call answers a whole view, a whole minute of a
/// grouping or a whole range of minutes of a scope, never one cell of many.
public protocol SpendQuery: AnyObject {
    // MARK: time

    /// The newest and oldest event times held and the oldest minute still held.
    var extent: QueryExtent { get }
    /// True when minute `minute` holds any request or GPU sample.
    func hasData(minute: Int64) -> Bool
    /// The first minute after `minute` holding data, or nil (for skipping long empty stretches).
    func firstMinuteWithData(after minute: Int64) -> Int64?
    /// Minutes per stored cell at `minute`: 1, or the span old minutes were folded into (time compaction), over
    /// which a per-minute answer is an even share.
    func cellMinutes(atMinute minute: Int64) -> Int64

    // MARK: views over a window

    /// One row per group of `q.groupBy` (or one total row), narrowed by `q.filters`.
    func rows(_ q: ViewQuery, wallMs: Int64) throws -> ViewResult
    /// `rows` of `q.groupBy` (which must be set) as a table's source, in any order: a backend may hand over its
    /// sums without making a `GroupRow` per group (the rollup's `GroupColumns`).
    func groupRows(_ q: ViewQuery, wallMs: Int64) throws -> GroupRows
    /// The filtered total per minute of the window, oldest first.
    func series(_ q: ViewQuery, wallMs: Int64) throws -> [SeriesPoint]
    /// Spend per minute over the last `minutes` minutes up to the window's end, per group of `q.groupBy`
    /// (answered by the same grouping as `rows`, so a pane's trend matches its row).
    func trends(_ q: ViewQuery, minutes: Int, wallMs: Int64) throws -> [GroupID: [Double]]
    /// Each GPU's averages over the window.
    func gpus(_ q: ViewQuery, wallMs: Int64) -> [GPURow]

    // MARK: minutes (rules, budgets, the detector, the explainer)

    /// The scope's total over minutes `[from, to]` (a rule's minute is `from == to`); throws when no kept
    /// grouping holds the scope's dimensions together.
    func total(_ scope: [ViewQuery.Filter], fromMinute from: Int64, toMinute to: Int64) throws -> Measures
    /// The scope's total over `[from, to]` per group of `dimension`.
    func breakdown(by dimension: Dimension, _ scope: [ViewQuery.Filter], fromMinute from: Int64,
                   toMinute to: Int64) throws -> [GroupID: Measures]
    /// Every cell of grouping `g` in one minute (empty when the grouping is not answerable or nothing happened).
    func cells(_ g: Grouping, minute: Int64) -> [GroupCell]
    /// Every GPU's readings in one minute.
    func gpuCells(minute: Int64) -> [GPUCell]
    /// The readings over `[from, to]` of the GPUs `gpu` selects (nil: all GPUs, summed).
    func gpuTotal(_ gpu: ViewQuery.Filter?, fromMinute from: Int64, toMinute to: Int64) -> GPUMeasures

    // MARK: the savings advisor

    /// Feature×model pairs split by `RequestClass` over the window (what the advisor reprices); `groupBy` is
    /// ignored, filters may name a feature and a model. Throws `classesNotKept` when
    /// `capabilities.requestClasses` is false.
    func classRows(_ q: ViewQuery, wallMs: Int64) throws -> ClassRowsResult
    /// Each GPU's minutes holding samples over the window, oldest first (idle GPU-hours are counted on them).
    func gpuSeries(_ q: ViewQuery, wallMs: Int64) -> [GPUSeries]
    /// The table requests were priced with: the advisor reprices the same tokens with the same rates.
    var prices: PriceTable { get }

    // MARK: names, counters, capability

    /// The display name of a group (masked for keys); `(unknown)` for an id never seen.
    func name(_ d: Dimension, _ id: GroupID) -> String
    /// The header's counters.
    var counters: SpendCounters { get }
    /// What can be answered together, and what folds into `(other)`.
    var capabilities: QueryCapabilities { get }
    /// A number that moves whenever any answer may change (new events, late ones, minutes folded or dropped); nil
    /// when the backend cannot say, and then nothing read from it may be kept between reads (`SavingsCache`).
    var revision: UInt64? { get }
}

/// The time span a backend holds.
public struct QueryExtent: Sendable, Equatable {
    /// Newest and oldest event or sample time seen (ms); nil when nothing was counted.
    public var newestMs: Int64?
    public var oldestMs: Int64?
    /// The oldest minute still held (retention drops older ones); nil when none is.
    public var oldestMinute: Int64?

    public init(newestMs: Int64?, oldestMs: Int64?, oldestMinute: Int64?) {
        self.newestMs = newestMs
        self.oldestMs = oldestMs
        self.oldestMinute = oldestMinute
    }

    public static let empty = QueryExtent(newestMs: nil, oldestMs: nil, oldestMinute: nil)
}

extension SpendQuery {
    /// The clock for a query without `atMs` (`QueryClock`).
    public func clockMs(wallMs: Int64) -> Int64 { QueryClock.now(newestEventMs: extent.newestMs, wallMs: wallMs) }

    /// True while the newest data is within a few minutes of the wall clock.
    public func isLive(wallMs: Int64) -> Bool { QueryClock.isLive(newestEventMs: extent.newestMs, wallMs: wallMs) }

    /// `capabilities.answer(groupBy:filters:)`.
    public func capability(groupBy: Dimension?, filters: [Dimension]) -> Capability {
        capabilities.answer(groupBy: groupBy, filters: filters)
    }
}

extension SpendQuery {
    /// Backends that cannot tell when their data changed (the remote engines read a server's).
    public var revision: UInt64? { nil }

    /// The view's `GroupRow`s, in any order.
    public func groupRows(_ q: ViewQuery, wallMs: Int64) throws -> GroupRows {
        guard let dimension = q.groupBy else { preconditionFailure("groupRows needs a groupBy") }
        var unordered = q
        unordered.ordered = false
        return GroupRows(try rows(unordered, wallMs: wallMs), dimension: dimension)
    }

    /// Engines that keep every minute (the remote ones answer per minute).
    public func cellMinutes(atMinute minute: Int64) -> Int64 { 1 }
}
