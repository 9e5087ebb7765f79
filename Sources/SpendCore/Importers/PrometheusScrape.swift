/// Turns Prometheus text pages (DCGM exporter, vLLM) into GPU samples. Keeps the previous scrape's
/// counters so that counters become rates (prefix-cache hits ÷ queries since the last scrape).
public struct PrometheusScrape: Sendable {
    /// One `name{labels} value` line.
    public struct Metric: Equatable, Sendable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
    }

    /// Counter values of the previous scrape, by series (`name` + labels).
    var previousCounters: [String: Double] = [:]
    /// Lines that did not parse in the last page (counted as rejects by the source).
    public private(set) var lastRejected = 0

    public init() {}

    /// Parses the exposition format; unreadable lines are skipped and counted in `rejected`.
    public static func parse(_ text: String, rejected: inout Int) -> [Metric] {
        var out: [Metric] = []
        // "\r\n" is one Character in Swift: a CRLF page split on "\n" alone would be one long line.
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            let line = raw.drop(while: { $0 == " " || $0 == "\t" })
            if line.isEmpty || line.first == "#" { continue }
            if let m = parseLine(Substring(line)) { out.append(m) } else { rejected += 1 }
        }
        return out
    }

    static func parseLine(_ line: Substring) -> Metric? {
        var i = line.startIndex
        while i < line.endIndex, line[i] != "{", line[i] != " ", line[i] != "\t" { i = line.index(after: i) }
        let name = String(line[line.startIndex..<i])
        guard !name.isEmpty, name.first.map({ $0.isLetter || $0 == "_" || $0 == ":" }) == true else { return nil }
        var labels: [String: String] = [:]
        if i < line.endIndex, line[i] == "{" {
            i = line.index(after: i)
            while true {
                while i < line.endIndex, line[i] == " " || line[i] == "," { i = line.index(after: i) }
                guard i < line.endIndex else { return nil }
                if line[i] == "}" { i = line.index(after: i); break }
                let keyStart = i
                while i < line.endIndex, line[i] != "=" { i = line.index(after: i) }
                guard i < line.endIndex else { return nil }
                let key = line[keyStart..<i].trimmingSpaces
                i = line.index(after: i)
                guard i < line.endIndex, line[i] == "\"" else { return nil }
                i = line.index(after: i)
                var value = ""
                var closed = false
                while i < line.endIndex {
                    let c = line[i]
                    if c == "\\" {
                        i = line.index(after: i)
                        guard i < line.endIndex else { return nil }
                        switch line[i] { case "n": value.append("\n"); case let e: value.append(e) }
                    } else if c == "\"" {
                        closed = true
                        i = line.index(after: i)
                        break
                    } else {
                        value.append(c)
                    }
                    i = line.index(after: i)
                }
                guard closed else { return nil }
                labels[String(key)] = value
            }
        }
        let fields = line[i...].split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let first = fields.first, let value = parseValue(first) else { return nil }
        return Metric(name: name, labels: labels, value: value)
    }

    static func parseValue(_ s: Substring) -> Double? {
        switch s {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default: return Double(s)
        }
    }

    /// GPU samples for one page scraped at `atMs`. `defaultNode` names vLLM engines when the page
    /// has no DCGM `Hostname` (usually the scrape target's host).
    public mutating func samples(from text: String, atMs: Int64, defaultNode: String) -> [GPUSample] {
        var rejected = 0
        let metrics = PrometheusScrape.parse(text, rejected: &rejected)
        lastRejected = rejected
        return samples(from: metrics, atMs: atMs, defaultNode: defaultNode)
    }

    public mutating func samples(from metrics: [Metric], atMs: Int64, defaultNode: String) -> [GPUSample] {
        var gpus: [String: GPUSample] = [:]
        var order: [String] = []
        func sample(_ node: String, _ gpu: String) -> String {
            let key = node + "\u{1}" + gpu
            if gpus[key] == nil {
                gpus[key] = GPUSample(timestampMs: atMs, node: node, gpu: gpu)
                order.append(key)
            }
            return key
        }
        var hosts = Set<String>()
        for m in metrics where m.name.hasPrefix("DCGM_FI_") { if let h = m.labels["Hostname"] { hosts.insert(h) } }
        // vLLM exports per engine, not per GPU; with one DCGM host on the page the engine runs there.
        let vllmNode = hosts.count == 1 ? hosts.first! : defaultNode
        var counters: [String: Double] = [:]
        var fbFree: [String: Double] = [:]
        for m in metrics where m.value.isFinite {
            if m.name.hasPrefix("DCGM_FI_DEV_") {
                let node = m.labels["Hostname"] ?? defaultNode
                let key = sample(node, m.labels["gpu"] ?? "0")
                switch m.name {
                case "DCGM_FI_DEV_GPU_UTIL": gpus[key]!.utilPct = m.value
                case "DCGM_FI_DEV_FB_USED": gpus[key]!.memUsedMB = m.value
                case "DCGM_FI_DEV_FB_FREE": fbFree[key] = m.value
                case "DCGM_FI_DEV_POWER_USAGE": gpus[key]!.powerW = m.value
                default: break
                }
            } else if m.name.hasPrefix("vllm:") {
                let key = sample(vllmNode, "vllm" + (m.labels["engine"] ?? ""))
                switch m.name {
                case "vllm:num_requests_waiting": gpus[key]!.queueDepth = m.value
                case "vllm:num_requests_running": gpus[key]!.runningRequests = m.value
                case "vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc": gpus[key]!.kvCachePct = m.value * 100
                case "vllm:prefix_cache_hits_total", "vllm:prefix_cache_queries_total",
                     "vllm:gpu_prefix_cache_hits_total", "vllm:gpu_prefix_cache_queries_total":
                    let kind = m.name.contains("hits") ? "hits" : "queries"
                    counters[key + "\u{1}" + kind, default: 0] += m.value
                default: break
                }
            }
        }
        for (key, free) in fbFree {
            if let used = gpus[key]?.memUsedMB { gpus[key]!.memTotalMB = used + free }
        }
        for key in order {
            guard let hits = counters[key + "\u{1}hits"], let queries = counters[key + "\u{1}queries"] else { continue }
            if let ph = previousCounters[key + "\u{1}hits"], let pq = previousCounters[key + "\u{1}queries"] {
                let dq = queries - pq, dh = hits - ph
                // A counter that went down was reset (server restart): no rate for this interval.
                if dq > 0, dh >= 0, dh <= dq { gpus[key]!.prefixCacheHitRate = dh / dq }
            }
        }
        previousCounters = counters
        return order.map { gpus[$0]! }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
