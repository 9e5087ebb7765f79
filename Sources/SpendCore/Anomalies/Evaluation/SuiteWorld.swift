import Foundation

/// The simulated fleet one suite day runs on, drawn from its seed: 10 features (plus a sparse, expensive one)
/// with their own daily rhythm, model mix and heavy-tailed (lognormal) token sizes; thousands of API keys in a
/// Zipf tail (exponent, sizes and birth times vary by seed) that reach the expensive models; bursty minutes
/// (one factor for the whole fleet, one per feature); new keys and models appearing during the day; GPUs whose
/// utilisation follows the load. Nothing here is tuned to the detector: the ranges come from real gateway logs'
/// shapes (scripts/gen_events.py draws the same kinds of traffic).
struct SuiteWorld: Sendable {
    struct Model: Sendable {
        var name: String
        var provider: String
        /// USD per token: input, output, cache read.
        var input: Double, output: Double, cacheRead: Double
    }

    enum Shape: Sendable { case office, ci, consumer, nightly, steady, flat }

    struct Feature: Sendable {
        var name: String
        var team: String
        /// Requests per minute at the rhythm's peak (the sparse feature: per minute, flat).
        var rate: Double
        var shape: Shape
        var peak: Double, width: Double
        var models: [Int]
        var modelCum: [Double]
        var inMedian: Double, inSigma: Double, outMedian: Double, outSigma: Double
        var cacheP: Double, cacheFrac: Double
        /// Share of very long contexts (60k–300k input tokens).
        var hugeP: Double
        var errorP: Double
        /// Keys: indices into `SuiteWorld.keys`, most used first, with cumulative Zipf weights.
        var keys: [Int]
        var keyCum: [Double]
        /// Mean cost of one request (for sizing incidents against the fleet's burn).
        var costPerRequest = 0.0
        var sparse = false
    }

    /// A model a feature starts sending a small share of its calls to, from a minute of the day on.
    struct Rollout: Sendable {
        var feature: Int
        var model: Int
        var fromMinute: Int
        var share: Double
    }

    static let catalogue: [Model] = [
        Model(name: "gpt-4o", provider: "openai", input: 2.5e-6, output: 1e-5, cacheRead: 1.25e-6),
        Model(name: "gpt-4o-mini", provider: "openai", input: 1.5e-7, output: 6e-7, cacheRead: 7.5e-8),
        Model(name: "gpt-4.1-mini", provider: "openai", input: 4e-7, output: 1.6e-6, cacheRead: 1e-7),
        Model(name: "gpt-5", provider: "openai", input: 1.25e-6, output: 1e-5, cacheRead: 1.25e-7),
        Model(name: "gpt-5-mini", provider: "openai", input: 2.5e-7, output: 2e-6, cacheRead: 2.5e-8),
        Model(name: "o4-mini", provider: "openai", input: 1.1e-6, output: 4.4e-6, cacheRead: 2.75e-7),
        Model(name: "claude-sonnet-4-5", provider: "anthropic", input: 3e-6, output: 1.5e-5, cacheRead: 3e-7),
        Model(name: "claude-haiku-4-5", provider: "anthropic", input: 1e-6, output: 5e-6, cacheRead: 1e-7),
        Model(name: "claude-opus-4-1", provider: "anthropic", input: 1.5e-5, output: 7.5e-5, cacheRead: 1.5e-6),
        Model(name: "gemini-2.5-pro", provider: "google", input: 1.25e-6, output: 1e-5, cacheRead: 3.125e-7),
        Model(name: "gemini-2.5-flash", provider: "google", input: 3e-7, output: 2.5e-6, cacheRead: 7.5e-8),
        Model(name: "gemini-2.0-flash", provider: "google", input: 1e-7, output: 4e-7, cacheRead: 2.5e-8),
        // Rolled out during the day (cheap ones, so a healthy roll-out is not a new spender).
        Model(name: "gpt-5-nano", provider: "openai", input: 5e-8, output: 4e-7, cacheRead: 5e-9),
        Model(name: "gemini-2.5-flash-lite", provider: "google", input: 1e-7, output: 4e-7, cacheRead: 2.5e-8),
    ]

    static func model(_ name: String) -> Int { catalogue.firstIndex { $0.name == name }! }

