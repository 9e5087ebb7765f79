import Foundation

/// LiteLLM's tables as its Prisma schema (schema.prisma) creates them in PostgreSQL: Prisma's
/// String → TEXT, Float → DOUBLE PRECISION, Int → INTEGER, BigInt → BIGINT, DateTime →
/// TIMESTAMP(3), Json → JSONB; the same defaults, keys and indexes.
enum LiteLLMSchema {
    static let spendLogsColumns = [
        "request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens", "completion_tokens",
        "startTime", "endTime", "request_duration_ms", "completionStartTime", "model", "model_id", "model_group",
        "custom_llm_provider", "api_base", "user", "metadata", "cache_hit", "cache_key", "request_tags", "team_id",
        "organization_id", "end_user", "requester_ip_address", "messages", "response", "session_id", "status",
        "mcp_namespaced_tool_name", "agent_id", "proxy_server_request",
    ]

    /// The DDL `make bench` loads too (scripts/sql/): one copy of LiteLLM's table for both.
    static let spendLogs: String = {
        let sql = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/sql")
        return ["litellm_spendlogs.sql", "litellm_spendlogs_indexes.sql"].map { name in
            (try? String(contentsOf: sql.appendingPathComponent(name), encoding: .utf8)) ?? "-- missing scripts/sql/\(name)"
        }.joined(separator: "\n")
    }()

    /// `LiteLLM_Daily{User,Team,Tag}Spend`: one row per (entity, date, key, model, provider, …) per day.
    static func daily(_ table: String, entity: String) -> String {
        """
        CREATE TABLE "\(table)" (
            "id" TEXT NOT NULL,
            "\(entity)" TEXT,
            "date" TEXT NOT NULL,
            "api_key" TEXT NOT NULL,
            "model" TEXT,
            "model_group" TEXT,
            "custom_llm_provider" TEXT,
            "mcp_namespaced_tool_name" TEXT,
            "endpoint" TEXT,
            "prompt_tokens" BIGINT NOT NULL DEFAULT 0,
            "completion_tokens" BIGINT NOT NULL DEFAULT 0,
            "cache_read_input_tokens" BIGINT NOT NULL DEFAULT 0,
            "cache_creation_input_tokens" BIGINT NOT NULL DEFAULT 0,
            "spend" DOUBLE PRECISION NOT NULL DEFAULT 0.0,
            "api_requests" BIGINT NOT NULL DEFAULT 0,
            "successful_requests" BIGINT NOT NULL DEFAULT 0,
            "failed_requests" BIGINT NOT NULL DEFAULT 0,
            "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
            "updated_at" TIMESTAMP(3) NOT NULL,
            CONSTRAINT "\(table)_pkey" PRIMARY KEY ("id")
        );
        CREATE UNIQUE INDEX "\(table)_\(entity)_date_api_key_model_custom_llm_provider_mcp_key"
            ON "\(table)"("\(entity)", "date", "api_key", "model", "custom_llm_provider", "mcp_namespaced_tool_name", "endpoint");
        CREATE INDEX "\(table)_date_idx" ON "\(table)"("date");
        """
    }
}
