/// Per-source settings from the command line and config: HTTP headers, TLS, intervals, timeouts.
public struct SourceSettings: Sendable {
    /// Header name → value; values come from config or an environment variable and are never shown.
    public var headers: [(String, String)] = []
    public var insecure = false
    /// Prometheus scrape interval.
    public var scrapeIntervalSeconds: Double = 15
    /// A followed HTTP stream that sends nothing (no byte, comment or heartbeat) for this long is
    /// stalled: it is dropped and reconnected with `Last-Event-ID` (`--idle-timeout`, `[sources] idle_timeout`).
    public var idleTimeoutSeconds: Double = 90
    /// A finite read (check/export) of an HTTP stream ends after this long without data (`[sources] read_idle`),
    /// or after `idleTimeoutSeconds` if that is shorter.
    public var finiteIdleSeconds: Double = 2
    /// Reconnect backoff: first delay and cap, in seconds.
    public var backoffBaseSeconds: Double = 0.5
    public var backoffCapSeconds: Double = 30
    /// Attempts before a finite read gives up on an HTTP source.
    public var finiteAttempts = 4
    public var maxLineBytes = 1 << 20
    /// How often a followed glob is expanded again for new files.
    public var rescanSeconds: Double = 1
    public var pollSeconds: Double = 0.05
    public var sqlitePollSeconds: Double = 0.25

    public init() {}
}
