import Foundation

/// LiteLLM counters, DCGM and vLLM gauges for the test Prometheus, with the figures a correct reader must
/// find. Two gateway replicas scraped every 15 s; replica `b` restarts (its counters go back to near 0) once
/// in the middle of a minute and once right after a minute boundary; one series starts late (a new key),
/// one goes silent for three minutes (failed scrapes), one stops (evicted), one tag names no feature (the
/// feature label does).
/// Label values LiteLLM leaves empty are `None`, as prometheus_client writes them.
public struct PromQLFixture {
    public struct Series {
        public var labels: [String: String]
        public var metric: String
        /// (seconds, value) in time order.
        public var samples: [(Int64, Double)] = []
    }

    /// Epoch seconds of the first sample (a minute boundary).
    public let start: Int64
    public let minutes: Int64
    public var series: [Series] = []
    public var gauges: [Series] = []

    /// The window the figures are for, epoch seconds `(from, to]`: cells from `from`'s minute on.
    public let windowFrom: Int64, windowTo: Int64
    /// Growth inside the window by (counter, dimension value as raw text) — the figures to find.
    public var growth: [String: [String: Double]] = [:]

    public static let scrape = 15
    public static let counters = ["litellm_spend_metric", "litellm_requests_metric", "litellm_input_tokens_metric",
                           "litellm_output_tokens_metric"]
    /// Raw key hashes (64 hex characters, as LiteLLM labels them).
    public static let keyHashes: [String] = (0..<5).map { i in
        String(String(repeating: "0123456789abcdef", count: 4).dropLast(4)) + String(format: "%04x", 0xa1b0 + i)
    }

