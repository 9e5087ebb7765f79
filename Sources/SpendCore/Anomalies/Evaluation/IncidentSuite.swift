import Foundation

/// The labelled incident suite: simulated days of a realistic fleet (`SuiteWorld`) with injected incidents of
/// nine kinds at three sizes, and clean days. `make bench-anomaly` and the guard test score the detector on
/// it; `spendtop bench-anomaly --write-day` writes a day as JSONL with its labels, so the same day can be
/// judged through `spendtop export DAY.jsonl --view alerts --window all` (docs/anomalies.md).
public struct IncidentSuite: Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        case retryStorm = "retry_storm", keySpike = "key_spike", newSpender = "new_spender"
        case cacheCollapse = "cache_collapse", errorBurst = "error_burst", providerErrors = "provider_errors"
        case slowRamp = "slow_ramp", sparseJump = "sparse_jump", gpuIdle = "gpu_idle"

        /// Minutes after its start by which an incident must be alerted (slow ramps build up).
        public var deadlineMinutes: Int64 { self == .slowRamp ? 15 : 5 }
    }

    /// One injected incident and its ground truth.
    public struct Incident: Sendable {
        public var kind: Kind
        /// 0 small, 1 medium, 2 large.
        public var size: Int
        public var startMs: Int64
        public var endMs: Int64
        /// The scope an alert must name: `feature=…`, `api_key=sk-…a1b2` (masked), `model=…`, `provider=…`, `gpu=…`.
        public var target: String
        /// What was injected, for reading.
        public var detail: String
        // Generator parameters.
        var feature = 0, model = 0, key = 0, gpu = 0
        var magnitude = 0.0, rampMinutes = 0.0
        var provider = ""
    }

    public struct Scenario: Sendable {
        public var seed: UInt64
        public var days: Int
        public var startMs: Int64
        public var incidents: [Incident]
        /// Scales every feature's traffic (smaller days for quick tests).
        public var trafficScale: Double
        var world: SuiteWorld
        /// New keys of new-spender incidents (appended to the world's keys).
        var extraKeys: [String] = []
    }

    public var scenarios: [Scenario]

    static let epoch: Int64 = Int64(Timestamp.daysFromCivil(2026, 11, 2)) * 86_400_000

    /// Seeds the detector was developed on, and seeds kept out of that work (reported separately).
    public static let tunedSeeds: ClosedRange<UInt64> = 1...40
    public static let tunedCleanSeeds: ClosedRange<UInt64> = 101...124
    public static let heldOutSeeds: ClosedRange<UInt64> = 1001...1040
    public static let heldOutCleanSeeds: ClosedRange<UInt64> = 2001...2024

    /// Incident days (one day each, no history before: as a file a new user exports) and clean days.
    public static func make(incidentSeeds: [UInt64], cleanSeeds: [UInt64], perDay: Int = 7, trafficScale: Double = 1,
                            days: Int = 1) -> IncidentSuite {
        var out: [Scenario] = []
        for seed in incidentSeeds {
            out.append(scenario(seed: seed, incidents: perDay, trafficScale: trafficScale, days: days))
        }
        for seed in cleanSeeds { out.append(scenario(seed: seed, incidents: 0, trafficScale: trafficScale, days: days)) }
        return IncidentSuite(scenarios: out)
    }

    public static func standard(heldOut: Bool = false, incidentDays: Int? = nil, cleanDays: Int? = nil) -> IncidentSuite {
        let inc = Array(heldOut ? heldOutSeeds : tunedSeeds), clean = Array(heldOut ? heldOutCleanSeeds : tunedCleanSeeds)
        return make(incidentSeeds: Array(inc.prefix(incidentDays ?? inc.count)), cleanSeeds: Array(clean.prefix(cleanDays ?? clean.count)))
    }

    /// One day drawn from `seed`, with `incidents` incidents. Kinds and sizes rotate with the seed, so
    /// consecutive seeds cover every kind at every size, and a day depends on nothing but its seed.
    public static func scenario(seed: UInt64, incidents count: Int, trafficScale: Double = 1, days: Int = 1) -> Scenario {
        let rotation = Int(seed % 10_000) * count
        var world = SuiteWorld(seed: seed)
        if trafficScale != 1 { for i in world.features.indices where !world.features[i].sparse { world.features[i].rate *= trafficScale } }
        let start = epoch + Int64(seed % 400) * 86_400_000
        var sc = Scenario(seed: seed, days: days, startMs: start, incidents: [], trafficScale: trafficScale, world: world)
        guard count > 0 else { return sc }
        var rng = SuiteRandom(seed: seed &* 7919 &+ 17)
        let day0 = (days - 1) * 1440
        // Slots across the day after a warm-up hour, one incident in each.
        let first = 70, last = 1440 - 100
        let slot = (last - first) / count
        for k in 0..<count {
            let j = rotation + k
            let kind = Kind.allCases[j % Kind.allCases.count]
            let size = (j / Kind.allCases.count) % 3
            for _ in 0..<40 {
                let minute = first + k * slot + rng.int(max(1, slot - 80))
                if var inc = plan(kind, size: size, minute: minute, world: &sc.world, extraKeys: &sc.extraKeys, &rng) {
                    inc.startMs = start + Int64(day0 + minute) * 60_000
                    inc.endMs += inc.startMs
                    sc.incidents.append(inc)
                    break
                }
            }
        }
        return sc
    }

    /// Picks a target that makes the incident matter at that time of day, or nil to try another time.
    static func plan(_ kind: Kind, size: Int, minute: Int, world w: inout SuiteWorld, extraKeys: inout [String],
                     _ rng: inout SuiteRandom) -> Incident? {
        let fleetSpend = w.expectedFleetSpend(minute: minute), fleetRequests = w.expectedFleetRequests(minute: minute)
        func spendShare(_ f: Int) -> Double { w.expectedRequests(f, minute: minute) * w.features[f].costPerRequest / fleetSpend }
        func requestShare(_ f: Int) -> Double { w.expectedRequests(f, minute: minute) / fleetRequests }
        let regular = w.features.indices.filter { !w.features[$0].sparse }
        func duration(_ lo: Int, _ hi: Int) -> Int64 { Int64(lo + rng.int(hi - lo + 1)) * 60_000 }
        func featureTarget(_ ok: (Int) -> Bool) -> Int? {
            let c = regular.filter(ok)
            return c.isEmpty ? nil : c[rng.int(c.count)]
        }
        var inc = Incident(kind: kind, size: size, startMs: 0, endMs: 0, target: "", detail: "")
        switch kind {
        case .retryStorm:
            guard let f = featureTarget({ (requestShare($0) >= 0.06 || spendShare($0) >= 0.06)
                && w.expectedRequests($0, minute: minute) >= 15 }) else { return nil }
            inc.feature = f
            inc.magnitude = [0.25, 0.45, 0.7][size]
            inc.target = "feature=\(w.features[f].name)"
            inc.detail = "\(Int(inc.magnitude * 100))% of requests fail and are retried"
            inc.endMs = duration(20, 40)
        case .keySpike:
            guard let f = featureTarget({ spendShare($0) >= 0.04 }) else { return nil }
            // An existing key of the feature, known from the start, that at least triples its spend: one with a
            // baseline (a few calls an hour or more) no bigger than half the extra.
            let extra = [0.06, 0.12, 0.25][size] * fleetSpend
            let fw = w.features[f]
            let featureSpend = w.expectedRequests(f, minute: minute) * fw.costPerRequest
            let total = fw.keyCum.last!
            let candidates = (0..<min(fw.keys.count, 60)).filter { r in
                let share = (fw.keyCum[r] - (r > 0 ? fw.keyCum[r - 1] : 0)) / total
                return w.keyBirth[fw.keys[r]] == 0 && share * w.expectedRequests(f, minute: minute) >= 0.05
                    && share * featureSpend <= extra / 2
            }.map { fw.keys[$0] }
            guard !candidates.isEmpty else { return nil }
            inc.feature = f
            inc.key = candidates[rng.int(candidates.count)]
            // A client loop: at least two extra calls a minute, on the dearest model that allows it.
            let models = ["claude-opus-4-1", "claude-sonnet-4-5", "gpt-5", "gpt-4o", "gpt-4.1-mini"].map(SuiteWorld.model)
            inc.model = models.first { extra / perCall(fw, SuiteWorld.catalogue[$0]) >= 2 } ?? models.last!
            inc.magnitude = extra
            inc.target = "api_key=\(KeyMask.mask(w.keys[inc.key]))"
            inc.detail = "key sends extra \(SuiteWorld.catalogue[inc.model].name) calls worth \(Int([6, 12, 25][size]))% of fleet spend"
            inc.endMs = duration(20, 40)
        case .newSpender:
            let f = regular[rng.int(regular.count)]
            inc.feature = f
            inc.key = w.keys.count + extraKeys.count
            extraKeys.append("sk-live-" + rng.token(28))
            // A job or an app that starts calling: many calls, on a mid-priced model.
            inc.model = [SuiteWorld.model("claude-sonnet-4-5"), SuiteWorld.model("gpt-5"), SuiteWorld.model("gpt-4o")][rng.int(3)]
            inc.magnitude = [0.08, 0.15, 0.3][size] * fleetSpend
            inc.target = "api_key=\(KeyMask.mask(extraKeys.last!))"
            inc.detail = "a new key spends \(Int([8, 15, 30][size]))% of the fleet's burn on \(SuiteWorld.catalogue[inc.model].name)"
            inc.endMs = duration(25, 45)
        case .cacheCollapse:
            guard let f = featureTarget({ w.features[$0].cacheP * w.features[$0].cacheFrac >= 0.25 && spendShare($0) >= 0.06
                && w.expectedRequests($0, minute: minute) >= 15 }) else { return nil }
            inc.feature = f
            inc.magnitude = [0.45, 0.2, 0.03][size]
            inc.target = "feature=\(w.features[f].name)"
            inc.detail = "prompt cache reads fall to \(Int(inc.magnitude * 100))% of normal"
            inc.endMs = duration(25, 40)
        case .errorBurst:
            var share: [Int: (Double, Double)] = [:]
            for f in regular {
                let fw = w.features[f]
                let total = fw.modelCum.last!
                for (k, m) in fw.models.enumerated() {
                    let p = (fw.modelCum[k] - (k > 0 ? fw.modelCum[k - 1] : 0)) / total
                    share[m, default: (0, 0)].0 += p * requestShare(f)
                    share[m, default: (0, 0)].1 += p * spendShare(f)
                }
            }
            let c = share.filter { $0.value.0 >= 0.08 || $0.value.1 >= 0.08 }.map(\.key).sorted()
            guard !c.isEmpty else { return nil }
            inc.model = c[rng.int(c.count)]
            inc.magnitude = [0.2, 0.35, 0.6][size]
            inc.target = "model=\(SuiteWorld.catalogue[inc.model].name)"
            inc.detail = "\(Int(inc.magnitude * 100))% of its calls fail"
            inc.endMs = duration(15, 35)
        case .providerErrors:
            inc.provider = ["openai", "anthropic", "google"][rng.int(3)]
            var share = 0.0
            for f in regular {
                let fw = w.features[f]
                let total = fw.modelCum.last!
                for (k, m) in fw.models.enumerated() where SuiteWorld.catalogue[m].provider == inc.provider {
                    share += (fw.modelCum[k] - (k > 0 ? fw.modelCum[k - 1] : 0)) / total * requestShare(f)
                }
            }
            guard share >= 0.12 else { return nil }
            inc.magnitude = [0.25, 0.4, 0.6][size]
            inc.target = "provider=\(inc.provider)"
            inc.detail = "every \(inc.provider) model fails \(Int(inc.magnitude * 100))% of calls"
            inc.endMs = duration(15, 30)
        case .slowRamp:
            // Enough requests that a 1.5× drift is measurable within 15 minutes (docs/anomalies.md, "limits").
            guard let f = featureTarget({ spendShare($0) >= 0.07 && w.expectedRequests($0, minute: minute) >= 40 })
            else { return nil }
            inc.feature = f
            let (top, ramp) = [(2.5, 35.0), (3.0, 45.0), (4.0, 70.0)][size]
            inc.magnitude = top
            inc.rampMinutes = ramp
            inc.target = "feature=\(w.features[f].name)"
            inc.detail = "prompts grow to \(AlertFormat.number(top))× over \(Int(ramp)) min (context bloat)"
            inc.endMs = Int64(ramp + 15) * 60_000
        case .sparseJump:
            inc.feature = w.sparseFeature
            inc.magnitude = [6.0, 10, 16][size]
            inc.target = "feature=\(w.features[w.sparseFeature].name)"
            inc.detail = "\(Int(inc.magnitude))× its calls (a job loops)"
            inc.endMs = duration(20, 40)
        case .gpuIdle:
            let load = w.load(minute: minute)
            let c = w.gpus.indices.filter { 12 + 80 * load + w.gpus[$0].offset >= 30 }
            guard !c.isEmpty else { return nil }
            inc.gpu = c[rng.int(c.count)]
            inc.magnitude = [8.0, 3, 0][size]
            inc.target = "gpu=\(w.gpus[inc.gpu].node):\(w.gpus[inc.gpu].gpu)"
            inc.detail = "idle at ~\(Int(inc.magnitude))% with its memory held"
            inc.endMs = duration(30, 60)
        }
        return inc
    }

    /// What one extra call costs: the feature's prompt (a fifth of it cached) and twice its answer.
    static func perCall(_ f: SuiteWorld.Feature, _ m: SuiteWorld.Model) -> Double {
        f.inMedian * exp(f.inSigma * f.inSigma / 2) * m.input * 0.8 + 2 * f.outMedian * exp(f.outSigma * f.outSigma / 2) * m.output
    }

    static func expensiveModel(_ f: SuiteWorld.Feature) -> Int {
        let best = f.models.max { SuiteWorld.catalogue[$0].output < SuiteWorld.catalogue[$1].output }!
        return SuiteWorld.catalogue[best].output >= 1.5e-5 ? best : SuiteWorld.model("claude-opus-4-1")
    }

    /// Feeds one scenario's events and GPU samples, minute by minute and in time order within each minute.
    public static func generate(_ sc: Scenario, event: (SpendEvent) -> Void, gpu: (GPUSample) -> Void) {
        var rng = SuiteRandom(seed: sc.seed)
        let w = sc.world
        let keys = w.keys + sc.extraKeys
        let peakLoad = (0..<48).map { w.expectedFleetRequests(minute: $0 * 30) }.max() ?? 1
        var serial = 0
        let prefix = String(sc.seed, radix: 36)
        var batch: [SpendEvent] = []
        for t in 0..<(sc.days * 1440) {
            let minuteMs = sc.startMs + Int64(t) * 60_000
            let dayMinute = t % 1440
            let hour = Double(dayMinute) / 60
            let active = sc.incidents.filter { minuteMs >= $0.startMs && minuteMs < $0.endMs }
            let burst = exp(w.burstSigma * rng.normal())
            batch.removeAll(keepingCapacity: true)

            func emit(_ fi: Int, model mi: Int, key ki: Int, tokens tk: (Int64, Int64, Int64), error: Bool, retry: Int,
                      zeroTokens: Bool = false) {
                let m = SuiteWorld.catalogue[mi]
                let f = w.features[fi]
                var (input, output, cache) = tk
                if error { output = 0 }
                if zeroTokens { input = 0; cache = 0 }
                let cost = SuiteWorld.cost(m, input: input, output: output, cache: cache)
                serial += 1
                batch.append(SpendEvent(timestampMs: minuteMs + Int64(rng.int(60_000)), requestID: "\(prefix)-\(serial)",
                                        feature: f.name, apiKey: keys[ki], team: f.team, provider: m.provider, model: m.name,
                                        usage: TokenUsage(input: input, output: output, cacheRead: cache),
                                        costUSD: cost, latencyMs: (200 + Double(output) * 12 * rng.uniform(0.6, 1.4)).rounded(),
                                        isError: error, retry: retry))
            }

            for (fi, f) in w.features.enumerated() {
                var rate = f.rate * w.rhythm(f, hour: hour) * (f.sparse ? 1 : burst * exp(w.featureSigma * rng.normal()))
                var retryP = 0.0, inputScale = 1.0, cacheScale = 1.0
                for inc in active where inc.feature == fi {
                    let into = Double(minuteMs - inc.startMs) / 60_000
                    switch inc.kind {
                    case .retryStorm: retryP = inc.magnitude
                    case .cacheCollapse: cacheScale = inc.magnitude
                    case .slowRamp: inputScale = 1 + (inc.magnitude - 1) * min(into / inc.rampMinutes, 1)
                    case .sparseJump: rate *= inc.magnitude
                    default: break
                    }
                }
                let n = rng.poisson(rate)
                for _ in 0..<n {
                    var mi = f.models[rng.pick(f.modelCum)]
                    for r in w.rollouts where r.feature == fi && dayMinute >= r.fromMinute && rng.uniform() < r.share { mi = r.model }
                    var ki = f.keys[rng.pick(f.keyCum)]
                    if w.keyBirth[ki] > dayMinute { ki = f.keys[0] }
                    var errorP = f.errorP
                    for inc in active {
                        if inc.kind == .errorBurst && inc.model == mi { errorP = inc.magnitude }
                        if inc.kind == .providerErrors && SuiteWorld.catalogue[mi].provider == inc.provider { errorP = inc.magnitude }
                    }
                    let tk = w.tokens(f, &rng, inputScale: inputScale, cacheScale: cacheScale)
                    if retryP > 0 && rng.uniform() < retryP {
                        // A client loop: the first try fails, then up to three retries until one succeeds.
                        emit(fi, model: mi, key: ki, tokens: tk, error: true, retry: 0)
                        var attempt = 1
                        while attempt <= 3 {
                            let fail = rng.uniform() < retryP * 0.6
                            emit(fi, model: mi, key: ki, tokens: tk, error: fail, retry: attempt)
                            if !fail { break }
                            attempt += 1
                        }
                        continue
                    }
                    let fail = rng.uniform() < errorP
                    // A 429 is refused before the prompt is read; a 5xx read it.
                    let refused = fail && rng.uniform() < 0.5
                    emit(fi, model: mi, key: ki, tokens: tk, error: fail, retry: 0, zeroTokens: refused)
                    if fail && errorP > f.errorP && rng.uniform() < 0.5 {
                        let again = rng.uniform() < errorP
                        emit(fi, model: mi, key: ki, tokens: tk, error: again, retry: 1, zeroTokens: again)
                    } else if !fail && rng.uniform() < 0.015 {
                        emit(fi, model: mi, key: ki, tokens: tk, error: false, retry: 1)
                    }
                }
            }
            // A key spending more, or a new key spending: extra calls on an expensive model, sized against the
            // fleet's burn at that time of day.
            for inc in active where inc.kind == .keySpike || inc.kind == .newSpender {
                let f = w.features[inc.feature]
                let calls = rng.poisson(inc.magnitude / max(perCall(f, SuiteWorld.catalogue[inc.model]), 1e-9))
                for _ in 0..<calls {
                    var tk = w.tokens(f, &rng)
                    tk.1 *= 2
                    emit(inc.feature, model: inc.model, key: inc.key, tokens: tk, error: rng.uniform() < 0.01, retry: 0)
                }
            }
            batch.sort { $0.timestampMs < $1.timestampMs }
            var next = 0
            let load = w.expectedFleetRequests(minute: dayMinute) / max(peakLoad, 1e-9)
            var tick = minuteMs
            while tick < minuteMs + 60_000 {
                while next < batch.count && batch[next].timestampMs < tick { event(batch[next]); next += 1 }
                for (gi, g) in w.gpus.enumerated() {
                    let noise = (rng.uniform() + rng.uniform() + rng.uniform() - 1.5) * 8
                    var util = min(100, max(0, 12 + 80 * load + g.offset + noise))
                    var idle = false
                    for inc in active where inc.kind == .gpuIdle && inc.gpu == gi {
                        util = inc.magnitude + rng.uniform() * 2
                        idle = true
                    }
                    gpu(GPUSample(timestampMs: tick, node: g.node, gpu: g.gpu, utilPct: (util * 10).rounded() / 10,
                                  memUsedMB: 73_000 + (rng.uniform() * 3000).rounded(), memTotalMB: 81_920,
                                  powerW: idle ? 70 : (75 + 6.1 * util).rounded(), queueDepth: idle ? 0 : Double(rng.int(4))))
                }
                tick += w.gpuIntervalMs
            }
            while next < batch.count { event(batch[next]); next += 1 }
        }
    }

    /// Feeds a scenario into a rollup.
    public static func generate(_ sc: Scenario, into rollup: Rollup) {
        generate(sc, event: { rollup.ingest($0) }, gpu: { rollup.ingest($0) })
    }
}
