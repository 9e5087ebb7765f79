/// Claude Code session transcripts (`~/.claude/projects/<project>/<session>.jsonl`): one JSON object
/// per line, of which the `assistant` lines carry the API response's `message.usage`. See
/// docs/event-schema.md §2.6 for the fields and the dedupe rules.
public enum ClaudeTranscriptImporter: EventImporter {
    public static let formatName = "claude"

    /// Claude Code stamps every message line with `sessionId`/`uuid`, summaries with `leafUuid` and
    /// file snapshots with `messageId`; a bare `assistant` record with `message.usage` is one too.
    public static func matches(_ f: JSONFields) -> Bool {
        if NativeImporter.hasNativeKeys(f) { return false }
        guard let type = f.object["type"] as? String else { return false }
        let o = f.object
        if o["sessionId"] is String || o["uuid"] is String || o["leafUuid"] is String
            || (o["messageId"] is String && o["snapshot"] != nil) {
            return true
        }
        return type == "assistant" && (o["message"] as? [String: Any])?["usage"] is [String: Any]
    }

    public static func decode(_ f: JSONFields) -> DecodedLine {
        guard f.object["type"] as? String == "assistant", let message = f.object("message"),
              let usage = message.object("usage") else {
            // User turns, summaries, tool results, snapshots: part of the transcript, no request.
            return .events([])
        }
        let model = message.string("model")
        // Claude Code writes these itself (an interrupted turn, an API error shown to the user).
        if model == "<synthetic>" { return .skipped(.syntheticMessage) }
        guard let ts = f.timestampMs("timestamp") else { return .rejected(.missingTimestamp) }

        let uncached = AgentLogValues.count(usage.int("input_tokens"))
        let cacheRead = AgentLogValues.count(usage.int("cache_read_input_tokens"))
        let split = usage.object("cache_creation")
        let write5m = AgentLogValues.count(split?.int("ephemeral_5m_input_tokens"))
        let write1h = AgentLogValues.count(split?.int("ephemeral_1h_input_tokens"))
        // The TTL split sums to `cache_creation_input_tokens`; the larger reading wins if one is damaged.
        let cacheWrite = max(AgentLogValues.count(usage.int("cache_creation_input_tokens")), write5m + write1h)
        let output = AgentLogValues.count(usage.int("output_tokens"))
        let tokens = TokenUsage(input: uncached + cacheRead + cacheWrite, output: output,
                                cacheRead: cacheRead, cacheWrite: cacheWrite, cacheWrite1h: min(write1h, cacheWrite))

        var e = SpendEvent(timestampMs: ts,
                           requestID: dedupeKey(f, message: message),
                           feature: AgentLogValues.project(cwd: f.string("cwd")),
                           apiKey: f.string("sessionId"),
                           user: f.firstString("userId", "userID", "user_id"),
                           provider: "anthropic", model: model, gateway: "claude-code",
                           usage: tokens, costUSD: f.double("costUSD"),
                           isError: f.bool("isApiErrorMessage") == true)
        if e.requestID != nil {
            let sidechain = f.bool("isSidechain") == true
            e.supersedeRank = AgentLogValues.largestWins(tokens: tokens.input + output, preferred: !sidechain)
        }
        return .events([e])
    }

    /// One API response is one `message.id` (the API's own id): streaming writes it several times
    /// with growing usage, a resumed session copies it under the same `requestId`, a sidechain
    /// replays it under another. Without a message id, the request id, else the line's own uuid.
    static func dedupeKey(_ f: JSONFields, message: JSONFields) -> String? {
        if let id = message.string("id") { return "claude\u{0}msg\u{0}" + id }
        if let r = f.string("requestId") { return "claude\u{0}req\u{0}" + r }
        if let u = f.string("uuid") { return "claude\u{0}line\u{0}" + u }
        return nil
    }
}
