/// Simulated gateway traffic for `spendtop demo`: several features, many keys, models and GPUs,
/// with scripted incidents in the first minutes after `startMs`. Pure and deterministic: the
/// events of a second depend only on the seed and how far that second is from `startMs`, however the
/// time range is cut, so every run with the same seed shows the same traffic and the same alerts.
public struct DemoTraffic: Sendable {
    public struct Options: Sendable {
        public var seed: UInt64 = 7
        /// Requests per simulated second in normal traffic (incidents add to it).
        public var eventsPerSecond: Double = 12
        /// Distinct API keys (a few aliases, the rest secret-looking keys).
        public var keys: Int = 400
        public init() {}
    }

    /// One scripted incident: when it runs (minutes after the start) and what it does.
    public struct Incident: Sendable, Equatable {
        public var name: String
        public var startMinute: Int
        public var endMinute: Int
        public var summary: String
    }

    public static let incidents: [Incident] = [
        Incident(name: "idle-gpu", startMinute: 1, endMinute: 10_000, summary: "GPU h100-b:2 drops to ~2% utilisation and stays idle"),
        Incident(name: "retry-storm", startMinute: 2, endMinute: 9, summary: "agent-planner retries in a loop: 5× requests, 35% errors"),
        Incident(name: "key-spend-jump", startMinute: 4, endMinute: 10_000, summary: "one key starts sending long claude-sonnet-4-5 prompts and becomes the top spender"),
        Incident(name: "cache-collapse", startMinute: 6, endMinute: 20, summary: "support-chat's prompt cache hit ratio falls from ~60% to ~4%"),
    ]

    /// The raw key of the spend-jump incident (only its masked form `sk-…7f3a` is ever shown).
    public static let jumpKey = "sk-proj-DemoJumpKey9Q2xLmN4pRtVwYz7f3a"
    public static let idleGPU = (node: "h100-b", gpu: "2")
    /// The demo's price of a GPU-hour (it reads no config), so the idle GPU has a cost and a saving.
    public static let gpuHourlyUSD = 2.49
    /// Features the savings advisor finds something in by design: batch-eligible work, and a frontier
    /// model answering in a few tokens (its own random stream, so the rest of the traffic is unchanged).
    public static let batchEligibleFeature = "doc-summarize"
    public static let triageFeature = "ticket-triage"

    struct FeatureProfile {
        var name: String
        var weight: Double
        var models: [String]
        var input: Double
        var output: Double
        var cacheRatio: Double
        var team: String
    }

    static let features: [FeatureProfile] = [
        FeatureProfile(name: "support-chat", weight: 0.30, models: ["claude-sonnet-4-5", "gpt-4o-mini"], input: 3200, output: 350, cacheRatio: 0.6, team: "support"),
        FeatureProfile(name: "rag-search", weight: 0.22, models: ["gpt-4o-mini", "gemini-2.0-flash"], input: 2400, output: 120, cacheRatio: 0.35, team: "search"),
        FeatureProfile(name: "code-review", weight: 0.12, models: ["claude-sonnet-4-5", "gpt-4.1"], input: 9000, output: 900, cacheRatio: 0.55, team: "devex"),
        FeatureProfile(name: "agent-planner", weight: 0.08, models: ["gpt-4o", "claude-sonnet-4-5"], input: 5200, output: 700, cacheRatio: 0.4, team: "agents"),
        FeatureProfile(name: "search-rerank", weight: 0.12, models: ["gemini-2.0-flash"], input: 1500, output: 40, cacheRatio: 0.1, team: "search"),
        FeatureProfile(name: "doc-summarize", weight: 0.08, models: ["claude-haiku-4-5", "gpt-4o-mini"], input: 7000, output: 500, cacheRatio: 0.2, team: "docs"),
        FeatureProfile(name: "sql-assist", weight: 0.05, models: ["gpt-4.1-mini", "ft-sql-7b"], input: 1800, output: 200, cacheRatio: 0.3, team: "data"),
        FeatureProfile(name: "email-draft", weight: 0.03, models: ["gpt-4o-mini"], input: 900, output: 300, cacheRatio: 0.05, team: "growth"),
    ]

    static let gpus: [(String, String)] = (0..<4).map { ("h100-a", "\($0)") } + (0..<4).map { ("h100-b", "\($0)") }

    public let startMs: Int64
    public let options: Options
    let keyNames: [String]

