/// Codex CLI rollout files (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`): `session_meta`,
/// `turn_context` (the model), and `event_msg` lines whose `token_count` payload carries the usage of
/// each model call. The lines depend on each other, so the stream's `StreamContext` keeps the session.
/// See docs/event-schema.md §2.7.
public enum CodexSessionImporter: EventImporter {
    public static let formatName = "codex"
    static let lineTypes: Set<String> = ["session_meta", "turn_context", "event_msg", "response_item", "compacted"]

    public static func matches(_ f: JSONFields) -> Bool {
        if NativeImporter.hasNativeKeys(f) { return false }
        guard let type = f.object["type"] as? String, lineTypes.contains(type) else { return false }
        return f.object["payload"] is [String: Any]
    }

    /// Without the stream's memory a `token_count` line has no model or session: decoded, but unpriced.
    public static func decode(_ f: JSONFields) -> DecodedLine { decode(f, context: StreamContext()) }

    public static func decode(_ f: JSONFields, context: StreamContext) -> DecodedLine {
        guard let payload = f.object("payload") else { return .rejected(.unknownFormat) }
        var state = context.codex ?? CodexSessionState()
        defer { context.codex = state }
        switch f.object["type"] as? String {
        case "session_meta":
            state.noteMeta(payload)
        case "turn_context":
            if let m = payload.string("model") { state.model = m }
            if let c = payload.string("cwd") { state.cwd = c }
        case "event_msg" where payload.string("type") == "token_count":
            return tokenCount(f, payload: payload, state: &state)
        default:
            break
        }
        return .events([])
    }

    static func tokenCount(_ f: JSONFields, payload: JSONFields, state: inout CodexSessionState) -> DecodedLine {
        guard let info = payload.object("info") else { return .events([]) }  // rate-limit only update
        guard let ts = f.timestampMs("timestamp") else { return .rejected(.missingTimestamp) }
        let last = CodexTokens(info.object("last_token_usage"))
        let total = CodexTokens(info.object("total_token_usage"))
        var delta = last
        if let total {
            if let prev = state.previousTotal, total.isBelow(prev) {
                // A snapshot a little behind the last one arrives out of order now and then; a
                // real reset (a new session in the same file) falls far below.
                let stale = total.total * 100 >= prev.total * 98
                if delta == nil && !stale { delta = total }
                if !stale { state.previousTotal = total }
            } else {
                if delta == nil { delta = state.previousTotal.map { total.minus($0) } ?? total }
                state.previousTotal = total
            }
        }
        guard let d = delta, !d.isZero else { return .events([]) }

        let model = info.string("model") ?? info.string("model_name") ?? payload.string("model") ?? state.model
        let cached = min(d.cached, d.input)
        let usage = TokenUsage(input: d.input, output: d.output, cacheRead: cached,
                               reasoning: min(d.reasoning, d.output))
        // The running total names a call within its lineage: Codex repeats a `token_count` with the
        // same total (a rate-limit refresh), and a fork or sub-agent replays its parent's under the
        // fork's time. Both meet the original under this key, and the earliest record wins.
        let key: String
        if let total {
            key = "codex\u{0}" + state.lineageRoot + "\u{0}" + total.keyText
        } else {
            key = "codex\u{0}last\u{0}" + (state.sessionID ?? "") + "\u{0}\(ts)\u{0}" + d.keyText
        }
        var e = SpendEvent(timestampMs: ts, requestID: key,
                           feature: AgentLogValues.project(cwd: state.cwd), apiKey: state.sessionID,
                           provider: state.provider ?? "openai", model: model, gateway: "codex", usage: usage)
        e.supersedeRank = AgentLogValues.earliestWins(timestampMs: ts)
        return .events([e])
    }
}