    struct Template {
        var name: String, team: String, rate: Double, shape: Shape
        var models: [(String, Double)]
        var inMedian: Double, outMedian: Double
        var cacheP: Double, cacheFrac: Double, hugeP: Double
        var aliases: [String]
        var tail: Int
    }

    static let templates: [Template] = [
        Template(name: "search-rerank", team: "search", rate: 24, shape: .consumer,
                 models: [("gemini-2.0-flash", 70), ("gpt-5-mini", 10), ("gpt-4.1-mini", 20)],
                 inMedian: 1400, outMedian: 25, cacheP: 0.2, cacheFrac: 0.5, hugeP: 0, aliases: ["prod-web", "prod-api"], tail: 250),
        Template(name: "rag-search", team: "search", rate: 20, shape: .consumer,
                 models: [("gpt-4o-mini", 50), ("gemini-2.5-flash", 30), ("gpt-4.1-mini", 20)],
                 inMedian: 3000, outMedian: 220, cacheP: 0.35, cacheFrac: 0.5, hugeP: 0, aliases: ["prod-web", "prod-api"], tail: 350),
        Template(name: "support-chat", team: "support", rate: 15, shape: .consumer,
                 models: [("gpt-4o", 40), ("claude-haiku-4-5", 40), ("gpt-4o-mini", 20)],
                 inMedian: 2200, outMedian: 280, cacheP: 0.55, cacheFrac: 0.7, hugeP: 0, aliases: ["prod-web", "zendesk-bot"], tail: 250),
        Template(name: "code-review", team: "devex", rate: 10, shape: .ci,
                 models: [("claude-sonnet-4-5", 60), ("gpt-5", 25), ("gpt-4.1-mini", 15)],
                 inMedian: 7000, outMedian: 650, cacheP: 0.5, cacheFrac: 0.6, hugeP: 0.003, aliases: ["ci", "gh-app"], tail: 300),
        Template(name: "translate", team: "content", rate: 8, shape: .steady,
                 models: [("gemini-2.0-flash", 60), ("gpt-4o-mini", 40)],
                 inMedian: 700, outMedian: 750, cacheP: 0.1, cacheFrac: 0.4, hugeP: 0, aliases: ["prod-api", "localization"], tail: 200),
        Template(name: "summarizer", team: "content", rate: 7, shape: .nightly,
                 models: [("gemini-2.5-flash", 50), ("gpt-4o-mini", 30), ("gemini-2.5-pro", 20)],
                 inMedian: 9000, outMedian: 380, cacheP: 0.15, cacheFrac: 0.3, hugeP: 0.002, aliases: ["batch-etl"], tail: 80),
        Template(name: "agent-planner", team: "agents", rate: 6, shape: .office,
                 models: [("claude-sonnet-4-5", 45), ("o4-mini", 25), ("gpt-5", 15), ("claude-opus-4-1", 15)],
                 inMedian: 14000, outMedian: 900, cacheP: 0.75, cacheFrac: 0.8, hugeP: 0.006,
                 aliases: ["agents-prod", "agents-eval"], tail: 500),
        Template(name: "email-draft", team: "growth", rate: 4, shape: .office,
                 models: [("gpt-4o", 50), ("claude-haiku-4-5", 50)],
                 inMedian: 650, outMedian: 380, cacheP: 0.1, cacheFrac: 0.5, hugeP: 0,
                 aliases: ["prod-web", "mobile-ios", "mobile-android"], tail: 400),
        Template(name: "sql-copilot", team: "data", rate: 3, shape: .office,
                 models: [("gpt-5", 40), ("claude-sonnet-4-5", 40), ("gpt-5-mini", 20)],
                 inMedian: 4500, outMedian: 300, cacheP: 0.6, cacheFrac: 0.7, hugeP: 0, aliases: ["internal-tools"], tail: 300),
        Template(name: "onboarding-bot", team: "growth", rate: 2, shape: .consumer,
                 models: [("claude-haiku-4-5", 70), ("gpt-4o-mini", 30)],
                 inMedian: 1800, outMedian: 250, cacheP: 0.5, cacheFrac: 0.6, hugeP: 0, aliases: ["prod-web"], tail: 200),
    ]

    var features: [Feature]
    var keys: [String]
    /// Minute of the day a key makes its first call (0: known from the start).
    var keyBirth: [Int]
    var rollouts: [Rollout]
    var gpus: [(node: String, gpu: String, offset: Double)]
    var gpuIntervalMs: Int64
    var burstSigma: Double, featureSigma: Double
    var zipf: Double
    var sparseFeature: Int

