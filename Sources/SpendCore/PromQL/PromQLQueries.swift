/// The PromQL spendtop sends: every query aggregates at its top (`sum by`), so the engine returns one series
/// per group, never the raw series of a window. See docs/sources.md for why each has this shape.
public enum PromQLQueries {
    /// A counter's level per group: the sum, over the group's series, of each series' last sample within
    /// `maxGap`. Differences of consecutive step levels are the growth between them (`CounterLevels`).
    /// A range function, not the bare selector, so that a scrape that failed (a staleness marker) does not
    /// make a series vanish for a step and come back as growth.
    public static func level(_ counter: String, by labels: [String], mapping: PromQLMapping) -> String {
        let x = selector(counter, mapping.matchers)
        return "sum by (\(labels.joined(separator: ", "))) (last_over_time(\(x)[\(mapping.maxGapSeconds)s]))"
    }

    /// Per step, the counter resets (over two steps, so that one between steps is seen) and the number of
    /// series alive: a step where either says a series restarted or left is read again with `exactGrowth`.
    public static func events(_ counter: String, stepSeconds: Int, mapping: PromQLMapping) -> String {
        let x = selector(counter, mapping.matchers)
        return "sum by (spendtop_q) ("
            + "label_replace(sum(resets(\(x)[\(2 * stepSeconds)s])), \"spendtop_q\", \"resets\", \"\", \"\")"
            + " or label_replace(count(last_over_time(\(x)[\(mapping.maxGapSeconds)s])),"
            + " \"spendtop_q\", \"series\", \"\", \"\"))"
    }

    /// Per-series growth over each step, summed per group: `last − previous last` while the series runs on;
    /// after a reset inside the step, the growth up to it (its highest value − previous last) plus the value
    /// it restarted to; a new series counts its value. Costly for the engine (vector matching on every raw
    /// series at every step), so it is only sent for the few steps the levels cannot answer.
    public static func exactGrowth(_ counter: String, by labels: [String], stepSeconds s: Int,
                                   mapping: PromQLMapping) -> String {
        let x = selector(counter, mapping.matchers)
        let w = mapping.maxGapSeconds
        let last = "last_over_time(\(x)[\(w)s])"
        let previous = "last_over_time(\(x)[\(w)s] offset \(s)s)"
        return "sum by (\(labels.joined(separator: ", "))) ("
            + "(((\(last) - \(previous)) >= 0) unless (resets(\(x)[\(s)s]) > 0))"
            + " or (clamp_min(max_over_time(\(x)[\(s)s]) - \(previous), 0) + \(last))"
            + " or \(last))"
    }

    /// DCGM gauges averaged over each step, per GPU (`m` names the gauge).
    public static func dcgm(stepSeconds s: Int, mapping: PromQLMapping) -> String {
        let by = [mapping.gpuHostLabel, mapping.gpuIndexLabel].joined(separator: ", ")
        let gauges = [("util", "DCGM_FI_DEV_GPU_UTIL"), ("fb_used", "DCGM_FI_DEV_FB_USED"),
                      ("fb_free", "DCGM_FI_DEV_FB_FREE"), ("power", "DCGM_FI_DEV_POWER_USAGE")]
        let parts = gauges.map { m, name in
            "label_replace(avg by (\(by)) (avg_over_time(\(selector(name, mapping.matchers))[\(s)s])), "
                + "\"spendtop_m\", \"\(m)\", \"\", \"\")"
        }
        return "sum by (\(by), spendtop_m) (\(parts.joined(separator: " or ")))"
    }

