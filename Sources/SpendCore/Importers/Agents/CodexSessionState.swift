/// What a Codex rollout file has said so far that its `token_count` lines need: the session, its
/// lineage (forks name their parent), the current model and working directory, the running total.
public struct CodexSessionState: Equatable, Sendable {
    /// The file's own session (its first `session_meta`), shown as the API key.
    public var sessionID: String?
    public var cwd: String?
    public var provider: String?
    public var model: String?
    /// Session → the session it was forked or spawned from, from every `session_meta` in the file
    /// (a fork replays its ancestors' metadata before its own turns).
    public var parents: [String: String] = [:]
    /// The last `total_token_usage` seen, for lines that carry only the running total.
    public var previousTotal: CodexTokens?

    public init() {}

    /// The oldest ancestor this file knows of: a fork's replayed history is keyed under it, as the
    /// ancestor's own file keys the same history, so the copy and the original meet in the dedupe.
    public var lineageRoot: String { lineage(of: sessionID ?? "").last! }

    /// The first `session_meta` is the file's own; any other session's that follows is history the
    /// file replays (a fork's parent, a resumed session's predecessor), so it becomes the ancestor of
    /// the oldest one known so far even where no `forked_from_id` says so.
    mutating func noteMeta(_ p: JSONFields) {
        guard let id = p.string("id") else { return }
        let parent = p.string("forked_from_id") ?? p.string("source.subagent.thread_spawn.parent_thread_id")
        if let parent, parent != id, parents[id] == nil { parents[id] = parent }
        guard let own = sessionID else {
            sessionID = id
            cwd = p.string("cwd")
            provider = p.string("model_provider")
            return
        }
        let oldest = lineageRoot
        if id != own, id != oldest, parents[oldest] == nil, !lineage(of: id).contains(oldest) { parents[oldest] = id }
    }

    /// `id` and its known ancestors.
    func lineage(of id: String) -> [String] {
        var out = [id]
        while let p = parents[out.last!], !out.contains(p), out.count < 64 { out.append(p) }
        return out
    }

    var dictionary: [String: Any] {
        var d: [String: Any] = ["parents": parents]
        if let sessionID { d["session"] = sessionID }
        if let cwd { d["cwd"] = cwd }
        if let provider { d["provider"] = provider }
        if let model { d["model"] = model }
        if let t = previousTotal { d["total"] = [t.input, t.cached, t.output, t.reasoning, t.total] }
        return d
    }

    init(dictionary d: [String: Any]) {
        sessionID = d["session"] as? String
        cwd = d["cwd"] as? String
        provider = d["provider"] as? String
        model = d["model"] as? String
        parents = d["parents"] as? [String: String] ?? [:]
        if let t = d["total"] as? [NSNumberLike], t.count == 5 {
            previousTotal = CodexTokens(input: t[0].int64Value, cached: t[1].int64Value, output: t[2].int64Value,
                                        reasoning: t[3].int64Value, total: t[4].int64Value)
        }
    }
}

/// One `TokenUsage` object of Codex (`input_tokens` includes `cached_input_tokens`, `output_tokens`
/// includes `reasoning_output_tokens`).
public struct CodexTokens: Equatable, Sendable {
    public var input: Int64
    public var cached: Int64
    public var output: Int64
    public var reasoning: Int64
    public var total: Int64

    init(input: Int64, cached: Int64, output: Int64, reasoning: Int64, total: Int64) {
        self.input = input
        self.cached = cached
        self.output = output
        self.reasoning = reasoning
        self.total = total
    }

    init?(_ u: JSONFields?) {
        guard let u else { return nil }
        let fields = ["input_tokens", "cached_input_tokens", "cache_read_input_tokens", "output_tokens",
                      "reasoning_output_tokens", "total_tokens"]
        guard fields.contains(where: { u.int($0) != nil }) else { return nil }
        input = AgentLogValues.count(u.int("input_tokens"))
        cached = max(AgentLogValues.count(u.int("cached_input_tokens")),
                     AgentLogValues.count(u.int("cache_read_input_tokens")))
        output = AgentLogValues.count(u.int("output_tokens"))
        reasoning = AgentLogValues.count(u.int("reasoning_output_tokens"))
        total = AgentLogValues.count(u.int("total_tokens"))
        if total == 0 { total = input + output }
    }

    var isZero: Bool { input == 0 && cached == 0 && output == 0 && reasoning == 0 }

    /// Any counter below the other's: the running total went backwards.
    func isBelow(_ o: CodexTokens) -> Bool {
        input < o.input || cached < o.cached || output < o.output || reasoning < o.reasoning
    }

    func minus(_ o: CodexTokens) -> CodexTokens {
        CodexTokens(input: input - o.input, cached: cached - o.cached, output: output - o.output,
                    reasoning: reasoning - o.reasoning, total: max(total - o.total, 0))
    }

    var keyText: String { "\(input),\(cached),\(output),\(reasoning),\(total)" }
}

#if canImport(Foundation)
import Foundation
#endif
