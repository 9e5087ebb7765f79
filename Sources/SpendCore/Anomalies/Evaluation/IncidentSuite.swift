import Foundation

/// The labelled incident suite: deterministic simulated traffic (four features with their own daily rhythm,
/// a long tail of sparse keys, four GPUs) with injected incidents of six kinds and three sizes, plus clean
/// days. `make bench-anomaly` and the guard test score the detector on it (docs/anomalies.md).
public struct IncidentSuite: Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        case keySpike = "key_spike", retryStorm = "retry_storm", cacheCollapse = "cache_collapse"
        case errorBurst = "error_burst", gpuDrop = "gpu_drop", slowRamp = "slow_ramp"
    }

    /// One injected incident and its ground truth.
    public struct Incident: Sendable {
        public var kind: Kind
        /// 0 small, 1 medium, 2 large.
        public var size: Int
        public var startMs: Int64
        public var endMs: Int64
        public var target: String
    }

    public struct Scenario: Sendable {
        public var seed: UInt64
        public var days: Int
        public var incidents: [Incident]
        public var startMs: Int64
    }

    public var scenarios: [Scenario]

    static let epoch: Int64 = Int64(Timestamp.daysFromCivil(2026, 11, 2)) * 86_400_000

    /// `incidentScenarios` scenarios of `days` days with incidents on every day after the first (the first is
    /// clean history), and `cleanScenarios` clean ones. Kinds and sizes go round-robin across the suite.
    public static func standard(incidentScenarios: Int, cleanScenarios: Int, days: Int = 2, perDay: Int = 9) -> IncidentSuite {
        var out: [Scenario] = []
        var j = 0
        for s in 0..<incidentScenarios {
            var rng = SuiteRandom(seed: UInt64(1000 + s))
            let start = epoch + Int64(s) * 7 * 86_400_000
            var incidents: [Incident] = []
            for day in 1..<max(days, 2) {
                for k in 0..<perDay {
                    let kind = Kind.allCases[j % Kind.allCases.count]
                    let size = (j / Kind.allCases.count) % 3
                    j += 1
                    let slot = 1440 / perDay
                    let minute = Int64(day * 1440 + k * slot + 20 + rng.int(max(1, slot - 110)))
                    let duration: Int64 = kind == .slowRamp ? 75 : 30
                    let targets: [String]
                    switch kind {
                    case .keySpike, .retryStorm, .slowRamp: targets = ["support-chat", "agent-planner", "code-review"]
                    case .cacheCollapse: targets = ["support-chat", "code-review"]
                    case .errorBurst: targets = ["gpt-4o", "claude-sonnet-4-5"]
                    case .gpuDrop: targets = ["0", "1", "2", "3"]
                    }
                    incidents.append(Incident(kind: kind, size: size, startMs: start + minute * 60_000,
                                              endMs: start + (minute + duration) * 60_000,
                                              target: targets[rng.int(targets.count)]))
                }
            }
            out.append(Scenario(seed: UInt64(s + 1), days: max(days, 2), incidents: incidents, startMs: start))
        }
        for c in 0..<cleanScenarios {
            out.append(Scenario(seed: UInt64(500 + c), days: days, incidents: [],
                                startMs: epoch + Int64(incidentScenarios + c) * 7 * 86_400_000))
        }
        return IncidentSuite(scenarios: out)
    }

    struct Feature {
        var name: String
        var rate: Double
        var peakHour: Double
        var width: Double
        var floor: Double
        var model: Int
        var cacheFraction: Double
        var keys: [String]
    }

    struct Model {
        var name: String
        var provider: String
        var input: Double, output: Double, cacheRead: Double
    }

    static let models = [
        Model(name: "gpt-4o", provider: "openai", input: 2.5e-6, output: 10e-6, cacheRead: 1.25e-6),
        Model(name: "claude-sonnet-4-5", provider: "anthropic", input: 3e-6, output: 15e-6, cacheRead: 0.3e-6),
        Model(name: "gemini-2.0-flash", provider: "google", input: 0.1e-6, output: 0.4e-6, cacheRead: 0.025e-6),
        Model(name: "claude-opus-4-1", provider: "anthropic", input: 15e-6, output: 75e-6, cacheRead: 1.5e-6),
    ]

    static let features = [
        Feature(name: "support-chat", rate: 16, peakHour: 14, width: 5, floor: 0.35, model: 0, cacheFraction: 0.6,
                keys: ["prod-web", "prod-web", "prod-api", "mobile"]),
        Feature(name: "agent-planner", rate: 6, peakHour: 11, width: 4, floor: 0.4, model: 1, cacheFraction: 0.4,
                keys: ["agents", "agents", "prod-api"]),
        Feature(name: "rag-search", rate: 24, peakHour: 20, width: 5, floor: 0.3, model: 2, cacheFraction: 0.3,
                keys: ["prod-web", "search-svc"]),
        Feature(name: "code-review", rate: 8, peakHour: 13, width: 3, floor: 0.45, model: 1, cacheFraction: 0.55,
                keys: ["ci"]),
    ]

    static func shape(_ hour: Double, peak: Double, width: Double, floor: Double) -> Double {
        var d = abs(hour - peak)
        d = min(d, 24 - d)
        return floor + (1 - floor) * exp2(-(d / width) * (d / width) * 1.44)
    }

    /// Feeds one scenario's events and GPU samples into the rollup, minute by minute.
    public static func generate(_ sc: Scenario, into rollup: Rollup) {
        var rng = SuiteRandom(seed: sc.seed)
        let tail = (0..<40).map { i in "sk-proj-tail\(i)x\(sc.seed)Qm7ZpL2wV9nR4tY8" }
        let runaway = "sk-runaway-\(sc.seed)K3vQ9mZxT7pLw2Rn"
        for t in 0..<Int64(sc.days * 1440) {
            let minuteMs = sc.startMs + t * 60_000
            let hour = Double(t % 1440) / 60
            let active = sc.incidents.filter { minuteMs >= $0.startMs && minuteMs < $0.endMs }
            func emit(_ f: Feature, model: Int, key: String, cacheFraction: Double, errorP: Double, retry: Int) {
                let m = models[model]
                let input = Int64(2000 * rng.logNormal(0.5))
                let output = Int64(300 * rng.logNormal(0.6))
                let cache = min(input, Int64(Double(input) * cacheFraction * (0.85 + 0.3 * rng.uniform())))
                let isError = rng.uniform() < errorP
                let out = isError ? 0 : output
                let cost = Double(input - cache) * m.input + Double(cache) * m.cacheRead + Double(out) * m.output
                let ev = SpendEvent(timestampMs: minuteMs + Int64(rng.int(60_000)), feature: f.name, apiKey: key,
                                    team: "team-" + f.name.prefix(4), provider: m.provider, model: m.name,
                                    usage: TokenUsage(input: input, output: out, cacheRead: cache),
                                    costUSD: cost, latencyMs: 400 + 1200 * rng.uniform(), isError: isError, retry: retry)
                rollup.ingest(ev)
            }
            for f in features {
                var rate = f.rate * shape(hour, peak: f.peakHour, width: f.width, floor: f.floor)
                var cacheFraction = f.cacheFraction
                var retryP = 0.0
                for inc in active where inc.target == f.name {
                    let into = Double(minuteMs - inc.startMs) / 60_000
                    switch inc.kind {
                    case .slowRamp:
                        let top = [2.0, 3.0, 5.0][inc.size]
                        rate *= 1 + (top - 1) * min(into / 45, 1)
                    case .cacheCollapse: cacheFraction = [0.3, 0.15, 0.02][inc.size]
                    case .retryStorm: retryP = [0.3, 0.5, 0.7][inc.size]
                    case .keySpike:
                        for _ in 0..<rng.poisson([1.0, 3.0, 8.0][inc.size]) {
                            emit(f, model: 3, key: runaway, cacheFraction: 0.1, errorP: 0.01, retry: 0)
                        }
                    default: break
                    }
                }
                for _ in 0..<rng.poisson(rate) {
                    let model = rng.uniform() < 0.85 ? f.model : (f.model + 1) % 3
                    var errorP = 0.02
                    for inc in active where inc.kind == .errorBurst && inc.target == models[model].name {
                        errorP = [0.2, 0.35, 0.6][inc.size]
                    }
                    let key = f.keys[rng.int(f.keys.count)]
                    if retryP > 0 && rng.uniform() < retryP {
                        // The first attempt fails, then retries until one succeeds (at most three).
                        emit(f, model: model, key: key, cacheFraction: cacheFraction, errorP: 1, retry: 0)
                        var attempt = 1
                        while attempt <= 3 {
                            let fail = rng.uniform() < retryP * 0.6
                            emit(f, model: model, key: key, cacheFraction: cacheFraction, errorP: fail ? 1 : 0, retry: attempt)
                            if !fail { break }
                            attempt += 1
                        }
                        continue
                    }
                    let isRetry = rng.uniform() < 0.01
                    emit(f, model: model, key: key, cacheFraction: cacheFraction, errorP: errorP, retry: isRetry ? 1 : 0)
                }
            }
            if rng.uniform() < 0.5 {
                emit(features[rng.int(features.count)], model: 0, key: tail[rng.int(tail.count)], cacheFraction: 0.3, errorP: 0.05, retry: 0)
            }
            let load = features.reduce(0.0) { $0 + shape(hour, peak: $1.peakHour, width: $1.width, floor: $1.floor) } / Double(features.count)
            for g in 0..<4 {
                var util = min(100, max(0, 20 + 60 * load + rng.normal() * 4))
                for inc in active where inc.kind == .gpuDrop && inc.target == String(g) { util = [25.0, 10, 0][inc.size] + rng.uniform() * 3 }
                rollup.ingest(GPUSample(timestampMs: minuteMs + 1_000 + Int64(g) * 100, node: "h100-sim", gpu: String(g),
                                        utilPct: util, memUsedMB: 70_000, memTotalMB: 81_920, powerW: 150 + 4 * util,
                                        queueDepth: Double(rng.int(3))))
            }
        }
    }
}

/// SplitMix64: small, fast and the same on every platform, so the suite is reproducible byte for byte.
struct SuiteRandom {
    var state: UInt64
    init(seed: UInt64) {
        // Mix the seed first: with the raw seed, seed n+1's stream would be seed n's shifted by one draw.
        state = (seed &+ 0x632B_E59B_D9B4_E019) &* 0xD1B5_4A32_D192_ED03
        state = next() ^ 0x8CB9_2BA7_2F3D_8DD7
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }

    mutating func normal() -> Double {
        let u = max(uniform(), 1e-12), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    mutating func logNormal(_ sigma: Double) -> Double { exp(sigma * normal() - sigma * sigma / 2) }

    mutating func poisson(_ lambda: Double) -> Int {
        if lambda <= 0 { return 0 }
        if lambda > 30 { return max(0, Int((lambda + lambda.squareRoot() * normal()).rounded())) }
        let l = exp(-lambda)
        var k = 0
        var p = 1.0
        repeat {
            k += 1
            p *= uniform()
        } while p > l
        return k - 1
    }
}
