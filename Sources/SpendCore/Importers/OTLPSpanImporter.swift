import Foundation

/// OpenTelemetry GenAI spans as OTLP/JSON, one `ExportTraceServiceRequest` per line (Collector file exporter).
public enum OTLPSpanImporter: EventImporter {
    public static let formatName = "otlp"

    public static func matches(_ f: JSONFields) -> Bool {
        f.object["resourceSpans"] is [Any]
    }

    /// Every span carrying a `gen_ai.usage.*` attribute becomes one event; other spans (HTTP, DB, the
    /// agent's own steps) are skipped, so a line of them alone decodes to no events rather than a reject.
    /// A usage span without a start time rejects the whole line: the exporter always writes one, so
    /// its absence means a damaged line, and a counted reject is visible where a dropped span is not.
    public static func decode(_ f: JSONFields) -> DecodedLine { decode(f, context: StreamContext()) }

    /// An agent span (`invoke_agent`) carries the sum of its model calls' usage (Copilot, the GenAI
    /// agent conventions): it is counted only when no model-call span of its trace was counted, in
    /// this line or earlier in the stream (calls end, and are exported, before their agent span).
    public static func decode(_ f: JSONFields, context: StreamContext) -> DecodedLine {
        guard let resources = f.object["resourceSpans"] as? [Any] else { return .rejected(.unknownFormat) }
        var usageSpans: [(span: [String: Any], attrs: [String: Any], serviceName: String?)] = []
        for case let resource as [String: Any] in resources {
            let resourceAttrs = attributes((resource["resource"] as? [String: Any])?["attributes"])
            let serviceName = nonEmptyString(resourceAttrs["service.name"])
            // `instrumentationLibrarySpans` is the pre-1.0 OTLP name of `scopeSpans`.
            let scopes = (resource["scopeSpans"] ?? resource["instrumentationLibrarySpans"]) as? [Any] ?? []
            for case let scope as [String: Any] in scopes {
                for case let span as [String: Any] in (scope["spans"] as? [Any] ?? []) {
                    let attrs = attributes(span["attributes"])
                    guard attrs.keys.contains(where: { $0.hasPrefix("gen_ai.usage.") }) else { continue }
                    usageSpans.append((span, attrs, serviceName))
                }
            }
        }
        for u in usageSpans where !isAgentSpan(name: u.span["name"], attrs: u.attrs) {
            if let t = u.span["traceId"] as? String { context.countedTraces.insert(t) }
        }
        var events: [SpendEvent] = []
        var skippedAgents = 0
        for u in usageSpans {
            guard let startNs = nanos(u.span["startTimeUnixNano"]), startNs > 0 else {
                return .rejected(.missingTimestamp)
            }
            if isAgentSpan(name: u.span["name"], attrs: u.attrs),
               let t = u.span["traceId"] as? String, context.countedTraces.contains(t) {
                skippedAgents += 1
                continue
            }
            events.append(event(span: u.span, attrs: u.attrs, startNs: startNs, serviceName: u.serviceName))
        }
        if events.isEmpty && skippedAgents > 0 { return .skipped(.agentRollupSpan) }
        return .events(events)
    }

    /// `invoke_agent`/`create_agent` spans wrap model calls and carry their summed usage.
    static func isAgentSpan(name: Any?, attrs: [String: Any]) -> Bool {
        if let op = attrs["gen_ai.operation.name"] as? String { return op == "invoke_agent" || op == "create_agent" }
        return (name as? String)?.hasPrefix("invoke_agent") == true
    }

    static func event(span: [String: Any], attrs: [String: Any], startNs: Int64, serviceName: String?) -> SpendEvent {
        func int(_ key: String) -> Int64? { integer(attrs[key]) }
        func string(_ key: String) -> String? { nonEmptyString(attrs[key]) }
        let cacheRead = int("gen_ai.usage.cache_read.input_tokens") ?? 0
        let cacheWrite = int("gen_ai.usage.cache_creation.input_tokens") ?? 0
        // Current semconv counts cached tokens inside `input_tokens`. Older Anthropic instrumentations
        // reported the uncached part only; a total smaller than its own cache subsets can only mean
        // that, so the subsets are a floor. `prompt_tokens`/`completion_tokens` are the pre-1.27 names.
        let reported = int("gen_ai.usage.input_tokens") ?? int("gen_ai.usage.prompt_tokens") ?? 0
        let usage = TokenUsage(input: max(reported, cacheRead + cacheWrite),
                               output: int("gen_ai.usage.output_tokens") ?? int("gen_ai.usage.completion_tokens") ?? 0,
                               cacheRead: cacheRead, cacheWrite: cacheWrite,
                               reasoning: int("gen_ai.usage.reasoning.output_tokens") ?? 0)
        var latency: Double?
        if let endNs = nanos(span["endTimeUnixNano"]), endNs >= startNs {
            latency = Double(endNs - startNs) / 1_000_000
        }
        return SpendEvent(
            timestampMs: startNs / 1_000_000,
            requestID: span["spanId"] as? String,
            feature: string("feature") ?? serviceName,
            apiKey: string("gen_ai.api_key") ?? string("api_key"),
            provider: string("gen_ai.provider.name") ?? string("gen_ai.system"),
            model: string("gen_ai.response.model") ?? string("gen_ai.request.model"),
            usage: usage,
            latencyMs: latency,
            isError: isError(span["status"]))
    }

    /// `{key, value:{stringValue|intValue|doubleValue|boolValue}}` to key → plain value.
    static func attributes(_ list: Any?) -> [String: Any] {
        var out: [String: Any] = [:]
        for case let kv as [String: Any] in (list as? [Any] ?? []) {
            guard let key = kv["key"] as? String, let value = kv["value"] as? [String: Any] else { continue }
            if let v = value["stringValue"] ?? value["intValue"] ?? value["doubleValue"] ?? value["boolValue"],
               !(v is NSNull) {
                out[key] = v
            }
        }
        return out
    }

    /// Protobuf's JSON mapping writes 64-bit integers as strings (`"intValue":"10000"`); some
    /// exporters write plain numbers anyway.
    static func integer(_ v: Any?) -> Int64? {
        switch v {
        case let s as String: return Double(s).flatMap(JSONFields.count)
        case let n as NSNumberLike where !JSONFields.isBool(n): return JSONFields.count(n.doubleValue)
        default: return nil
        }
    }

    /// Nanosecond times exceed 2^53, so the string is parsed as an integer, not through `Double`.
    static func nanos(_ v: Any?) -> Int64? {
        switch v {
        case let s as String: return Int64(s)
        case let n as NSNumberLike where !JSONFields.isBool(n):
            // A JSON integer keeps its exact value; a float (1e300) must not reach `int64Value`.
            let d = n.doubleValue
            guard d.isFinite, d.magnitude < 9.2e18 else { return nil }
            return n.int64Value
        default: return nil
        }
    }

    static func nonEmptyString(_ v: Any?) -> String? {
        guard let s = v as? String, !s.isEmpty else { return nil }
        return s
    }

    /// `STATUS_CODE_ERROR` is 2; the proto3 JSON mapping allows the enum's name in place of its number.
    static func isError(_ status: Any?) -> Bool {
        switch (status as? [String: Any])?["code"] {
        case let n as NSNumberLike: return n.intValue == 2
        case let s as String: return s == "2" || s == "STATUS_CODE_ERROR"
        default: return false
        }
    }
}
