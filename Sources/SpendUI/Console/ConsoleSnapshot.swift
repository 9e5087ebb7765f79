import SpendCore

/// Everything one frame shows, read through the query in one go; drawing reads only this, so a
/// paused screen keeps it while the data moves on.
public struct ConsoleSnapshot: Sendable {
    public var clockMs: Int64
    public var live: Bool
    public var window: TimeWindow
    public var path: [ViewQuery.Filter]
    public var total: Measures
    public var previousTotal: Measures
    public var durationSeconds: Double
    /// Time the previous window covers: whole minutes, all closed (the current window's last minute is open).
    public var previousDurationSeconds: Double
    /// The last five minutes, whatever the window: the current burn rate.
    public var recent: Measures
    public var recentDurationSeconds: Double
    /// Spend per minute for the chart, oldest first.
    public var series: [SeriesPoint]
    /// Where the chart's minutes are shares of folded cells (time compaction): their span, and the first minute
    /// kept whole; nil when every minute shown is kept whole.
    public var chartCoarse: (minutes: Int64, untilMs: Int64)?
    public var panes: [PaneID: PaneData]
    public var gpuUtilPct: Double?
    public var idleGPUs: Int
    /// Price of one GPU-hour from config (`[gpu] hourly_price_usd`), for the idle cost; nil when unset.
    public var gpuHourlyUSD: Double?
    public var sources: [SourceStatus]
    public var unpricedModels: [(model: String, requests: Int64)]
    public var eventsCounted: Int64
    /// Values folded into `(other)` per dimension (events, values).
    public var folded: [(dimension: Dimension, events: Int, values: Int)]
    /// The Savings pane's total per month (`SavingsReport.totalPerMonthUSD`), for the KPI fragment; nil when none.
    public var savingsPerMonthUSD: Double?
    /// Set when the drill path itself cannot be answered.
    public var error: String?
    /// What the backend can answer together (drill levels, the filters each pane applies).
    public var capabilities: QueryCapabilities = .unlimited
    /// The store's trouble (`store: write failed (disk full), holding N events`), shown in the header.
    public var storeStatus: String?

    public init(clockMs: Int64 = 0, live: Bool = false, window: TimeWindow = .minutes(5), path: [ViewQuery.Filter] = []) {
        self.clockMs = clockMs
        self.live = live
        self.window = window
        self.path = path
        total = Measures()
        previousTotal = Measures()
        durationSeconds = 0
        previousDurationSeconds = 0
        recent = Measures()
        recentDurationSeconds = 0
        series = []
        panes = [:]
        gpuUtilPct = nil
        idleGPUs = 0
        sources = []
        unpricedModels = []
        eventsCounted = 0
        folded = []
    }

    /// The window's average spend per hour.
    public var spendPerHour: Double { durationSeconds > 0 ? total.spend / durationSeconds * 3600 : 0 }

    /// Spend per hour over the last five minutes: what is being spent now, at every window.
    public var burnPerHour: Double { recentDurationSeconds > 0 ? recent.spend / recentDurationSeconds * 3600 : 0 }

    /// How much of the newest minute (the last point of `series` and of every row trend) has elapsed,
    /// in (0, 1]: that minute is still open, so its spend is only part of a minute's.
    public var openMinuteFraction: Double {
        let into = ((clockMs % 60_000) + 60_000) % 60_000
        return max(1.0 / 60, Double(into) / 60_000)
    }
}
