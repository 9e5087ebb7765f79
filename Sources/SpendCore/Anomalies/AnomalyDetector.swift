import Foundation

/// Watches the per-minute series of every tracked group (the fleet, each feature, API key, model and provider,
/// and each GPU) and reports where an anomaly opens and where it clears. Fed one closed minute at a time, in
/// order, through `DetectorInput` (docs/anomalies.md).
///
/// Cost per minute: O(cells of the watched groupings in that minute + tracked groups), each series O(1);
/// memory: at most `maxGroups` groups of ~1 kB (plus a 48-slot daily profile per count and GPU series).
public final class AnomalyDetector {
    public let settings: AnomalySettings
    public let groupings: [Grouping]

    struct GroupKey: Hashable {
        /// Index into `groupings`, or -1 for a GPU (its id in `cell.first`).
        var grouping: Int
        var cell: CellKey
    }

    /// A group's series, by slot: the request metrics in `AnomalyMetric.requestMetrics` order, then the
    /// new-spender test, the spend-per-minute (burn) test, and a feature's typical request size and cached share
    /// (`Measures.shapedRequests`); a GPU has one (its util).
    static let newSpenderSlot = 6
    static let burnSlot = 7
    static let typicalTokensSlot = 8
    static let cacheShareSlot = 9
    static let slots = 10

    /// The burn test for a group with no established spend baseline (docs/anomalies.md, "new spenders").
    struct NewSpender {
        var spend: [Double]
        var requests: [Double]
        var next = 0
        var state = SeriesState()
        /// First seen after the detector warmed up (a truly new key), not only too sparse to have a baseline.
        var appeared: Bool
        /// Share of fleet burn and $/min of the last judged minute.
        var share = 0.0, rate = 0.0
        var since: Int64 = 0
    }

    struct GroupState {
        var key: GroupKey
        var spend = IntensiveSeries(), tokens = IntensiveSeries(), errors = IntensiveSeries()
        var retries = IntensiveSeries(), cache = IntensiveSeries()
        var typicalTokens = IntensiveSeries(), cacheShare = IntensiveSeries()
        var requests = CountSeries()
        var spendRate = BurnSeries()
        var gpu = GaugeSeries()
        var newSpender: NewSpender?
        var firstSeen: Int64
        var lastSeen: Int64
        var lastStep: Int64 = .min
        /// Spend and requests per minute (EWMA, ~20 minutes): what the group burns, for materiality.
        var burn = 0.0, requestBurn = 0.0
        var parent: (feature: GroupID, checked: Int64)?

        func state(_ slot: Int) -> SeriesState {
            if key.grouping < 0 { return gpu.state }
            switch slot {
            case 0: return spend.state
            case 1: return tokens.state
            case 2: return requests.state
            case 3: return errors.state
            case 4: return retries.state
            case 5: return cache.state
            case 7: return spendRate.state
            case 8: return typicalTokens.state
            case 9: return cacheShare.state
            default: return newSpender?.state ?? SeriesState()
            }
        }

        mutating func setIncident(_ slot: Int, _ id: Int) {
            if key.grouping < 0 { gpu.state.incident = id; return }
            switch slot {
            case 0: spend.state.incident = id
            case 1: tokens.state.incident = id
            case 2: requests.state.incident = id
            case 3: errors.state.incident = id
            case 4: retries.state.incident = id
            case 5: cache.state.incident = id
            case 7: spendRate.state.incident = id
            case 8: typicalTokens.state.incident = id
            case 9: cacheShare.state.incident = id
            default: newSpender?.state.incident = id
            }
        }

        func busy(minute: Int64, cooldown: Int) -> Bool {
            let slots = key.grouping < 0 ? 1 : AnomalyDetector.slots
            return (0..<slots).contains { state($0).busy(minute: minute, cooldown: cooldown) }
        }
    }

    /// A series whose anomaly opened this minute.
    struct Opening {
        var key: GroupKey
        var slot: Int
        var metric: AnomalyMetric
        var test: AnomalyTest
        var minute: Int64
        var observed: Double
        var expected: Double
        /// Noise of `observed` under the baseline; a ratio is shown only when `expected` clears it.
        var sd: Double
        var z: Double
        /// The baseline of the series' value (per request, per minute, a rate) for attribution.
        var level: Double
        /// Mean excess over the run that opened it, per minute.
        var excessUSD: Double
        var excessRequests: Double
        /// First minute of that run.
        var since: Int64
        /// New spenders: share of fleet burn.
        var share: Double = 0
        var appeared = false
        /// The incident to continue (same series, ended within the cooldown).
        var reopen: Int?
    }

