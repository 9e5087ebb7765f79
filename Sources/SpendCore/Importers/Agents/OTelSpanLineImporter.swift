/// OpenTelemetry records written one per line by an SDK's file exporter rather than a Collector's:
/// GitHub Copilot CLI's `COPILOT_OTEL_FILE_EXPORTER_PATH` / `~/.copilot/otel/*.jsonl` writes
/// `{"type":"span"|"metric"|"log", …}` with the span's fields at the top level, a flat `attributes`
/// object and `[seconds, nanoseconds]` times. Model-call (`chat …`) spans become events; metrics and
/// log records repeat the same usage and are not counted. See docs/event-schema.md §2.8.
public enum OTelSpanLineImporter: EventImporter {
    public static let formatName = "otel-span"

    public static func matches(_ f: JSONFields) -> Bool {
        if NativeImporter.hasNativeKeys(f) { return false }
        let o = f.object
        if let type = o["type"] as? String, ["span", "metric", "log"].contains(type) {
            return o["name"] is String || o["attributes"] is [String: Any] || o["body"] != nil
        }
        // The same records without a `type`: a flat attribute object plus span identity or a time.
        guard o["attributes"] is [String: Any] else { return false }
        return o["traceId"] is String || o["spanContext"] is [String: Any] || o["hrTime"] != nil
    }

    public static func decode(_ f: JSONFields) -> DecodedLine { decode(f, context: StreamContext()) }

    public static func decode(_ f: JSONFields, context: StreamContext) -> DecodedLine {
        let o = f.object
        let attrs = o["attributes"] as? [String: Any] ?? [:]
        guard isSpan(o), attrs.keys.contains(where: { $0.hasPrefix("gen_ai.usage.") }) else { return .events([]) }
        let traceID = (o["traceId"] as? String) ?? ((o["spanContext"] as? [String: Any])?["traceId"] as? String)
        let spanID = (o["spanId"] as? String) ?? ((o["spanContext"] as? [String: Any])?["spanId"] as? String)
        if OTLPSpanImporter.isAgentSpan(name: o["name"], attrs: attrs) {
            if let traceID, context.countedTraces.contains(traceID) { return .skipped(.agentRollupSpan) }
        } else if let traceID {
            context.countedTraces.insert(traceID)
        }
        let startNs = nanos(o["startTime"]) ?? nanos(o["startTimeUnixNano"])
        let endNs = nanos(o["endTime"]) ?? nanos(o["endTimeUnixNano"])
        guard let atNs = startNs ?? endNs, atNs > 0 else { return .rejected(.missingTimestamp) }

        var span = o
        span["spanId"] = spanID.map { id in traceID.map { $0 + ":" + id } ?? id } as Any
        if let endNs { span["endTimeUnixNano"] = String(endNs) }
        let resource = (o["resource"] as? [String: Any]).map { ($0["attributes"] as? [String: Any]) ?? $0 }
        var e = OTLPSpanImporter.event(span: span, attrs: attrs, startNs: atNs,
                                       serviceName: OTLPSpanImporter.nonEmptyString(resource?["service.name"]))
        if startNs == nil { e.latencyMs = nil }
        // Copilot names the conversation, not a key: it is what tells one session's spend from another's.
        if e.apiKey == nil {
            e.apiKey = OTLPSpanImporter.nonEmptyString(attrs["gen_ai.conversation.id"])
                ?? OTLPSpanImporter.nonEmptyString(attrs["session.id"])
        }
        return .events([e])
    }

    static func isSpan(_ o: [String: Any]) -> Bool {
        if let type = o["type"] as? String { return type == "span" }
        return o["traceId"] is String || o["spanContext"] is [String: Any]
    }

    /// `[seconds, nanoseconds]` (the JS SDK's HrTime), or a number or string of nanoseconds.
    static func nanos(_ v: Any?) -> Int64? {
        if let parts = v as? [Any], parts.count == 2,
           let s = OTLPSpanImporter.integer(parts[0]), let n = OTLPSpanImporter.integer(parts[1]),
           s >= 0, s < 9_000_000_000, n >= 0, n < 1_000_000_000 {
            return s * 1_000_000_000 + n
        }
        return OTLPSpanImporter.nanos(v)
    }
}
