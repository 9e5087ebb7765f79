import SpendCore

/// Spend per day from LiteLLM's daily aggregate tables (`LiteLLM_DailyUserSpend`, `…TeamSpend`,
/// `…TagSpend`, …), which the proxy keeps per (entity, date, key, model, provider): what a monthly
/// budget reads without scanning the spend logs. Every request lands in the user table (its
/// `user_id` may be NULL), so its days are the fleet's; team and tag tables answer one team's or one
/// tag's budget (a request with two tags counts in both tags).
public struct DailySpend: Sendable, Equatable {
    /// `YYYY-MM-DD` as the table's `date` column holds it (UTC).
    public var date: String
    public var spend: Double
    public var requests: Int64
    public var successfulRequests: Int64?
    public var failedRequests: Int64?
    public var promptTokens: Int64
    public var completionTokens: Int64
    public var cacheReadTokens: Int64?
    public var cacheWriteTokens: Int64?
}

extension PostgresSpendLogs {
    /// A daily table and the column naming its entity.
    public enum DailyTable: String, CaseIterable, Sendable {
        case user = "LiteLLM_DailyUserSpend", team = "LiteLLM_DailyTeamSpend", tag = "LiteLLM_DailyTagSpend"
        case organization = "LiteLLM_DailyOrganizationSpend", endUser = "LiteLLM_DailyEndUserSpend"
        case agent = "LiteLLM_DailyAgentSpend"

        public var entityColumn: String {
            switch self {
            case .user: return "user_id"
            case .team: return "team_id"
            case .tag: return "tag"
            case .organization: return "organization_id"
            case .endUser: return "end_user_id"
            case .agent: return "agent_id"
            }
        }
    }

    /// Spend per day of one calendar month (UTC), from `table`, for one entity (a team id, a tag) or
    /// all; nil when the table does not exist (an older LiteLLM, or no permission). Days without
    /// rows are absent. The table is looked up in the same schema as the spend logs.
    public func dailySpend(year: Int, month: Int, table: DailyTable = .user, entity: String? = nil) throws -> [DailySpend]? {
        guard (1...12).contains(month), (1...9998).contains(year) else { return [] }
        let schemaPrefix = schema.quotedTable.contains(".") ? String(schema.quotedTable.split(separator: ".")[0]) + "." : ""
        let quoted = schemaPrefix + "\"\(table.rawValue)\""
        let cols = try connection.query("""
            SELECT a.attname::text FROM pg_attribute a
            WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
            """, [quoted], binary: false)
        var present = Set<String>()
        for i in 0..<cols.rowCount { if let n = try cols.string(i, 0) { present.insert(n) } }
        guard present.contains("date"), present.contains("spend") else { return nil }
        func sum(_ c: String) -> String { present.contains(c) ? "sum(d.\"\(c)\")::int8" : "NULL::int8" }
        let (ny, nm) = month == 12 ? (year + 1, 1) : (year, month + 1)
        func day1(_ y: Int, _ m: Int) -> String {
            String(repeating: "0", count: 4 - String(y).count) + String(y) + "-" + (m < 10 ? "0" : "") + String(m) + "-01"
        }
        var sql = """
            SELECT d."date"::text, sum(d."spend")::float8, \(sum("api_requests")), \(sum("successful_requests")),
              \(sum("failed_requests")), \(sum("prompt_tokens")), \(sum("completion_tokens")),
              \(sum("cache_read_input_tokens")), \(sum("cache_creation_input_tokens"))
            FROM \(quoted) d WHERE d."date" >= $1 AND d."date" < $2
            """
        var params: [String?] = [day1(year, month), day1(ny, nm)]
        if let entity, present.contains(table.entityColumn) {
            sql += " AND d.\"\(table.entityColumn)\" = $3"
            params.append(entity)
        }
        sql += " GROUP BY d.\"date\" ORDER BY d.\"date\""
        let r = try connection.query(sql, params)
        return try (0..<r.rowCount).map { i in
            DailySpend(date: try r.string(i, 0) ?? "", spend: try r.double(i, 1) ?? 0, requests: try r.int64(i, 2) ?? 0,
                       successfulRequests: try r.int64(i, 3), failedRequests: try r.int64(i, 4),
                       promptTokens: try r.int64(i, 5) ?? 0, completionTokens: try r.int64(i, 6) ?? 0,
                       cacheReadTokens: try r.int64(i, 7), cacheWriteTokens: try r.int64(i, 8))
        }
    }
}