    /// A series back to normal: its incident may end.
    struct Closing {
        var incident: Int
        /// Start of the first normal minute.
        var endMs: Int64
    }

    var states: [GroupState] = []
    var index: [GroupKey: Int] = [:]
    /// Groups seen but not tracked because `maxGroups` was reached.
    public private(set) var untrackedGroups = 0
    var startMinute: Int64?
    /// The fleet's spend per minute over the last `newSpenderWindowMinutes` (ring), for new-spender shares.
    var fleetSpend: [Double] = []
    var fleetNext = 0
    var fleetBurn = 0.0, fleetRequests = 0.0
    /// Developer trace (`spendtop bench-anomaly --trace`): called with every judged reading of every series.
    public var trace: (@Sendable (_ scope: String, _ metric: String, _ minute: Int64, _ line: String) -> Void)?
    var traceNames: ((GroupKey) -> String)?

    public init(settings: AnomalySettings = AnomalySettings(),
                groupings: [Grouping] = [.total, .by(.feature), .by(.apiKey), .by(.model), .by(.provider)]) {
        self.settings = settings
        self.groupings = groupings
        fleetSpend = Array(repeating: 0, count: max(1, settings.newSpenderWindowMinutes))
    }

    public var trackedGroups: Int { states.count }

    func isTracked(_ key: GroupKey) -> Bool { index[key] != nil }
    func hadIncident(_ key: GroupKey) -> Bool {
        guard let i = index[key] else { return false }
        return (0..<AnomalyDetector.slots).contains { states[i].state($0).incident != nil }
    }
    func group(_ key: GroupKey) -> GroupState? { index[key].map { states[$0] } }

    /// What a group's spend, tokens and cached tokens would be this minute if each of its features' requests
    /// were what that feature's usually are: the reference a group that mixes features is judged against.
    struct Reference {
        var spend = 0.0, tokens = 0.0, cache = 0.0
    }

    /// Judges one closed minute: features first (their levels are the others' references), then the rest.
    func step(_ input: DetectorInput, minute m: Int64) -> (openings: [Opening], closings: [Closing]) {
        if startMinute == nil { startMinute = m }
        var out = StepOutput()
        let fleetKey = GroupKey(grouping: 0, cell: .total)
        let featureIndex = groupings.firstIndex(of: .by(.feature))
        var expected: [GroupID: Reference] = [:]
        if let fi = featureIndex, input.keeps(groupings[fi]) {
            input.forEachCell(groupings[fi], minute: m) { cell, measures in
                let key = GroupKey(grouping: fi, cell: cell)
                guard let i = slotIndex(for: key, minute: m) else { return }
                observe(key: key, index: i, measures: measures, reference: nil, minute: m, input, &out)
                expected[cell.first] = perRequest(states[i], measures)
            }
        }
        let references = mixReferences(input, minute: m, expected)
        var fleetSpendNow = 0.0
        for (gi, g) in groupings.enumerated() where gi != featureIndex && input.keeps(g) {
            let refs = references[gi]
            // Requests of no known provider are not a provider: watching them would repeat the fleet's alerts.
            let skipNone = g == .by(.provider)
            input.forEachCell(g, minute: m) { cell, measures in
                if skipNone && cell.first == .none { return }
                let key = GroupKey(grouping: gi, cell: cell)
                if key == fleetKey { fleetSpendNow = measures.spend }
                guard let i = slotIndex(for: key, minute: m) else { return }
                observe(key: key, index: i, measures: measures, reference: refs?[cell.first], minute: m, input, &out)
            }
            if g == .total {
                fleetSpend[fleetNext] = fleetSpendNow
                fleetNext = (fleetNext + 1) % fleetSpend.count
                if let i = index[fleetKey] {
                    if states[i].lastStep != m {
                        observe(key: fleetKey, index: i, measures: Measures(), reference: nil, minute: m, input, &out)
                    }
                    fleetBurn = states[i].burn
                    fleetRequests = states[i].requestBurn
                }
            }
        }
        for g in input.gpus(minute: m) {
            guard let u = g.measures.utilPct else { continue }
            observeGPU(GroupKey(grouping: -1, cell: CellKey(g.id)), util: u, minute: m, &out)
        }
        // Groups with nothing this minute: volumes were 0, per-request values undefined; idle ones are dropped.
        var i = 0
        while i < states.count {
            if states[i].lastStep != m {
                if states[i].key.grouping >= 0 {
                    observe(key: states[i].key, index: i, measures: Measures(), reference: nil, minute: m, input, &out)
                } else {
                    absentGPU(i, minute: m, &out)
                }
                if m - states[i].lastSeen > settings.idleEvictMinutes
                    && !states[i].busy(minute: m, cooldown: settings.cooldownMinutes) {
                    evict(i)
                    continue
                }
            }
            i += 1
        }
        return (out.openings, out.closings)
    }