    /// Draws a world from `seed`.
    init(seed: UInt64) {
        var rng = SuiteRandom(seed: seed ^ 0x5EED_0F_F1EE7)
        zipf = rng.uniform(1.1, 1.5)
        burstSigma = rng.uniform(0.05, 0.14)
        featureSigma = rng.uniform(0.08, 0.18)
        // Fleet size: requests per minute at the busiest hour.
        let fleetPeak = exp(rng.uniform(log(350.0), log(1100.0)))
        var keys: [String] = []
        var birth: [Int] = []
        var aliasIndex: [String: Int] = [:]
        func alias(_ name: String) -> Int {
            if let i = aliasIndex[name] { return i }
            keys.append(name)
            birth.append(0)
            aliasIndex[name] = keys.count - 1
            return keys.count - 1
        }
        var features: [Feature] = []
        let weightSum = SuiteWorld.templates.reduce(0) { $0 + $1.rate }
        for t in SuiteWorld.templates {
            let shapeJitter = rng.uniform(-2, 2)
            let widthJitter = rng.uniform(0.75, 1.3)
            let rate = t.rate / weightSum * fleetPeak * rng.uniform(0.6, 1.6)
            let ms = t.models.map { SuiteWorld.model($0.0) }
            var cum: [Double] = []
            var acc = 0.0
            for (_, w) in t.models { acc += w * rng.uniform(0.7, 1.3); cum.append(acc) }
            var fkeys = t.aliases.map(alias)
            let tail = Int(Double(t.tail) * rng.uniform(0.7, 1.3))
            for r in 0..<tail {
                keys.append("sk-proj-" + rng.token(24))
                // Most tail keys exist from the start; some in the deep tail make their first call during the day.
                birth.append(r >= 40 && rng.uniform() < 0.15 ? 60 + rng.int(1300) : 0)
                fkeys.append(keys.count - 1)
            }
            // Aliases carry the head of the distribution; the tail follows rank^-zipf after them.
            var kc: [Double] = []
            var k = 0.0
            for r in 0..<fkeys.count { k += 1 / pow(Double(r + 1), zipf); kc.append(k) }
            let sigmaIn = rng.uniform(0.55, 0.8), sigmaOut = rng.uniform(0.5, 0.75)
            features.append(Feature(name: t.name, team: t.team, rate: rate, shape: t.shape, peak: shapeJitter, width: widthJitter,
                                    models: ms, modelCum: cum, inMedian: t.inMedian * rng.uniform(0.8, 1.25), inSigma: sigmaIn,
                                    outMedian: t.outMedian * rng.uniform(0.8, 1.25), outSigma: sigmaOut,
                                    cacheP: t.cacheP, cacheFrac: t.cacheFrac, hugeP: t.hugeP,
                                    errorP: rng.uniform(0.01, 0.03), keys: fkeys, keyCum: kc))
        }
        // The sparse, expensive feature: about one long opus or gemini-pro call a minute, all day.
        let research = [alias("research-svc")] + (0..<30).map { _ -> Int in
            keys.append("sk-proj-" + rng.token(24)); birth.append(0); return keys.count - 1 }
        var rc: [Double] = []
        var racc = 0.0
        for r in 0..<research.count { racc += 1 / pow(Double(r + 1), 1.6); rc.append(racc) }
        features.append(Feature(name: "deep-research", team: "research", rate: rng.uniform(0.6, 1.5), shape: .flat, peak: 0,
                                width: 1, models: [SuiteWorld.model("claude-opus-4-1"), SuiteWorld.model("gemini-2.5-pro")],
                                modelCum: [70, 100], inMedian: 30_000, inSigma: rng.uniform(0.6, 0.8), outMedian: 2_500,
                                outSigma: 0.6, cacheP: 0.3, cacheFrac: 0.5, hugeP: 0, errorP: 0.02, keys: research,
                                keyCum: rc, sparse: true))
        sparseFeature = features.count - 1
        self.keys = keys
        keyBirth = birth
        // One or two cheap models rolled out to a small share of one feature's calls.
        var rollouts: [Rollout] = []
        let fresh = [SuiteWorld.model("gpt-5-nano"), SuiteWorld.model("gemini-2.5-flash-lite")]
        let first = rng.int(2)
        for k in 0..<(1 + rng.int(2)) {
            rollouts.append(Rollout(feature: rng.int(SuiteWorld.templates.count), model: fresh[(first + k) % 2],
                                    fromMinute: 120 + rng.int(1200), share: rng.uniform(0.03, 0.1)))
        }
        self.rollouts = rollouts
        gpus = (0..<8).map { i in (i < 4 ? "h100-a" : "h100-b", String(i % 4), rng.uniform(-6, 6)) }
        gpuIntervalMs = rng.uniform() < 0.7 ? 15_000 : 30_000
        self.features = features
        var costRng = SuiteRandom(seed: seed ^ 0xC057)
        for i in self.features.indices { self.features[i].costPerRequest = meanCost(i, &costRng) }
    }