    /// vLLM per engine: queue, running batch and KV-cache use averaged over each step, prefix-cache hits and
    /// queries as increases (their ratio is the step's hit rate; extrapolation cancels out in it). Old and new
    /// metric names are both read.
    public static func vllm(stepSeconds s: Int, mapping: PromQLMapping) -> String {
        let by = [mapping.vllmNodeLabel, mapping.vllmEngineLabel].joined(separator: ", ")
        func names(_ n: [String]) -> String {
            selector("{__name__=~\"\(n.joined(separator: "|"))\"}", mapping.matchers)
        }
        let gauges = [("waiting", ["vllm:num_requests_waiting"]), ("running", ["vllm:num_requests_running"]),
                      ("kv", ["vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"])]
        let counters = [("hits", ["vllm:prefix_cache_hits_total", "vllm:gpu_prefix_cache_hits_total"]),
                        ("queries", ["vllm:prefix_cache_queries_total", "vllm:gpu_prefix_cache_queries_total"])]
        let parts = gauges.map { m, n in
            "label_replace(avg by (\(by)) (avg_over_time(\(names(n))[\(s)s])), \"spendtop_m\", \"\(m)\", \"\", \"\")"
        } + counters.map { m, n in
            "label_replace(sum by (\(by)) (increase(\(names(n))[\(s)s])), \"spendtop_m\", \"\(m)\", \"\", \"\")"
        }
        return "sum by (\(by), spendtop_m) (\(parts.joined(separator: " or ")))"
    }

    // MARK: selectors

    /// `name{a="b"}` with `extra` matchers added inside its braces.
    public static func selector(_ metric: String, _ extra: String) -> String {
        guard !extra.isEmpty else { return metric }
        if metric.hasSuffix("}"), let open = metric.firstIndex(of: "{") {
            let inside = String(metric[metric.index(after: open)..<metric.index(before: metric.endIndex)])
            let joined = Substring(inside).trimmingSpaces.isEmpty ? extra : inside + ", " + extra
            return String(metric[..<open]) + "{" + joined + "}"
        }
        return metric + "{" + extra + "}"
    }

    /// Prometheus' label name syntax.
    public static func isLabelName(_ s: String) -> Bool {
        let letter = { (c: Unicode.Scalar) in c == "_" || ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
        guard let first = s.unicodeScalars.first, letter(first) else { return false }
        return s.unicodeScalars.allSatisfy { letter($0) || ("0"..."9").contains($0) }
    }

    static func isMetricName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first != ":" || s.count > 1 else { return false }
        let ok = { (c: Unicode.Scalar) in c == "_" || c == ":" || ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
        guard ok(first) else { return false }
        return s.unicodeScalars.allSatisfy { ok($0) || ("0"..."9").contains($0) }
    }

    /// `a="b", c=~"d.*"`: label matchers only (no closing brace or query text can be smuggled in).
    public static func isMatcherList(_ s: String) -> Bool {
        var rest = Substring(s)
        func skipSpace() { while rest.first == " " { rest = rest.dropFirst() } }
        while true {
            skipSpace()
            if rest.isEmpty { return true }
            var name = ""
            while let c = rest.first, c.isLetter || c.isNumber || c == "_" { name.append(c); rest = rest.dropFirst() }
            guard isLabelName(name) else { return false }
            skipSpace()
            if rest.hasPrefix("=~") || rest.hasPrefix("!~") || rest.hasPrefix("!=") { rest = rest.dropFirst(2) }
            else if rest.hasPrefix("=") { rest = rest.dropFirst() } else { return false }
            skipSpace()
            guard rest.first == "\"" else { return false }
            rest = rest.dropFirst()
            var closed = false
            while let c = rest.first {
                rest = rest.dropFirst()
                if c == "\\" { guard !rest.isEmpty else { return false }; rest = rest.dropFirst(); continue }
                if c == "\n" { return false }
                if c == "\"" { closed = true; break }
            }
            guard closed else { return false }
            skipSpace()
            if rest.first == "," { rest = rest.dropFirst() } else if !rest.isEmpty { return false }
        }
    }

    /// A metric name with optional matchers: `name`, `name{…}` or `{__name__=…, …}`.
    public static func isSelector(_ s: String) -> Bool {
        guard let open = s.firstIndex(of: "{") else { return isMetricName(s) }
        guard s.hasSuffix("}") else { return false }
        let name = String(s[..<open])
        guard name.isEmpty || isMetricName(name) else { return false }
        let inside = String(s[s.index(after: open)..<s.index(before: s.endIndex)])
        return isMatcherList(inside) && (!name.isEmpty || inside.contains("__name__"))
    }
}