    /// A feature's expected spend, tokens per request and cache ratio: its level, its mean so far while it warms
    /// up, its actual value this minute before any reading (so an unknown feature neither raises nor lowers what
    /// the others expect).
    func perRequest(_ g: GroupState, _ c: Measures) -> Reference {
        let n = Double(c.requests)
        guard n > 0 else { return Reference() }
        let tokens = Double(c.inputTokens + c.outputTokens), input = Double(c.inputTokens)
        return Reference(spend: g.spend.provisional ?? c.spend / n, tokens: g.tokens.provisional ?? tokens / n,
                         cache: g.cache.provisional ?? (input > 0 ? Double(c.cacheReadTokens) / input : 0))
    }

    /// For each grouping that mixes features (the fleet, keys, models, providers): its cells' references this
    /// minute, summed over the feature pairs. Nil for a grouping whose pair with features is not kept.
    func mixReferences(_ input: DetectorInput, minute m: Int64,
                       _ feature: [GroupID: Reference]) -> [Int: [GroupID: Reference]] {
        var out: [Int: [GroupID: Reference]] = [:]
        func add(_ into: inout [GroupID: Reference], _ id: GroupID, _ f: GroupID, _ c: Measures) {
            guard let e = feature[f] else { return }
            let n = Double(c.requests)
            var r = into[id] ?? Reference()
            r.spend += n * e.spend
            r.tokens += n * e.tokens
            r.cache += Double(c.inputTokens) * e.cache
            into[id] = r
        }
        var providerOf: [GroupID: GroupID]? = nil
        if input.keeps(.pair(.provider, .model)) {
            var map: [GroupID: GroupID] = [:]
            input.forEachCell(.pair(.provider, .model), minute: m) { cell, _ in map[cell.second] = cell.first }
            providerOf = map
        }
        for (gi, g) in groupings.enumerated() {
            if g == .total, let fi = groupings.firstIndex(of: .by(.feature)), input.keeps(groupings[fi]) {
                var r: [GroupID: Reference] = [:]
                input.forEachCell(groupings[fi], minute: m) { cell, c in add(&r, .none, cell.first, c) }
                out[gi] = r
                continue
            }
            guard let d = g.first, g.second == nil, d != .feature else { continue }
            let source: Dimension = d == .provider ? .model : d
            let pair = Grouping.pair(.feature, source)
            guard input.keeps(pair), d != .provider || providerOf != nil else { continue }
            var r: [GroupID: Reference] = [:]
            input.forEachCell(pair, minute: m) { cell, c in
                let (f, other) = (cell.first, cell.second)
                if d == .provider {
                    if let p = providerOf?[other] { add(&r, p, f, c) }
                } else {
                    add(&r, other, f, c)
                }
            }
            out[gi] = r
        }
        return out
    }

    struct StepOutput {
        var openings: [Opening] = []
        var closings: [Closing] = []
    }

    func evict(_ i: Int) {
        index[states[i].key] = nil
        let last = states.count - 1
        if i != last {
            states.swapAt(i, last)
            index[states[i].key] = i
        }
        states.removeLast()
    }

    func slotIndex(for key: GroupKey, minute: Int64) -> Int? {
        if let i = index[key] { return i }
        guard states.count < settings.maxGroups else { untrackedGroups += 1; return nil }
        var g = GroupState(key: key, firstSeen: minute, lastSeen: minute)
        // Seen only after the fleet's own warm-up: nothing is known about it, so it is judged by its burn.
        if key.grouping > 0, let start = startMinute, minute - start >= Int64(settings.warmupMinutes) {
            g.newSpender = makeNewSpender(appeared: true)
        }
        states.append(g)
        index[key] = states.count - 1
        return states.count - 1
    }

    func makeNewSpender(appeared: Bool) -> NewSpender {
        let w = max(1, settings.newSpenderWindowMinutes)
        return NewSpender(spend: Array(repeating: 0, count: w), requests: Array(repeating: 0, count: w),
                          appeared: appeared)
    }

