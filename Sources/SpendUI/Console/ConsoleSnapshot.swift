import SpendCore

/// Everything one frame shows, read from the rollups in one go; drawing reads only this, so a
/// paused screen keeps it while the rollups move on.
public struct ConsoleSnapshot: Sendable {
    public var clockMs: Int64
    public var live: Bool
    public var window: TimeWindow
    public var path: [ViewQuery.Filter]
    public var total: Measures
    public var previousTotal: Measures
    public var durationSeconds: Double
    /// Spend per minute for the chart, oldest first.
    public var series: [SeriesPoint]
    public var panes: [PaneID: PaneData]
    public var gpuUtilPct: Double?
    public var idleGPUs: Int
    /// Price of one GPU-hour from config (`[gpu] hourly_price_usd`), for the idle cost; nil when unset.
    public var gpuHourlyUSD: Double?
    public var activeAlerts: [AlertEvent]
    public var alertHistory: [AlertEvent]
    public var sources: [SourceStatus]
    public var unpricedModels: [(model: String, requests: Int64)]
    public var eventsCounted: Int64
    /// Values folded into `(other)` per dimension (events, values).
    public var folded: [(dimension: Dimension, events: Int, values: Int)]
    /// Set when the drill path itself cannot be answered.
    public var error: String?
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
        series = []
        panes = [:]
        gpuUtilPct = nil
        idleGPUs = 0
        activeAlerts = []
        alertHistory = []
        sources = []
        unpricedModels = []
        eventsCounted = 0
        folded = []
    }

    public var spendPerHour: Double { durationSeconds > 0 ? total.spend / durationSeconds * 3600 : 0 }
}