    static func bell(_ hour: Double, _ centre: Double, _ width: Double) -> Double {
        var d = abs(hour - centre).truncatingRemainder(dividingBy: 24)
        d = min(d, 24 - d)
        return exp(-0.5 * (d / width) * (d / width))
    }

    /// The feature's request rate at an hour of the day, relative to its peak rate.
    func rhythm(_ f: Feature, hour h: Double) -> Double {
        let w = f.width, p = f.peak
        switch f.shape {
        case .office: return (0.12 + SuiteWorld.bell(h, 15 + p, 4 * w)) / 1.12
        case .ci: return (0.05 + SuiteWorld.bell(h, 15.5 + p, 3.5 * w)) / 1.05
        case .consumer: return (0.35 + 0.8 * SuiteWorld.bell(h, 19 + p, 5 * w)) / 1.15
        case .nightly: return (0.25 + 1.6 * SuiteWorld.bell(h, 2 + p, 1.5 * w)) / 1.85
        case .steady: return (0.6 + 0.4 * SuiteWorld.bell(h, 16 + p, 6 * w))
        case .flat: return 1
        }
    }

    func expectedRequests(_ f: Int, minute: Int) -> Double {
        features[f].rate * rhythm(features[f], hour: Double(minute % 1440) / 60)
    }

    func expectedFleetSpend(minute: Int) -> Double {
        features.indices.reduce(0) { $0 + expectedRequests($1, minute: minute) * features[$1].costPerRequest }
    }

    func expectedFleetRequests(minute: Int) -> Double {
        features.indices.reduce(0) { $0 + expectedRequests($1, minute: minute) }
    }

    /// The load the GPUs follow, 0–1 (the fleet's requests against its busiest minute).
    func load(minute: Int) -> Double {
        let peak = (0..<48).map { expectedFleetRequests(minute: $0 * 30) }.max() ?? 1
        return expectedFleetRequests(minute: minute) / max(peak, 1e-9)
    }

    /// One request's tokens: (input, output, cache read), lognormal around the feature's medians, with rare
    /// very long contexts.
    func tokens(_ f: Feature, _ rng: inout SuiteRandom, inputScale: Double = 1, cacheScale: Double = 1)
        -> (Int64, Int64, Int64) {
        var input = f.inMedian * rng.logNormal(f.inSigma)
        if f.hugeP > 0 && rng.uniform() < f.hugeP { input = 60_000 + rng.uniform() * 240_000 }
        input *= inputScale
        let output = f.outMedian * rng.logNormal(f.outSigma)
        var cache = 0.0
        if rng.uniform() < f.cacheP { cache = input * min(1, f.cacheFrac * cacheScale) * rng.uniform(0.6, 1) }
        let i = Int64(input) + 1
        return (i, Int64(output) + 1, min(Int64(cache), i))
    }

    static func cost(_ m: Model, input: Int64, output: Int64, cache: Int64) -> Double {
        let raw = Double(input - cache) * m.input + Double(cache) * m.cacheRead + Double(output) * m.output
        return (raw * 1e9).rounded() / 1e9
    }

    func meanCost(_ fi: Int, _ rng: inout SuiteRandom) -> Double {
        let f = features[fi]
        var total = 0.0
        let n = 3000
        for _ in 0..<n {
            let m = SuiteWorld.catalogue[f.models[rng.pick(f.modelCum)]]
            let (i, o, c) = tokens(f, &rng)
            total += SuiteWorld.cost(m, input: i, output: o, cache: c)
        }
        return total / Double(n)
    }
}