    func observe(key: GroupKey, index i: Int, measures c: Measures, reference ref: Reference?, minute m: Int64,
                 _ input: DetectorInput, _ out: inout StepOutput) {
        let s = settings
        var g = states[i]
        g.lastStep = m
        let n = Double(c.requests)
        if n > 0 { g.lastSeen = m }
        g.burn += 0.05 * (c.spend - g.burn)
        g.requestBurn += 0.05 * (n - g.requestBurn)
        let tokens = Double(c.inputTokens + c.outputTokens), input_ = Double(c.inputTokens)
        // What one request and one token usually cost here, for turning excesses into USD.
        let usdPerRequest = n > 0 ? (g.spend.ready ? g.spend.expected(w: n, r: ref?.spend ?? n) : c.spend / n) : 0
        let usdPerToken = tokens > 0 ? c.spend / tokens : 0
        let g0 = groupings[key.grouping].first
        let whole = g0 == nil || g0 == .feature
        let rates = whole || g0 == .model || g0 == .provider

        if let r = g.spend.observe(x: c.spend, w: n, n: n, reference: ref?.spend, kind: .perRequest, rising: true,
                                     cusum: whole || g0 == .apiKey, minute: m, s) {
            if judge(&g.spend.state, r, key: key, slot: 0, metric: .spend, level: r.expected / n, usdPerUnit: 1,
                     requestsPerUnit: 0, minute: m, input, &out) { g.spend.adopt() }
        } else { stale(&g.spend.state, minute: m, &out) }
        if let r = g.tokens.observe(x: tokens, w: n, n: n, reference: ref?.tokens, kind: .perRequest, rising: true,
                                      cusum: whole, minute: m, s) {
            if judge(&g.tokens.state, r, key: key, slot: 1, metric: .tokens, level: r.expected / n,
                     usdPerUnit: usdPerToken, requestsPerUnit: 0, minute: m, input, &out) { g.tokens.adopt() }
        } else { stale(&g.tokens.state, minute: m, &out) }
        // First attempts: a retry is the same request again (retry storms are the retry rate's to find).
        let firstTries = Double(max(c.requests - c.retries, 0))
        let countReading = g.requests.observe(firstTries, cusum: whole || g0 == .apiKey, minute: m, s)
        if let r = countReading {
            if judge(&g.requests.state, r, key: key, slot: 2, metric: .requests, level: r.expected,
                     usdPerUnit: usdPerRequest, requestsPerUnit: 1, minute: m, input, &out) { g.requests.adopt() }
        }
        // Spend per minute (calls × cost) for keys and features, where runaways happen: a client loop on an
        // expensive model, or traffic ramping up, shows in both factors at once (and in more calls).
        if g0 == .apiKey || g0 == .feature, let cr = countReading, g.spend.ready, !g.spend.state.open {
            let retryShare = g.retries.ready ? min(g.retries.level, 0.9) : 0
            let mu = g.spend.expected(w: 1, r: ref.map { n > 0 ? $0.spend / n : 1 } ?? 1)
            if let r = g.spendRate.observe(spend: c.spend, lambda: cr.expected / (1 - retryShare), perRequest: mu,
                                           variance: g.spend.variance, phi: g.requests.phi,
                                           callsMore: cr.windowZ >= s.burnCountZ, minute: m, s) {
                _ = judge(&g.spendRate.state, r, key: key, slot: AnomalyDetector.burnSlot, metric: .spend, level: mu,
                          usdPerUnit: 1, requestsPerUnit: 0, minute: m, input, &out)
            }
        }
        if let r = g.errors.observe(x: Double(c.errors), w: n, n: n, kind: .rate, rising: true, cusum: rates,
                                    minute: m, s) {
            if judge(&g.errors.state, r, key: key, slot: 3, metric: .errorRate, level: r.expected,
                     usdPerUnit: usdPerRequest, requestsPerUnit: 1, minute: m, input, &out) { g.errors.adopt() }
        } else { stale(&g.errors.state, minute: m, &out) }
        if let r = g.retries.observe(x: Double(c.retries), w: n, n: n, kind: .rate, rising: true, cusum: rates,
                                     minute: m, s) {
            if judge(&g.retries.state, r, key: key, slot: 4, metric: .retryRate, level: r.expected,
                     usdPerUnit: usdPerRequest, requestsPerUnit: 1, minute: m, input, &out) { g.retries.adopt() }
        } else { stale(&g.retries.state, minute: m, &out) }
        if let r = g.cache.observe(x: Double(c.cacheReadTokens), w: input_, n: n, reference: ref?.cache, kind: .cache,
                                   rising: false, cusum: whole, minute: m, s) {
            // Cached tokens lost become full-price input: roughly 70% of a token's average price each; the
            // requests affected are the lost share of the minute's.
            if judge(&g.cache.state, r, key: key, slot: 5, metric: .cacheHitRatio, level: r.expected,
                     usdPerUnit: usdPerToken * 0.7, requestsPerUnit: input_ > 0 ? n / input_ : 0, minute: m, input,
                     &out) {
                g.cache.adopt()
            }
        } else { stale(&g.cache.state, minute: m, &out) }
        if g0 == .feature && settings.typicalRequestSeries {
            observeShape(&g, key: key, measures: c, usdPerToken: usdPerToken, minute: m, input, &out)
        }
        if g.newSpender != nil { judgeNewSpender(&g, spend: c.spend, requests: n, minute: m, &out) }
        states[i] = g
    }

