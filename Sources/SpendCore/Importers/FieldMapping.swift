/// A user-defined format from config (`[[mapping]]`), like GoAccess's log-format: dotted paths
/// into any gateway's JSON for each native field, and a condition that recognises its lines.
public struct FieldMapping: Sendable, Equatable {
    public let name: String
    /// `path=value` (the value at path equals it) or `path` (the path exists).
    public let matchPath: String
    public let matchValue: String?
    /// Native field name → dotted path in the line.
    public let paths: [String: String]

    /// Native fields a mapping may name (SPEC §3).
    public static let fields = ["ts", "request_id", "feature", "api_key", "team", "user", "provider", "model", "gateway",
                                "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
                                "reasoning_tokens", "cost_usd", "latency_ms", "ttft_ms", "status", "retry", "cache_hit", "batch"]

    public init(name: String, match: String, paths: [String: String]) throws {
        guard !match.isEmpty else { throw ConfigError("[[mapping]] \(name): 'match' is empty") }
        guard paths["ts"] != nil else { throw ConfigError("[[mapping]] \(name): needs a 'ts' path (events without time cannot be counted)") }
        for key in paths.keys where !FieldMapping.fields.contains(key) {
            throw ConfigError("[[mapping]] \(name): unknown field '\(key)'; fields: \(FieldMapping.fields.joined(separator: ", "))")
        }
        self.name = name
        if let eq = match.firstIndex(of: "=") {
            matchPath = String(match[..<eq]).trimmingCharacters(in: .whitespaces)
            matchValue = String(match[match.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
        } else {
            matchPath = match.trimmingCharacters(in: .whitespaces)
            matchValue = nil
        }
        self.paths = paths
    }

    /// Every `[[mapping]]` table of a config.
    public static func all(from config: ConfigValue) throws -> [FieldMapping] {
        try config.tables("mapping").enumerated().map { i, t in
            let name = t["name"]?.string ?? "#\(i + 1)"
            guard let match = t["match"]?.string else { throw ConfigError("[[mapping]] \(name): needs 'match' (path=value or path)") }
            var paths = [String: String]()
            for (k, v) in t where k != "name" && k != "match" {
                guard let p = v.string else { throw ConfigError("[[mapping]] \(name): '\(k)' must be a dotted path in quotes") }
                paths[k] = p
            }
            return try FieldMapping(name: name, match: match, paths: paths)
        }
    }

    public func matches(_ f: JSONFields) -> Bool {
        guard let want = matchValue else { return f.has(matchPath) }
        return f.string(matchPath) == want || (f.bool(matchPath).map { String($0) } == want)
    }

    public func decode(_ f: JSONFields) -> DecodedLine {
        func s(_ k: String) -> String? { paths[k].flatMap { f.string($0) } }
        func i(_ k: String) -> Int64? { paths[k].flatMap { f.int($0) } }
        func d(_ k: String) -> Double? { paths[k].flatMap { f.double($0) } }
        guard let tsPath = paths["ts"], let ts = f.timestampMs(tsPath) else { return .rejected(.missingTimestamp) }
        let usage = TokenUsage(input: i("input_tokens") ?? 0, output: i("output_tokens") ?? 0,
                               cacheRead: i("cache_read_tokens") ?? 0, cacheWrite: i("cache_write_tokens") ?? 0,
                               reasoning: i("reasoning_tokens") ?? 0)
        let cacheHit: Bool
        if let p = paths["cache_hit"] {
            cacheHit = EventValues.isGatewayCacheHit(f.value(p))
        } else {
            cacheHit = false
        }
        return .events([SpendEvent(
            timestampMs: ts, requestID: s("request_id"), feature: s("feature"), apiKey: s("api_key"), team: s("team"),
            user: s("user"), provider: s("provider"), model: s("model"), gateway: s("gateway"), usage: usage,
            costUSD: d("cost_usd"), latencyMs: d("latency_ms"), ttftMs: d("ttft_ms"),
            isError: EventValues.isError(status: paths["status"].flatMap { f.value($0) }),
            retry: Int(i("retry") ?? 0), gatewayCacheHit: cacheHit, batch: paths["batch"].flatMap { f.bool($0) } ?? false)])
    }
}

import Foundation