    /// Samples from `start + 7 s` every 15 s for `minutes` (off the minute, as real scrapes are); figures for
    /// the minutes `windowMinutes` (offsets from `start`).
    public init(start: Int64, minutes: Int64, windowMinutes: ClosedRange<Int64>) {
        self.start = start
        self.minutes = minutes
        windowFrom = start + windowMinutes.lowerBound * 60
        windowTo = start + (windowMinutes.upperBound + 1) * 60
        var rng = FixtureRandom(14)
        let models = ["gpt-4o", "claude-sonnet-4", "llama-3-70b"]
        let providers = ["openai", "anthropic", "vllm"]
        let tags = ["feature:search", "feature:chat", "env:prod", "None"]
        let features = ["search", "chat", "", "summarise"]  // what each tag's series counts as
        let end = start + minutes * 60
        for instance in ["a", "b"] {
            for (ki, hash) in PromQLFixture.keyHashes.enumerated() {
                for (mi, model) in models.enumerated() where (ki + mi) % 2 == 0 || ki == 4 {
                    let ti = (ki + mi / 2 + ki * mi) % tags.count
                    let labels: [String: String] = [
                        "instance": "gw-\(instance):4000", "job": "litellm", "model": model, "hashed_api_key": hash,
                        "api_key_alias": ki == 3 ? "None" : "app-\(ki)", "team": "team-\(ki % 2)",
                        "team_alias": "Team \(ki % 2)", "tag": tags[ti], "metadata_feature": ti == 3 ? "summarise" : "None",
                        "api_provider": providers[mi], "end_user": "None",
                    ]
                    let feature = features[ti].isEmpty ? "env:prod" : features[ti]
                    // key 4 appears 20 minutes in (a new key: its first value is its growth); key 2 on replica a
                    // misses three minutes of scrapes.
                    let first = ki == 4 ? start + 20 * 60 + 37 : start + 7
                    var values = [Double](repeating: 0, count: PromQLFixture.counters.count)
                    var samples = [[(Int64, Double)]](repeating: [], count: PromQLFixture.counters.count)
                    var t = first
                    // Key 1 on replica b stops at minute 35 (evicted): its series leaves.
                    let stop = ki == 1 && instance == "b" ? start + 35 * 60 : end
                    while t < stop {
                        let silent = ki == 2 && instance == "a" && t >= start + 30 * 60 && t < start + 33 * 60
                        // Restarts of replica b: mid-minute, and on the first scrape after a minute boundary.
                        let restart = instance == "b" && (t == start + 12 * 60 + 37 || t == start + 27 * 60 + 7)
                        if restart { values = values.map { _ in 0 } }
                        let requests = Double(rng.below(4) == 0 ? 0 : 1 + rng.below(3))
                        let input = requests * Double(200 + rng.below(5000))
                        let output = requests * Double(20 + rng.below(800))
                        let spend = (input * 2.5e-6 + output * 1e-5) * (mi == 1 ? 1.2 : 1)
                        let inc = [spend, requests, input, output]
                        for c in 0..<values.count { values[c] += inc[c] }
                        if !silent {
                            for c in 0..<values.count { samples[c].append((t, values[c])) }
                        }
                        // Growth Prometheus can know: the increments of the samples inside the window (a silent
                        // sample's land in the next one, also inside). A series' first sample counts whole when it
                        // appears inside the window: its value is its growth since it began.
                        if t > windowFrom && t <= windowTo {
                            for (c, name) in PromQLFixture.counters.enumerated() {
                                for key in ["model=" + model, "feature=" + feature, "api_key=" + hash, "team=team-\(ki % 2)",
                                            "provider=" + providers[mi], "total="] {
                                    growth[name, default: [:]][key, default: 0] += inc[c]
                                }
                            }
                        }
                        t += Int64(PromQLFixture.scrape)
                    }
                    for (c, name) in PromQLFixture.counters.enumerated() {
                        series.append(Series(labels: labels, metric: name, samples: samples[c]))
                    }
                }
            }
        }
        // GPUs: util 92 % for the first half, 3 % after (idle); fixed memory and power per GPU.
        for host in ["h100-a", "h100-b"] {
            for gpu in ["0", "1"] {
                let labels = ["Hostname": host, "gpu": gpu, "UUID": "GPU-\(host)-\(gpu)", "instance": "\(host):9400"]
                var util = Series(labels: labels, metric: "DCGM_FI_DEV_GPU_UTIL")
                var used = Series(labels: labels, metric: "DCGM_FI_DEV_FB_USED")
                var free = Series(labels: labels, metric: "DCGM_FI_DEV_FB_FREE")
                var power = Series(labels: labels, metric: "DCGM_FI_DEV_POWER_USAGE")
                for t in stride(from: start + 7, to: end, by: PromQLFixture.scrape) {
                    let busy = host == "h100-a" && t < start + minutes * 30
                    util.samples.append((t, busy ? 92 : 3))
                    used.samples.append((t, gpu == "0" ? 60_000 : 1_000))
                    free.samples.append((t, gpu == "0" ? 21_920 : 80_920))
                    power.samples.append((t, busy ? 650 : 80))
                }
                gauges += [util, used, free, power]
            }
        }
        let vllmLabels = ["instance": "10.0.0.5:8000", "engine": "0", "model_name": "llama-3-70b"]
        var waiting = Series(labels: vllmLabels, metric: "vllm:num_requests_waiting")
        var kv = Series(labels: vllmLabels, metric: "vllm:kv_cache_usage_perc")
        var hits = Series(labels: vllmLabels, metric: "vllm:prefix_cache_hits")
        var queries = Series(labels: vllmLabels, metric: "vllm:prefix_cache_queries")
        var k: Double = 0
        for t in stride(from: start + 7, to: end, by: PromQLFixture.scrape) {
            waiting.samples.append((t, 4))
            kv.samples.append((t, 0.42))
            hits.samples.append((t, 300 * k))
            queries.samples.append((t, 400 * k))
            k += 1
        }
        gauges += [waiting, kv]
        series += [hits, queries]
    }

    /// The OpenMetrics text `promtool tsdb create-blocks-from openmetrics` reads: families not interleaved,
    /// each series' samples in time order, `# EOF` at the end.
    public var openMetrics: String {
        var out = ""
        var families: [(String, String, [Series])] = []
        for name in Set(series.map(\.metric)).sorted() { families.append((name, "counter", series.filter { $0.metric == name })) }
        for name in Set(gauges.map(\.metric)).sorted() { families.append((name, "gauge", gauges.filter { $0.metric == name })) }
        for (name, type, members) in families {
            out += "# TYPE \(name) \(type)\n"
            let sampleName = type == "counter" ? name + "_total" : name
            for s in members {
                let labels = s.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
                for (t, v) in s.samples { out += "\(sampleName){\(labels)} \(PromQLFixture.format(v)) \(t)\n" }
            }
        }
        return out + "# EOF\n"
    }

    public static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.17g", v)
    }

    /// Known growth of `counter` (family name) for a dimension value (`model=gpt-4o`).
    public func known(_ counter: String, _ key: String) -> Double { growth[counter]?[key] ?? 0 }
}

/// SplitMix64 (as SpendCore's demo uses): the same draws on every run.
public struct FixtureRandom {
    var state: UInt64
    public init(_ seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    /// Uniform in `0..<n`.
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