    /// A feature's typical request: the mean of its requests' ln(tokens) and of their cached shares. Sums of
    /// tokens are ruled by the few huge prompts of a heavy tail; these are not, so a drift that every request
    /// shares (prompts growing, a cache prefix broken) shows through several times less noise.
    func observeShape(_ g: inout GroupState, key: GroupKey, measures c: Measures, usdPerToken: Double,
                      minute m: Int64, _ input: DetectorInput, _ out: inout StepOutput) {
        let s = settings
        let shaped = Double(c.shapedRequests)
        let tokens = Double(c.inputTokens + c.outputTokens)
        if let r = g.typicalTokens.observe(x: c.logTokensSum, w: shaped, n: shaped, kind: .logMean, rising: true,
                                           minute: m, s) {
            let t = r.asTokens(tokens)
            // Lineage prices excess tokens against a baseline per request: the learnt one, not this minute's total
            // scaled back (which keeps the minute's own heavy-tailed noise).
            let scaled = c.requests > 0 ? t.expected / Double(c.requests) : 0
            let perRequest = g.tokens.level > 0 ? g.tokens.level : scaled
            if judge(&g.typicalTokens.state, t, key: key, slot: AnomalyDetector.typicalTokensSlot, metric: .tokens,
                     level: perRequest, usdPerUnit: usdPerToken, requestsPerUnit: 0, minute: m, input, &out) {
                g.typicalTokens.adopt()
            }
        } else { stale(&g.typicalTokens.state, minute: m, &out) }
        if let r = g.cacheShare.observe(x: c.cacheShareSum, w: shaped, n: shaped, kind: .cache, rising: false,
                                        minute: m, s) {
            // The excess is the cached share lost times the requests: in tokens, that share of their input,
            // which became full-price input (about 70% of a token's average price, as for the cache ratio).
            // Lineage weighs a cache symptom by input tokens, against a token-weighted ratio: the feature's learnt
            // one, not this mean over requests (under a heavy tail the two differ).
            let inputPerRequest = shaped > 0 ? Double(c.inputTokens) / shaped : 0
            let ratio = g.cache.level > 0 ? g.cache.level : r.expected
            if judge(&g.cacheShare.state, r, key: key, slot: AnomalyDetector.cacheShareSlot, metric: .cacheHitRatio,
                     level: ratio, usdPerUnit: inputPerRequest * usdPerToken * 0.7, requestsPerUnit: 1,
                     minute: m, input, &out) { g.cacheShare.adopt() }
        } else { stale(&g.cacheShare.state, minute: m, &out) }
    }

    func observeGPU(_ key: GroupKey, util: Double, minute m: Int64, _ out: inout StepOutput) {
        guard let i = slotIndex(for: key, minute: m) else { return }
        var g = states[i]
        g.lastStep = m
        g.lastSeen = m
        if let r = g.gpu.observe(util, minute: m, settings) {
            judgeGPU(&g, r, minute: m, &out)
        }
        states[i] = g
    }

    func absentGPU(_ i: Int, minute m: Int64, _ out: inout StepOutput) {
        stale(&states[i].gpu.state, minute: m, &out)
    }

    // MARK: judging

    func stale(_ st: inout SeriesState, minute m: Int64, _ out: inout StepOutput) {
        guard st.open else { return }
        st.staleRun += 1
        if st.staleRun >= settings.staleMinutes {
            close(&st, endMinute: m - Int64(settings.staleMinutes) + 1, &out)
        }
    }