    public init(startMs: Int64, options: Options = Options()) {
        self.startMs = startMs
        self.options = options
        let aliases = ["prod-web", "prod-mobile", "ci", "batch-jobs", "team-search", "staging"]
        var keys = aliases
        var rng = SplitMix(options.seed &* 31 &+ 1)
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789")
        while keys.count < max(options.keys, aliases.count) {
            keys.append("sk-proj-" + String((0..<32).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }))
        }
        keyNames = keys
    }

    public func isActive(_ name: String, atMs ms: Int64) -> Bool {
        guard let i = DemoTraffic.incidents.first(where: { $0.name == name }) else { return false }
        let minute = Double(ms - startMs) / 60_000
        return minute >= Double(i.startMinute) && minute < Double(i.endMinute)
    }

    /// Requests whose time falls in `[fromMs, toMs)`, in time order.
    public func events(fromMs: Int64, toMs: Int64) -> [SpendEvent] {
        guard toMs > fromMs else { return [] }
        var out: [SpendEvent] = []
        // Seconds are counted from the start, so the traffic does not depend on the wall clock.
        var second = DemoTraffic.floorDiv(fromMs - startMs, 1000)
        while startMs + second * 1000 < toMs {
            for e in eventsOf(second: second) where e.timestampMs >= fromMs && e.timestampMs < toMs { out.append(e) }
            second += 1
        }
        return out.sorted { $0.timestampMs < $1.timestampMs }
    }

    /// One reading per GPU every 10 seconds in `[fromMs, toMs)`.
    public func gpuSamples(fromMs: Int64, toMs: Int64) -> [GPUSample] {
        var out: [GPUSample] = []
        var t = startMs + DemoTraffic.floorDiv(fromMs - startMs + 9_999, 10_000) * 10_000
        while t < toMs {
            var rng = SplitMix.keyed(options.seed ^ 0x6770_7573, UInt64(bitPattern: t - startMs))
            for (node, gpu) in DemoTraffic.gpus {
                let idle = node == DemoTraffic.idleGPU.node && gpu == DemoTraffic.idleGPU.gpu && isActive("idle-gpu", atMs: t)
                let util = idle ? 1 + rng.unit() * 2 : 55 + rng.unit() * 35
                out.append(GPUSample(timestampMs: t, node: node, gpu: gpu, utilPct: (util * 10).rounded() / 10,
                                     memUsedMB: idle ? 2048 : 70_000 + rng.unit() * 8000, memTotalMB: 81_920,
                                     powerW: idle ? 70 : 300 + util * 3, queueDepth: idle ? 0 : (rng.unit() * 6).rounded()))
            }
            t += 10_000
        }
        return out
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// The events of the `second`-th second after the start (negative: history before it).
    func eventsOf(second: Int64) -> [SpendEvent] {
        var rng = SplitMix.keyed(options.seed, UInt64(bitPattern: second))
        let ms0 = startMs + second * 1000
        // A gentle wave so that charts have a shape even without incidents.
        let wave = 1 + 0.25 * Self.sine(Double(second % 1800) / 1800)
        let rate = options.eventsPerSecond * wave
        var n = Int(rate)
        if rng.unit() < rate - Double(n) { n += 1 }
        var out: [SpendEvent] = []
        out.reserveCapacity(n + 8)
        for i in 0..<n { out.append(normalEvent(&rng, ms: ms0 + Int64(rng.next() % 1000), serial: i, second: second)) }
        if isActive("retry-storm", atMs: ms0) {
            let extra = Int((options.eventsPerSecond * 0.08 * 4).rounded(.up))
            for i in 0..<extra {
                var e = normalEvent(&rng, ms: ms0 + Int64(rng.next() % 1000), serial: 1000 + i, second: second, feature: 3)
                e.retry = 1 + Int(rng.next() % 4)
                e.isError = rng.unit() < 0.35
                out.append(e)
            }
        }
        // One long prompt every other second: the key goes from nothing to the top spender.
        if isActive("key-spend-jump", atMs: ms0) && second % 2 == 0 {
            let extra = max(1, Int((options.eventsPerSecond / 12).rounded()))
            for i in 0..<extra {
                var e = normalEvent(&rng, ms: ms0 + Int64(rng.next() % 1000), serial: 2000 + i, second: second, feature: 2)
                e.apiKey = DemoTraffic.jumpKey
                e.model = "claude-sonnet-4-5"
                e.provider = "anthropic"
                e.usage = TokenUsage(input: 40_000 + Int64(rng.next() % 20_000), output: 1_500 + Int64(rng.next() % 1000))
                out.append(e)
            }
        }
        if let e = triageEvent(second: second) { out.append(e) }
        return out
    }

    /// About one request every two seconds: short classifications on gpt-4o (a right_size opportunity).
    func triageEvent(second: Int64) -> SpendEvent? {
        var rng = SplitMix(options.seed ^ 0x7417_A6E0 &+ UInt64(bitPattern: second) &* 0xD6E8_FEB8_6659_FD93)
        guard rng.unit() < options.eventsPerSecond / 24 else { return nil }
        let ms = second * 1000 + Int64(rng.next() % 1000)
        let key = keyNames[min(keyNames.count - 1, Int(Double(keyNames.count) * pow3(rng.unit())))]
        let output = 15 + Int64(rng.next() % 30)
        return SpendEvent(timestampMs: ms, requestID: "demo-\(second)-3000", feature: DemoTraffic.triageFeature,
                          apiKey: key,
                          team: "support", user: "u\(1000 + rng.next() % 500)", provider: "openai", model: "gpt-4o",
                          gateway: "gw-demo", usage: TokenUsage(input: 800 + Int64(rng.next() % 800), output: output),
                          latencyMs: 250 + Double(output) * 12, ttftMs: 150 + rng.unit() * 100,
                          isError: rng.unit() < 0.01)
    }

    func pow3(_ u: Double) -> Double { u * u * u }

    func normalEvent(_ rng: inout SplitMix, ms: Int64, serial: Int, second: Int64, feature forced: Int? = nil) -> SpendEvent {
        let f: FeatureProfile
        if let forced { f = DemoTraffic.features[forced] } else {
            var r = rng.unit(), idx = 0
            for (i, p) in DemoTraffic.features.enumerated() { r -= p.weight; if r <= 0 { idx = i; break }; idx = i }
            f = DemoTraffic.features[idx]
        }
        let model = f.models[Int(rng.next() % UInt64(f.models.count))]
        // Skewed key choice: a few keys carry most traffic, as in real fleets.
        let u = rng.unit()
        let key = keyNames[min(keyNames.count - 1, Int(Double(keyNames.count) * u * u * u))]
        let input = Int64(f.input * (0.4 + rng.unit() * 1.2))
        let output = Int64(f.output * (0.4 + rng.unit() * 1.2))
        var ratio = f.cacheRatio
        if f.name == "support-chat" && isActive("cache-collapse", atMs: ms) { ratio = 0.04 }
        let cacheRead = Int64(Double(input) * ratio * (0.8 + rng.unit() * 0.4))
        let provider = model.hasPrefix("claude") ? "anthropic" : model.hasPrefix("gemini") ? "google" : model.hasPrefix("ft-") ? "self-hosted" : "openai"
        let isError = rng.unit() < 0.01
        var e = SpendEvent(timestampMs: ms, requestID: "demo-\(second)-\(serial)", feature: f.name, apiKey: key, team: f.team,
                          user: "u\(1000 + rng.next() % 500)", provider: provider, model: model, gateway: "gw-demo",
                          usage: TokenUsage(input: input, output: output, cacheRead: min(cacheRead, input)),
                          latencyMs: 300 + rng.unit() * Double(output) * 4, ttftMs: 150 + rng.unit() * 300,
                          isError: isError, retry: rng.unit() < 0.005 ? 1 : 0, gatewayCacheHit: rng.unit() < 0.05)
        e.batchEligible = f.name == DemoTraffic.batchEligibleFeature
        return e
    }

    /// sin(2πx) without Foundation, accurate enough for a traffic wave.
    static func sine(_ x: Double) -> Double {
        var t = x - x.rounded(.down)
        t = t * 2 * Double.pi
        if t > Double.pi { t -= 2 * Double.pi }
        var term = t, sum = t
        for k in 1...7 { term *= -t * t / Double((2 * k) * (2 * k + 1)); sum += term }
        return sum
    }
}

/// A small, fast deterministic generator (SplitMix64).
struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }

    /// A stream for (seed, index) that shares nothing with its neighbours: seeding with `seed + index·γ`
    /// would make index n+1's stream index n's shifted by one draw (SplitMix advances by γ per draw).
    static func keyed(_ seed: UInt64, _ index: UInt64) -> SplitMix {
        var a = SplitMix(seed)
        var b = SplitMix(index ^ 0xD6E8_FEB8_6659_FD93)
        return SplitMix(a.next() ^ b.next())
    }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
