import Foundation

/// One SOURCE argument (SPEC §2), parsed: what to read and how.
public enum SourceSpec: Equatable, Sendable {
    /// A JSONL file or a glob of files, followed like `tail -F`.
    case file(String)
    /// JSONL on standard input.
    case stdin
    /// An SSE or NDJSON stream over HTTP(S).
    case http(String)
    /// A SQLite database (LiteLLM_SpendLogs or spendtop's own store), opened read-only.
    case sqlite(path: String, table: String?)
    /// A PostgreSQL database holding LiteLLM's spend logs (a libpq URI without spendtop's `table=`),
    /// answered by aggregates pushed down to the server (SPEC §10), opened read-only.
    case postgres(url: String, table: String?)
    /// A Prometheus text page, scraped every interval.
    case prometheus(String)
    /// A Prometheus-compatible query API (`promql:http(s)://host:port[/prefix]`), answered by server-side
    /// aggregation (SpendIO/PromQL); the URL is kept as given (user info becomes basic auth there).
    case promql(String)
    /// `nvidia-smi --format=csv -l N` output on standard input.
    case nvidiaSmi
    /// Coding-agent session logs (`claude:`, `codex:`) or a directory of JSONL files, walked for
    /// `*.jsonl` and followed file by file.
    case agentLogs(AgentLogs)

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(parsing text: String) throws {
        let lower = text.lowercased()
        if text == "-" { self = .stdin; return }
        if lower == "nvidia-smi:-" || lower == "nvidia-smi:" { self = .nvidiaSmi; return }
        if lower.hasPrefix("nvidia-smi:") {
            throw ParseError(description: "source \(text): nvidia-smi reads only stdin; write nvidia-smi:-")
        }
        for agent in [AgentLogs.Agent.claude, .codex] where lower.hasPrefix(agent.rawValue + ":") {
            let rest = String(text.dropFirst(agent.rawValue.count + 1))
            self = .agentLogs(AgentLogs.resolve(agent, path: rest.isEmpty ? nil : rest)); return
        }
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            guard URL(string: text)?.host != nil else { throw ParseError(description: "source \(SourceSpec.redact(text)): not a valid URL") }
            self = .http(text); return
        }
        if PostgresURL.isPostgres(text) {
            let (url, table) = PostgresURL.split(text)
            if let t = table, SpendLogsSchema.quote(table: t) == nil {
                throw ParseError(description: "source \(PostgresURL.redact(url)): table names are letters, digits and _ (schema.table allowed)")
            }
            self = .postgres(url: url, table: table); return
        }
        if lower.hasPrefix("prom:") {
            let url = String(text.dropFirst(5))
            let l = url.lowercased()
            guard (l.hasPrefix("http://") || l.hasPrefix("https://")), URL(string: url)?.host != nil else {
                throw ParseError(description: "source \(SourceSpec.redact(text)): prom: needs an http(s) URL, e.g. prom:http://host:9400/metrics")
            }
            self = .prometheus(url); return
        }
        if lower.hasPrefix("promql:") {
            do {
                _ = try PromQLSettings(url: text)
            } catch {
                throw ParseError(description: "\(error)")
            }
            self = .promql(String(text.dropFirst(7))); return
        }
        if lower.hasPrefix("sqlite:") {
            var rest = String(text.dropFirst(7))
            var table: String?
            if let q = rest.range(of: "?table=") {
                table = String(rest[q.upperBound...])
                rest = String(rest[..<q.lowerBound])
                guard let t = table, !t.isEmpty, t.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw ParseError(description: "source \(text): table names are letters, digits and _")
                }
            }
            guard !rest.isEmpty else { throw ParseError(description: "source \(text): sqlite: needs a path") }
            self = .sqlite(path: rest, table: table); return
        }
        if let scheme = lower.range(of: "://"), !lower[..<scheme.lowerBound].contains("/") {
            throw ParseError(description: "source \(SourceSpec.redact(text)): unsupported scheme; use a file, -, "
                             + "http(s)://, postgres://, promql:, prom:, sqlite:, claude:, codex: or nvidia-smi:-")
        }
        if lower.hasSuffix(".db") || lower.hasSuffix(".sqlite") || lower.hasSuffix(".sqlite3") {
            self = .sqlite(path: text, table: nil); return
        }
        if AgentLogs.isDirectory(text) {
            self = .agentLogs(AgentLogs.resolve(.directory, path: text)); return
        }
        self = .file(text)
    }

    /// The name shown in the header, `check` and errors: URLs without credentials or query.
    public var name: String {
        switch self {
        case .file(let p): return p
        case .stdin: return "-"
        case .http(let u): return SourceSpec.redact(u)
        case .sqlite(let p, let t): return "sqlite:" + p + (t.map { "?table=" + $0 } ?? "")
        case .postgres(let u, let t): return PostgresURL.redact(u) + (t.map { "?table=" + $0 } ?? "")
        case .prometheus(let u): return "prom:" + SourceSpec.redact(u)
        case .promql(let u): return "promql:" + SourceSpec.redact(u)
        case .nvidiaSmi: return "nvidia-smi:-"
        case .agentLogs(let a): return a.name
        }
    }

    /// Drops user:password@ and the query string, where tokens tend to hide.
    public static func redact(_ url: String) -> String {
        guard var c = URLComponents(string: url) else { return "(unreadable URL)" }
        c.user = nil
        c.password = nil
        c.query = nil
        c.fragment = nil
        return c.string ?? "(unreadable URL)"
    }
}