    func close(_ st: inout SeriesState, endMinute: Int64, _ out: inout StepOutput) {
        st.open = false
        st.endedMinute = endMinute
        st.normalRun = 0
        st.staleRun = 0
        st.resetFlaggedRun(endMinute)
        st.resetCusum(endMinute)
        st.cusum = 0
        if let inc = st.incident { out.closings.append(Closing(incident: inc, endMs: endMinute * 60_000)) }
    }

    /// A group as the developer trace names it (`api_key=ci`, `fleet`).
    func traceName(_ key: GroupKey, _ input: DetectorInput) -> String {
        groupings[key.grouping].first.map { "\($0.name)=\(input.name($0, key.cell.first))" } ?? "fleet"
    }

    /// Hold and clear an open series; otherwise run the tests' persistence and materiality, and open.
    /// Returns true when a lasting anomaly is to be adopted as the series' new normal.
    func judge(_ st: inout SeriesState, _ r: SeriesReading, key: GroupKey, slot: Int, metric: AnomalyMetric,
               level: Double, usdPerUnit: Double, requestsPerUnit: Double, minute m: Int64, _ input: DetectorInput,
               _ out: inout StepOutput) -> Bool {
        let s = settings
        let usd = r.excess * usdPerUnit, requests = r.excess * requestsPerUnit
        if let trace {
            trace(traceName(key, input), metric.rawValue, m, "obs=\(r.observed) exp=\(r.expected) sd=\(r.sd) z=\(r.z) "
                  + "flag=\(r.flagged) wz=\(r.windowZ) wflag=\(r.windowFlagged) cusum=\(st.cusum) "
                  + "alarm=\(r.cusumAlarm) hold=\(r.holding) open=\(st.open) usd=\(usd * 60)/h")
        }
        st.staleRun = 0
        if st.open {
            st.openMinutes += 1
            if st.openMinutes >= s.adoptMinutes {
                close(&st, endMinute: m + 1, &out)
                return true
            } else if r.holding {
                st.normalRun = 0
            } else {
                st.normalRun += 1
                if st.normalRun >= s.clearMinutes { close(&st, endMinute: m - Int64(s.clearMinutes) + 1, &out) }
            }
            return false
        }
        if r.flagged {
            if st.flaggedRun == 0 { st.resetFlaggedRun(m) }
            st.flaggedRun += 1
            st.flaggedExcessUSD += usd
            st.flaggedExcessRequests += requests
        } else {
            st.resetFlaggedRun(m + 1)
        }
        if st.cusum > 0 {
            SeriesState.recent(&st.cusumExcessUSD, usd, minutes: st.cusumMinutes)
            SeriesState.recent(&st.cusumExcessRequests, requests, minutes: st.cusumMinutes)
        }
        let persist = metric.isVolume ? s.volumePersistMinutes : s.persistMinutes
        let strong = !metric.isVolume && r.flagged && r.z >= s.strongZ
        let test: AnomalyTest
        let meanUSD, meanRequests: Double
        let since: Int64
        if st.flaggedRun >= persist || strong {
            test = .perMinute
            meanUSD = st.flaggedExcessUSD / Double(st.flaggedRun)
            meanRequests = st.flaggedExcessRequests / Double(st.flaggedRun)
            since = st.flaggedStart
        } else if r.windowFlagged {
            test = .window
            meanRequests = r.windowExcess * requestsPerUnit
            meanUSD = r.windowExcess * usdPerUnit
            since = m - Int64(s.windowMinutes) + 1
        } else if r.cusumAlarm {
            test = .cusum
            meanUSD = st.cusumExcessUSD
            meanRequests = st.cusumExcessRequests
            since = st.cusumStart
        } else {
            return false
        }
        guard material(key: key, metric: metric, usd: meanUSD, requests: meanRequests, minute: m, input) else {
            return false
        }
        var reopen: Int? = nil
        if let ended = st.endedMinute, let inc = st.incident, m - ended <= Int64(s.cooldownMinutes) { reopen = inc }
        let score = test == .cusum ? st.cusum : r.z
        if let trace {
            trace(traceName(key, input), "open", m, "\(metric.rawValue) slot=\(slot) test=\(test) obs=\(r.observed) "
                  + "sustained=\(r.sustained.map { "\($0)" } ?? "-") "
                  + "exp=\(r.expected) z=\(score) usd=\(meanUSD * 60)/h since=\(m - since)")
        }
        st.open = true
        st.openMinutes = 0
        st.normalRun = 0
        st.cusum = 0
        let observed = test == .cusum ? r.sustained ?? r.observed : r.observed
        out.openings.append(Opening(key: key, slot: slot, metric: metric, test: test, minute: m, observed: observed,
                                    expected: r.expected, sd: r.sd, z: score, level: level,
                                    excessUSD: meanUSD, excessRequests: meanRequests, since: since, reopen: reopen))
        return false
    }

