/// What the console and the wallboard read live data through. SpendIO's live ingest implements it
/// over real sources; the demo and tests implement it over generated data.
public protocol SpendFeed: AnyObject {
    /// Runs `body` with the query boundary while no source writes behind it; keep `body` short (one frame's queries).
    func read<T>(_ body: (SpendQuery) throws -> T) rethrows -> T
    /// Every source with its state, for the header and the `!` diagnostics.
    var sources: [SourceStatus] { get }
    /// The store's trouble in one line (`store: write failed (disk full), holding 1,204 events`), nil when fine.
    var storeStatus: String? { get }
}

extension SpendFeed {
    public var storeStatus: String? { nil }
}

/// A source's name, connection state and counts.
public struct SourceStatus: Sendable, Equatable {
    public var name: String
    public var state: SourceState
    public var stats: SourceStats
    /// The last error, already stripped of control characters and credentials.
    public var lastError: String?
    /// Connected but silent past the idle timeout: being reconnected (the header says `stalled, reconnecting`).
    public var stalled = false

    public init(name: String, state: SourceState, stats: SourceStats = SourceStats(), lastError: String? = nil) {
        self.name = name
        self.state = state
        self.stats = stats
        self.lastError = lastError
    }
}

/// Where a source is in its life: the header shows `● live`, `○ retrying in 4 s`, …
public enum SourceState: Sendable, Equatable {
    case connecting
    case live
    /// Waiting to reconnect; the next attempt is at this time (ms since the epoch).
    case retrying(atMs: Int64)
    /// Read to its end (a file without follow, stdin at EOF).
    case ended
    case failed
}
