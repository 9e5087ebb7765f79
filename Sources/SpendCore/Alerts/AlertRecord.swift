import Foundation

/// The wire form of an alert: one line of `alerts.jsonl` and the JSON `--on-alert` commands read on stdin
/// (docs/alerts.md). Keys are always masked; text is already stripped of control characters.
public struct AlertRecord: Codable, Equatable, Sendable {
    /// `start` when the incident begins, `end` when it stops holding.
    public var event: String
    public var key: String
    public var kind: String
    public var started: String
    public var startedMs: Int64
    public var ended: String?
    public var endedMs: Int64?
    public var scope: String
    public var metric: String
    public var observed: Double
    public var expected: Double?
    public var score: Double?
    public var reason: String
    public var budgetLimit: Double?
    public var budgetUsedPct: Double?
    public var budgetRunOut: String?
    public var related: Int?
    public var scopes: [String]?

    enum CodingKeys: String, CodingKey {
        case event, key, kind, started, startedMs = "started_ms", ended, endedMs = "ended_ms", scope, metric, observed
        case expected, score, reason, budgetLimit = "budget_limit", budgetUsedPct = "budget_used_pct"
        case budgetRunOut = "budget_run_out", related, scopes
    }

    public init(_ e: AlertEvent, event: String? = nil) {
        self.event = event ?? (e.endedMs == nil ? "start" : "end")
        key = TextSanitizer.clean(e.key)
        kind = e.kind.rawValue
        started = Timestamp.format(ms: e.startedMs)
        startedMs = e.startedMs
        ended = e.endedMs.map { Timestamp.format(ms: $0) }
        endedMs = e.endedMs
        scope = TextSanitizer.clean(e.scope)
        metric = e.metric
        observed = AlertRecord.finite(e.observed) ?? 0
        expected = e.expected.flatMap(AlertRecord.finite)
        score = e.score.flatMap(AlertRecord.finite)
        reason = TextSanitizer.clean(e.reason)
        budgetLimit = e.budgetLimit
        budgetUsedPct = e.budgetUsedPct.flatMap(AlertRecord.finite)
        budgetRunOut = e.budgetRunOutMs.map { Timestamp.format(ms: $0) }
        related = e.related
        scopes = e.scopes.map { $0.map(TextSanitizer.clean) }
    }

    static func finite(_ v: Double) -> Double? { v.isFinite ? v : nil }

    /// One line of JSON, keys sorted, no trailing newline.
    public var json: String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? enc.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