    func judgeGPU(_ g: inout GroupState, _ r: SeriesReading, minute m: Int64, _ out: inout StepOutput) {
        let s = settings
        var st = g.gpu.state
        defer { g.gpu.state = st }
        st.staleRun = 0
        if st.open {
            st.openMinutes += 1
            if st.openMinutes >= s.adoptMinutes {
                g.gpu.adopt()
                close(&st, endMinute: m + 1, &out)
            } else if r.holding {
                st.normalRun = 0
            } else {
                st.normalRun += 1
                if st.normalRun >= s.clearMinutes { close(&st, endMinute: m - Int64(s.clearMinutes) + 1, &out) }
            }
            return
        }
        if r.flagged {
            if st.flaggedRun == 0 { st.resetFlaggedRun(m) }
            st.flaggedRun += 1
        } else {
            st.resetFlaggedRun(m + 1)
        }
        guard st.flaggedRun >= s.persistMinutes || (r.flagged && r.z >= s.strongZ) else { return }
        var reopen: Int? = nil
        if let ended = st.endedMinute, let inc = st.incident, m - ended <= Int64(s.cooldownMinutes) { reopen = inc }
        st.open = true
        st.openMinutes = 0
        st.normalRun = 0
        out.openings.append(Opening(key: g.key, slot: 0, metric: .gpuUtil, test: .perMinute, minute: m,
                                    observed: r.observed, expected: r.expected, sd: r.sd, z: r.z, level: r.expected,
                                    excessUSD: 0, excessRequests: 0,
                                    since: st.flaggedStart, reopen: reopen))
    }

    /// The burn test: a group without a spend baseline that reaches a share of fleet burn.
    func judgeNewSpender(_ g: inout GroupState, spend: Double, requests: Double, minute m: Int64,
                         _ out: inout StepOutput) {
        let s = settings
        guard var ns = g.newSpender else { return }
        let w = ns.spend.count
        ns.spend[ns.next] = spend
        ns.requests[ns.next] = requests
        ns.next = (ns.next + 1) % w
        // No longer a candidate once its spend has a baseline (and nothing is open), or once it is old news.
        let warmedUp = startMinute.map { m - $0 >= Int64(s.warmupMinutes) } ?? false
        if !ns.state.open && (g.spend.ready || m - g.firstSeen >= Int64(s.newSpenderMaxAgeMinutes)) {
            g.newSpender = nil
            return
        }
        defer { g.newSpender = ns }
        // Spend since its first active minute in the window, over at least `newSpenderMinSpanMinutes`.
        var total = 0.0, req = 0.0, active = 0, firstAgo = -1
        for k in 0..<w {
            let j = (ns.next - 1 - k + 2 * w) % w
            if ns.spend[j] > 0 { active += 1; firstAgo = k }
            total += ns.spend[j]
            req += ns.requests[j]
        }
        let span = Double(max(firstAgo + 1, s.newSpenderMinSpanMinutes))
        var fleet = 0.0
        for k in 0..<min(Int(span), w) { fleet += fleetSpend[(fleetNext - 1 - k + 2 * w) % w] }
        let rate = total / span
        let share = fleet > 0 ? min(total / fleet, 1) : 0
        ns.rate = rate
        ns.share = share
        var st = ns.state
        defer { ns.state = st }
        if st.open {
            st.openMinutes += 1
            if st.openMinutes >= s.adoptMinutes {
                close(&st, endMinute: m + 1, &out)
            } else if share >= s.newSpenderShare / 2 && active > 0 {
                st.normalRun = 0
            } else {
                st.normalRun += 1
                if st.normalRun >= s.clearMinutes { close(&st, endMinute: m - Int64(s.clearMinutes) + 1, &out) }
            }
            return
        }
        // Persistence is minutes with spend and a few requests; a spender several times past the share (over the
        // minutes it has been active) with plenty of requests in its first minute is plain at once.
        var activeFleet = 0.0
        for k in 0...max(firstAgo, 0) where k < w { activeFleet += fleetSpend[(fleetNext - 1 - k + 2 * w) % w] }
        let plain = activeFleet > 0 && total / activeFleet >= s.newSpenderShare * 3
            && req >= 2 * s.newSpenderMinRequests
        guard warmedUp, firstAgo >= 0, share >= s.newSpenderShare, active >= s.newSpenderMinActiveMinutes || plain,
              req >= s.newSpenderMinRequests, rate * 60 >= s.minExcessUSDPerHour else { return }
        var reopen: Int? = nil
        if let ended = st.endedMinute, let inc = st.incident, m - ended <= Int64(s.cooldownMinutes) { reopen = inc }
        st.open = true
        st.openMinutes = 0
        st.normalRun = 0
        let since = m - Int64(firstAgo)
        ns.since = since
        // Shown over the minutes it has been spending (the test above counted at least a few, to be safe).
        let activeRate = total / Double(firstAgo + 1)
        let activeShare = activeFleet > 0 ? min(total / activeFleet, 1) : share
        out.openings.append(Opening(key: g.key, slot: AnomalyDetector.newSpenderSlot, metric: .spend, test: .newSpender,
                                    minute: m, observed: activeRate, expected: 0, sd: 0, z: activeShare * 100, level: 0,
                                    excessUSD: activeRate, excessRequests: req / Double(firstAgo + 1), since: since,
                                    share: activeShare, appeared: ns.appeared, reopen: reopen))
    }

