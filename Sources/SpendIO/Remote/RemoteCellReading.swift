import SpendCore

/// A remote engine that answers per-minute cells (`PostgresSpendLogsReader`; later PromQL): what
/// `RemotePoller` drives. Called from the poller's thread only.
public protocol RemoteCellReading: AnyObject {
    /// (Re)opens the session; throws with a displayable, credential-free message.
    func connect() throws
    /// Drops the session (after a connection error); `connect()` opens a new one.
    func disconnect()
    /// The first and last row times (ms), nil when there are none.
    func extent() throws -> (oldestMs: Int64, newestMs: Int64)?
    /// Per-minute cells of one grouping for rows in `[fromMs, toMs)`.
    func cells(fromMs: Int64, toMs: Int64, dimensions: [Dimension]) throws -> [RemoteCell]
    /// Per-minute cells of several groupings at once (an engine that can scan once for all of them says so).
    func cells(fromMs: Int64, toMs: Int64, groupings: [[Dimension]]) throws -> [[Dimension]: [RemoteCell]]
    /// Runs `body` so that every read in it sees one snapshot of the data (all groupings of a poll agree).
    func consistently<T>(_ body: () throws -> T) throws -> T
    /// Whether the last failure lost the session (reconnect) or was the server refusing a statement.
    func isConnectionLost(_ error: Error) -> Bool
}

extension RemoteCellReading {
    /// One read per grouping.
    public func cells(fromMs: Int64, toMs: Int64, groupings: [[Dimension]]) throws -> [[Dimension]: [RemoteCell]] {
        var out: [[Dimension]: [RemoteCell]] = [:]
        for g in groupings { out[g] = try cells(fromMs: fromMs, toMs: toMs, dimensions: g) }
        return out
    }
}
