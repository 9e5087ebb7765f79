import SpendCore

/// `RemoteCellReading` over LiteLLM_SpendLogs in PostgreSQL: opens a read-only session from the
/// URI, detects the table's columns, answers cells by pushdown. A reconnect keeps the values it
/// learned, so filters by id survive it.
public final class PostgresSpendLogsReader: RemoteCellReading {
    public let url: String
    public let table: String
    public let settings: PostgresSettings
    public private(set) var logs: PostgresSpendLogs?
    let values = PostgresSpendLogs.Values()

    public init(url: String, table: String? = nil, settings: PostgresSettings = PostgresSettings()) {
        self.url = url
        self.table = table ?? "LiteLLM_SpendLogs"
        self.settings = settings
    }

    public func connect() throws {
        let c = try PostgresConnection(url: url, options: settings.connectionOptions)
        logs = try PostgresSpendLogs(connection: c, table: table, values: values)
    }

    public func disconnect() { logs = nil }

    func open() throws -> PostgresSpendLogs {
        guard let l = logs else { throw PostgresError(.connection, "\(PostgresURL.redact(url)): not connected") }
        return l
    }

    public func extent() throws -> (oldestMs: Int64, newestMs: Int64)? { try open().extent() }

    public func cells(fromMs: Int64, toMs: Int64, dimensions: [Dimension]) throws -> [RemoteCell] {
        try open().cells(fromMs: fromMs, toMs: toMs, dimensions: dimensions)
    }

    public func cells(fromMs: Int64, toMs: Int64, groupings: [[Dimension]]) throws -> [[Dimension]: [RemoteCell]] {
        try open().cells(fromMs: fromMs, toMs: toMs, groupings: groupings)
    }

    public func consistently<T>(_ body: () throws -> T) throws -> T { try open().consistently(body) }

    public func isConnectionLost(_ error: Error) -> Bool {
        if let e = error as? PostgresError, e.kind == .connection { return true }
        return !(logs?.connection.isOpen ?? false)
    }
}
