import SpendCore

/// The columns of a `LiteLLM_SpendLogs`-shaped table that spendtop reads, as the server has them.
/// LiteLLM added columns over time (`request_duration_ms`, `status`, `custom_llm_provider`, …):
/// a missing optional column reads as NULL; `startTime` (a timestamp) and `spend` are required.
public struct SpendLogsSchema: Sendable, Equatable {
    /// The table as written in SQL: each part double-quoted (`"public"."LiteLLM_SpendLogs"`).
    public let quotedTable: String
    /// Column name → type as `regtype` spells it (`timestamp without time zone`, `jsonb`, …).
    public let columns: [String: String]

    /// The columns any query may read; nothing else is ever named (docs/sources.md lists them).
    public static let readable = ["startTime", "endTime", "spend", "prompt_tokens", "completion_tokens", "api_key",
                                  "model", "team_id", "custom_llm_provider", "user", "end_user", "status",
                                  "cache_hit", "request_duration_ms", "metadata", "request_tags"]

    public init(quotedTable: String, columns: [String: String]) throws {
        self.quotedTable = quotedTable
        self.columns = columns
        guard let start = columns["startTime"] else {
            throw PostgresError(.server, "\(quotedTable) has no \"startTime\" column: not a LiteLLM_SpendLogs table")
        }
        guard start.hasPrefix("timestamp") else {
            throw PostgresError(.server, "\(quotedTable).\"startTime\" is \(start), expected a timestamp")
        }
        guard let spend = columns["spend"], SpendLogsSchema.isNumber(spend) else {
            throw PostgresError(.server, "\(quotedTable) has no numeric \"spend\" column: not a LiteLLM_SpendLogs table")
        }
    }

    /// `schema.table` or `table`, letters, digits and `_` only, each part quoted.
    public static func quote(table: String) -> String? {
        let parts = table.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
              parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } }) else { return nil }
        return parts.map { "\"" + $0 + "\"" }.joined(separator: ".")
    }

    static func isNumber(_ type: String) -> Bool {
        ["double precision", "real", "numeric", "integer", "bigint", "smallint"].contains(type)
    }

    static func isInteger(_ type: String) -> Bool { ["integer", "bigint", "smallint"].contains(type) }

    /// `s."name"`, or nil when the table lacks it.
    func column(_ name: String) -> String? { columns[name] == nil ? nil : "s.\"\(name)\"" }

    /// A text column (any type cast to text) or NULL.
    func text(_ name: String) -> String { column(name).map { "NULLIF(\($0)::text, '')" } ?? "NULL::text" }

    /// A JSON column as jsonb (json is cast; another type reads as no JSON).
    func json(_ name: String) -> String {
        switch columns[name] {
        case "jsonb": return "s.\"\(name)\""
        case "json": return "s.\"\(name)\"::jsonb"
        default: return "NULL::jsonb"
        }
    }

    func timestamp(_ name: String) -> String? {
        guard let t = columns[name], t.hasPrefix("timestamp") else { return nil }
        return "s.\"\(name)\""
    }

    var startIsTimestampTZ: Bool { columns["startTime"] == "timestamp with time zone" }

    /// A count column as int8, rounded like JSON counts are, or NULL.
    func count(_ name: String) -> String {
        guard let t = columns[name], SpendLogsSchema.isNumber(t) else { return "NULL::int8" }
        if SpendLogsSchema.isInteger(t) { return "s.\"\(name)\"::int8" }
        return SpendLogsSQL.clampCount("s.\"\(name)\"::numeric")
    }

    func number(_ name: String) -> String {
        guard let t = columns[name], SpendLogsSchema.isNumber(t) else { return "NULL::float8" }
        return "s.\"\(name)\"::float8"
    }
}