    // MARK: materiality

    /// Whether an anomaly's excess matters: a floor in USD/h and a share of the fleet's (or the parent
    /// feature's) burn, in USD or, for traffic and failures, in requests. The fleet needs a share of itself.
    func material(key: GroupKey, metric: AnomalyMetric, usd: Double, requests: Double, minute m: Int64,
                  _ input: DetectorInput) -> Bool {
        let s = settings
        let byRequests = metric == .requests || metric == .errorRate || metric == .retryRate || metric == .cacheHitRatio
        let fleetReq = max(fleetRequests, 1)
        if groupings[key.grouping] == .total {
            return (usd * 60 >= s.minExcessUSDPerHour && usd >= s.fleetSelfShare * fleetBurn)
                || (byRequests && requests >= s.fleetSelfShare * fleetReq)
        }
        let dollars = usd * 60 >= s.minExcessUSDPerHour
        let share = groupings[key.grouping].first == .apiKey ? s.keyShare : s.fleetShare
        if dollars && usd >= share * fleetBurn { return true }
        if byRequests && requests >= share * fleetReq { return true }
        guard let i = index[key] else { return false }
        let g = states[i]
        if (metric == .errorRate || metric == .retryRate || metric == .cacheHitRatio)
            && (g.burn >= s.groupShare * fleetBurn && fleetBurn > 0 || g.requestBurn >= s.groupShare * fleetReq) {
            return true
        }
        guard let parent = parentFeature(key, minute: m, input), let pi = index[parent] else { return false }
        let p = states[pi]
        guard p.burn >= s.groupShare * fleetBurn && fleetBurn > 0 || p.requestBurn >= s.groupShare * fleetReq else {
            return false
        }
        return (dollars && usd >= s.parentShare * p.burn)
            || (byRequests && requests >= s.parentShare * max(p.requestBurn, 1))
    }

    /// For a key or model: the feature that carried most of its spend over the last half hour.
    func parentFeature(_ key: GroupKey, minute m: Int64, _ input: DetectorInput) -> GroupKey? {
        let g = groupings[key.grouping]
        guard let d = g.first, g.second == nil, d == .apiKey || d == .model,
              let fi = groupings.firstIndex(of: .by(.feature)), let i = index[key] else { return nil }
        if let p = states[i].parent, m - p.checked < 30 {
            return GroupKey(grouping: fi, cell: CellKey(p.feature))
        }
        guard let byFeature = input.breakdown(by: .feature, [input.filter(d, key.cell.first)], from: m - 29, to: m)
        else { return nil }
        var best: (GroupID, Double)? = nil
        for (f, c) in byFeature {
            let v = c.spend > 0 ? c.spend : Double(c.requests) * 1e-9
            if best == nil || v > best!.1 || (v == best!.1 && f < best!.0) { best = (f, v) }
        }
        guard let b = best else { return nil }
        states[i].parent = (b.0, m)
        return GroupKey(grouping: fi, cell: CellKey(b.0))
    }

    /// Records which incident an opened series belongs to (so its clearing can end it).
    func attach(_ key: GroupKey, slot: Int, incident: Int) {
        guard let i = index[key] else { return }
        states[i].setIncident(slot, incident)
    }
}
