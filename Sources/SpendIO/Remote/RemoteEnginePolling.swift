import SpendCore

/// A remote engine's live poller as `RemoteFeed` drives it: `RemotePoller` (PostgreSQL) and `PromQLPoller`
/// (a Prometheus-compatible API) both read aggregates on their own thread and hold the newest cells.
public protocol RemoteEnginePolling: AnyObject, Sendable {
    /// State and last error, as the header and `!` show them.
    var status: SourceStatus { get }
    /// Changes whenever the held cells do.
    var generation: Int { get }
    /// Whether the console's whole window has been read (alerts judge history only then).
    var isWindowRead: Bool { get }
    func start()
    func stop()
    /// Makes `query` hold a copy of the newest consistent cells (under the poller's lock).
    func fill(_ query: CellQuery)
}

extension RemotePoller: RemoteEnginePolling {
    public func fill(_ query: CellQuery) {
        read { query.update(windows: $0, gpuMinutes: [:]) }
    }
}

extension PromQLPoller: RemoteEnginePolling {
    public func fill(_ query: CellQuery) {
        read { windows, gpus in query.update(windows: windows, gpuMinutes: gpus.minutes) }
    }
}
