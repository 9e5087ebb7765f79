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

    static let spendLogs = """
        CREATE TABLE "LiteLLM_SpendLogs" (
            "request_id" TEXT NOT NULL,
            "call_type" TEXT NOT NULL,
            "api_key" TEXT NOT NULL DEFAULT '',
            "spend" DOUBLE PRECISION NOT NULL DEFAULT 0.0,
            "total_tokens" INTEGER NOT NULL DEFAULT 0,
            "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
            "completion_tokens" INTEGER NOT NULL DEFAULT 0,
            "startTime" TIMESTAMP(3) NOT NULL,
            "endTime" TIMESTAMP(3) NOT NULL,
            "request_duration_ms" INTEGER,
            "completionStartTime" TIMESTAMP(3),
            "model" TEXT NOT NULL DEFAULT '',
            "model_id" TEXT DEFAULT '',
            "model_group" TEXT DEFAULT '',
            "custom_llm_provider" TEXT DEFAULT '',
            "api_base" TEXT DEFAULT '',
            "user" TEXT DEFAULT '',
            "metadata" JSONB DEFAULT '{}',
            "cache_hit" TEXT DEFAULT '',
            "cache_key" TEXT DEFAULT '',
            "request_tags" JSONB DEFAULT '[]',
            "team_id" TEXT,
            "organization_id" TEXT,
            "end_user" TEXT,
            "requester_ip_address" TEXT,
            "messages" JSONB DEFAULT '{}',
            "response" JSONB DEFAULT '{}',
            "session_id" TEXT,
            "status" TEXT,
            "mcp_namespaced_tool_name" TEXT,
            "agent_id" TEXT,
            "proxy_server_request" JSONB DEFAULT '{}',
            CONSTRAINT "LiteLLM_SpendLogs_pkey" PRIMARY KEY ("request_id")
        );
        CREATE INDEX "LiteLLM_SpendLogs_startTime_idx" ON "LiteLLM_SpendLogs"("startTime");
        CREATE INDEX "LiteLLM_SpendLogs_startTime_request_id_idx" ON "LiteLLM_SpendLogs"("startTime", "request_id");
        CREATE INDEX "LiteLLM_SpendLogs_end_user_idx" ON "LiteLLM_SpendLogs"("end_user");
        CREATE INDEX "LiteLLM_SpendLogs_session_id_idx" ON "LiteLLM_SpendLogs"("session_id");
        """

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
