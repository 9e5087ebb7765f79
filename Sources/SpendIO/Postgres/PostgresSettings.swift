import SpendCore

/// `[postgres]` in config.toml: bounds and polling of `postgres://` sources (docs/sources.md).
public struct PostgresSettings: Sendable, Equatable {
    /// Every statement is cancelled by the server past this (`statement_timeout`).
    public var statementTimeoutSeconds: Double = 30
    public var connectTimeoutSeconds = 10
    /// A live console polls this often.
    public var pollSeconds: Double = 5
    /// Minutes before the newest complete one that each poll reads again (late batches).
    public var rereadMinutes: Int64 = 5

    public init() {}

    /// `statement_timeout`, `connect_timeout`, `poll_interval` (durations) and `reread` (a duration, in whole minutes).
    public init(config: ConfigValue) throws {
        let t = config["postgres"]
        if let d = try SourceConfig.duration(t?["statement_timeout"], "[postgres] statement_timeout") {
            guard d > 0 else { throw ConfigError("[postgres] statement_timeout must be more than 0") }
            statementTimeoutSeconds = d
        }
        if let d = try SourceConfig.duration(t?["connect_timeout"], "[postgres] connect_timeout") {
            connectTimeoutSeconds = max(2, Int(d.rounded(.up)))  // libpq treats 1 s as 2
        }
        if let d = try SourceConfig.duration(t?["poll_interval"], "[postgres] poll_interval") {
            guard d >= 0.1 else { throw ConfigError("[postgres] poll_interval must be at least 100ms") }
            pollSeconds = d
        }
        if let d = try SourceConfig.duration(t?["reread"], "[postgres] reread") {
            rereadMinutes = max(1, Int64((d / 60).rounded(.up)))
        }
    }

    public var connectionOptions: PostgresConnection.Options {
        var o = PostgresConnection.Options()
        o.statementTimeoutSeconds = statementTimeoutSeconds
        o.connectTimeoutSeconds = connectTimeoutSeconds
        return o
    }
}
