/// Writes a suite day as native JSONL (SPEC §3) and its labels, so the day can be judged exactly as a user's
/// file would be: `spendtop export DAY.jsonl --view alerts --window all`. Numbers are written so that they read
/// back to the same doubles; the lines come in the order the in-process suite ingests them.
public enum SuiteDayWriter {
    /// Calls `line` with each JSONL line (no newline) of the scenario's traffic.
    public static func lines(_ sc: IncidentSuite.Scenario, _ line: (String) -> Void) {
        IncidentSuite.generate(sc, event: { line(eventLine($0)) }, gpu: { line(gpuLine($0)) })
    }

    /// RFC 3339 with milliseconds.
    static func ts(_ ms: Int64) -> String {
        let base = Timestamp.format(ms: ms)
        let frac = ((ms % 1000) + 1000) % 1000
        let f = frac < 10 ? "00\(frac)" : frac < 100 ? "0\(frac)" : "\(frac)"
        return String(base.dropLast()) + "." + f + "Z"
    }

    static func number(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    public static func eventLine(_ e: SpendEvent) -> String {
        var s = "{\"ts\":\"\(ts(e.timestampMs))\""
        func field(_ k: String, _ v: String?) { if let v { s += ",\"\(k)\":\"\(v)\"" } }
        field("request_id", e.requestID)
        field("feature", e.feature)
        field("api_key", e.apiKey)
        field("team", e.team)
        field("provider", e.provider)
        field("model", e.model)
        s += ",\"input_tokens\":\(e.usage.input),\"output_tokens\":\(e.usage.output)"
        if e.usage.cacheRead > 0 { s += ",\"cache_read_tokens\":\(e.usage.cacheRead)" }
        if let c = e.costUSD { s += ",\"cost_usd\":\(number(c))" }
        if let l = e.latencyMs { s += ",\"latency_ms\":\(number(l))" }
        s += e.isError ? ",\"status\":\"error\"" : ",\"status\":\"ok\""
        if e.retry > 0 { s += ",\"retry\":\(e.retry)" }
        return s + "}"
    }

    public static func gpuLine(_ g: GPUSample) -> String {
        var s = "{\"ts\":\"\(ts(g.timestampMs))\",\"kind\":\"gpu\",\"node\":\"\(g.node)\",\"gpu\":\(g.gpu)"
        if let v = g.utilPct { s += ",\"util_pct\":\(number(v))" }
        if let v = g.memUsedMB { s += ",\"mem_used_mb\":\(number(v))" }
        if let v = g.memTotalMB { s += ",\"mem_total_mb\":\(number(v))" }
        if let v = g.powerW { s += ",\"power_w\":\(number(v))" }
        if let v = g.queueDepth { s += ",\"queue_depth\":\(number(v))" }
        return s + "}"
    }

    /// One JSON line per incident: kind, size, start, end, target scope, what was injected.
    public static func labelLines(_ sc: IncidentSuite.Scenario) -> [String] {
        sc.incidents.map { i in
            "{\"kind\":\"\(i.kind.rawValue)\",\"size\":\(i.size),\"start\":\"\(Timestamp.format(ms: i.startMs))\","
                + "\"end\":\"\(Timestamp.format(ms: i.endMs))\",\"target\":\"\(i.target)\",\"detail\":\"\(i.detail)\"}"
        }
    }
}
