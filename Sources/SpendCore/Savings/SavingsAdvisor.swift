/// Puts a dollar figure on what the traffic in a window says could be saved (SPEC §12; every
/// formula in docs/savings.md). It reads only the query boundary (`SpendQuery.classRows`, `gpuSeries`,
/// `capabilities.requestClasses`), never rollup cells, so any backend that answers those is advised alike; one
/// that cannot is reported as such (`SavingsReport.complete`), never as having nothing to save.
public struct SavingsAdvisor: Sendable {
    public var settings: SavingsSettings
    /// The table requests are priced with: repricing uses the same rates and the same code (`ModelPrice.cost`).
    public var prices: PriceTable

    /// A GPU reading stands for the time until the next one, but for no more than this: a source that
    /// stopped sending is not idle time.
    public static let maxHoldMinutes: Int64 = 5
    public static let secondsPerMonth = 30.0 * 86_400

    public init(settings: SavingsSettings = SavingsSettings(), prices: PriceTable = .bundled) {
        self.settings = settings
        self.prices = prices
    }

    /// The advisor for `q`'s data: repricing with the table its spend was priced with.
    public init(settings: SavingsSettings = SavingsSettings(), for q: SpendQuery) {
        self.init(settings: settings, prices: q.prices)
    }

    /// The opportunities of the window ending at `atMs` (the clock when nil) within a drill path,
    /// largest saving first. A path through an API key, team or other dimension has none: savings are
    /// computed per feature and model, so the report says so instead.
    public func advise(_ q: SpendQuery, window: TimeWindow, atMs: Int64? = nil, path: [ViewQuery.Filter] = [],
                       wallMs: Int64, cache: SavingsCache? = nil) throws -> SavingsReport {
        if let other = path.first(where: { $0.dimension != .feature && $0.dimension != .model }) {
            let span = try q.rows(ViewQuery(groupBy: nil, window: window, atMs: atMs), wallMs: wallMs)
            return SavingsReport(opportunities: [], durationSeconds: span.durationSeconds,
                                 note: "savings are per feature and model, not per \(other.dimension.name)")
        }
        guard q.capabilities.requestClasses else {
            return try gpuOnly(q, window: window, atMs: atMs, path: path, wallMs: wallMs)
        }
        // What the window's traffic says is the same while the data and the window's minutes are (the revision, and
        // the clock's minute and the minute it rounds up to): kept, only scaled to a month for the window's length.
        let endMs = atMs ?? q.clockMs(wallMs: wallMs)
        let key = q.revision.map {
            SavingsCache.Key(revision: $0, window: window, path: path, endMinute: Rollup.floorDiv(endMs, 60_000),
                             endCeilingMinute: Rollup.floorDiv(endMs + 59_999, 60_000), settings: settings)
        }
        if let cache, let key, let kept = cache.candidates(key) {
            let span = try q.rows(ViewQuery(groupBy: nil, window: window, atMs: endMs), wallMs: wallMs)
            return report(kept, durationSeconds: span.durationSeconds)
        }
        let result = try q.classRows(ViewQuery(groupBy: nil, window: window, atMs: atMs, filters: path), wallMs: wallMs)
        var out: [Candidate] = []
        for feature in SavingsAdvisor.features(result.rows) {
            if let o = failedRequests(feature) { out.append(o) }
            for pair in feature.pairs {
                if let o = rightSize(pair) { out.append(o) }
                if let o = promptCache(pair) { out.append(o) }
            }
            if let o = batch(feature) { out.append(o) }
        }
        if path.isEmpty {
            let series = q.gpuSeries(ViewQuery(groupBy: nil, window: window, atMs: atMs), wallMs: wallMs)
            out += series.compactMap { idleGPU($0, endMs: result.endMs) }
        }
        out = out.filter { $0.opportunity.scope.isWithin(path) }
        if let cache, let key { cache.keep(key, out) }
        return report(out, durationSeconds: result.durationSeconds)
    }

    /// The candidates that save at least `minimumPerMonthUSD` over a month at the window's rate, largest first.
    func report(_ candidates: [Candidate], durationSeconds: Double) -> SavingsReport {
        let perMonth = SavingsAdvisor.secondsPerMonth / max(durationSeconds, 1)
        var out = candidates.compactMap { $0.opportunity(perMonth: perMonth, minimum: settings.minimumPerMonthUSD) }
        out.sort(by: SavingsAdvisor.order)
        return SavingsReport(opportunities: out, durationSeconds: durationSeconds)
    }

    /// A backend without request classes: only idle GPUs can be priced, and the report says the rest is not
    /// available (not that there is nothing to save).
    func gpuOnly(_ q: SpendQuery, window: TimeWindow, atMs: Int64?, path: [ViewQuery.Filter],
                 wallMs: Int64) throws -> SavingsReport {
        let span = try q.rows(ViewQuery(groupBy: nil, window: window, atMs: atMs), wallMs: wallMs)
        let perMonth = SavingsAdvisor.secondsPerMonth / max(span.durationSeconds, 1)
        var out: [Opportunity] = []
        if path.isEmpty {
            let series = q.gpuSeries(ViewQuery(groupBy: nil, window: window, atMs: atMs), wallMs: wallMs)
            out = series.compactMap { idleGPU($0, endMs: span.endMs)?.opportunity(perMonth: perMonth,
                                                                                   minimum: settings.minimumPerMonthUSD) }
            out.sort(by: SavingsAdvisor.order)
        }
        return SavingsReport(opportunities: out, durationSeconds: span.durationSeconds,
                             note: ViewQueryError.classesNotKept.description, complete: false)
    }

    /// Largest saving first; rows without a price after those with one; then by kind and scope.
    static func order(_ a: Opportunity, _ b: Opportunity) -> Bool {
        switch (a.savingUSD, b.savingUSD) {
        case let (x?, y?) where x != y: return x > y
        case (.some, nil): return true
        case (nil, .some): return false
        default: break
        }
        let ka = OpportunityKind.allCases.firstIndex(of: a.kind)!, kb = OpportunityKind.allCases.firstIndex(of: b.kind)!
        if ka != kb { return ka < kb }
        return a.scope.description < b.scope.description
    }

    // MARK: grouping the class rows

    /// One feature×model pair's requests, class by class.
    struct Pair {
        var feature: String
        var model: String
        var featureID: GroupID
        var modelID: GroupID
        var classes: [(RequestClass, Measures)]

        var scope: SavingsScope { SavingsScope(feature: feature, model: model, featureID: featureID, modelID: modelID) }

        /// Everything but the failed requests: what the repricing kinds look at.
        var succeeded: [(RequestClass, Measures)] { classes.filter { !$0.0.isError } }
    }

    struct Feature {
        var name: String
        var id: GroupID
        var pairs: [Pair]
    }

    /// Rows arrive sorted by feature, model and class: consecutive ids make a pair, pairs a feature.
    static func features(_ rows: [ClassRow]) -> [Feature] {
        var out: [Feature] = []
        var lastFeature: GroupID?, lastModel: GroupID?
        for r in rows {
            if r.featureID != lastFeature {
                out.append(Feature(name: r.feature, id: r.featureID, pairs: []))
                lastFeature = r.featureID
                lastModel = nil
            }
            if r.modelID != lastModel {
                out[out.count - 1].pairs.append(Pair(feature: r.feature, model: r.model, featureID: r.featureID,
                                                     modelID: r.modelID, classes: []))
                lastModel = r.modelID
            }
            let f = out.count - 1
            out[f].pairs[out[f].pairs.count - 1].classes.append((r.requestClass, r.measures))
        }
        return out
    }

    static func total(_ parts: [(RequestClass, Measures)]) -> Measures {
        var m = Measures()
        for (_, p) in parts { m.merge(p) }
        return m
    }

    static func usage(_ m: Measures) -> TokenUsage {
        TokenUsage(input: m.inputTokens, output: m.outputTokens, cacheRead: m.cacheReadTokens,
                   cacheWrite: m.cacheWriteTokens, reasoning: m.reasoningTokens)
    }

    func opportunity(_ kind: OpportunityKind, _ scope: SavingsScope, evidence: String, spend: Double?, saving: Double?,
                     assumption: String, unpricedHours: Double? = nil) -> Candidate? {
        if let saving { guard saving > 0 else { return nil } }
        return Candidate(opportunity: Opportunity(kind: kind, scope: scope, evidence: evidence, spendUSD: spend,
                                                  savingUSD: saving, savingPerMonthUSD: nil, assumption: assumption),
                         unpricedHours: unpricedHours)
    }

    /// An opportunity before it is scaled to a month (what depends only on the window's traffic, kept between
    /// refreshes by `SavingsCache`).
    struct Candidate: Sendable {
        var opportunity: Opportunity
        /// An idle GPU without a price: its idle hours, which must come to an hour a month to be listed.
        var unpricedHours: Double?

        /// At `perMonth` windows a month: nil when it saves less than `minimum` a month.
        func opportunity(perMonth: Double, minimum: Double) -> Opportunity? {
            if let unpricedHours { guard unpricedHours * perMonth >= minimum else { return nil } }
            var o = opportunity
            if let saving = o.savingUSD {
                guard saving * perMonth >= minimum else { return nil }
                o.savingPerMonthUSD = saving * perMonth
            }
            return o
        }
    }

    // MARK: the kinds

    /// The spend recorded on the feature's requests whose status is an error: exact.
    func failedRequests(_ f: Feature) -> Candidate? {
        let all = SavingsAdvisor.total(f.pairs.flatMap(\.classes))
        let failed = SavingsAdvisor.total(f.pairs.flatMap { $0.classes.filter { $0.0.isError } })
        guard failed.requests > 0, failed.spend > 0 else { return nil }
        var evidence = "\(EvidenceFormat.count(failed.requests)) failed of \(EvidenceFormat.count(all.requests)) "
            + "(\(EvidenceFormat.percent(Double(failed.requests) / Double(max(1, all.requests))))), "
            + "\(EvidenceFormat.percent(Double(failed.retries) / Double(failed.requests))) of them retries"
        if failed.unpriced > 0 { evidence += "; \(EvidenceFormat.count(failed.unpriced)) unpriced not counted" }
        return opportunity(.failedRequests, SavingsScope(feature: f.name, featureID: f.id), evidence: evidence,
                           spend: all.spend,
                           saving: failed.spend, assumption: "")
    }

    /// A pair whose spend is wholly known and whose succeeded requests had any.
    func priced(_ p: Pair) -> Measures? {
        let ok = SavingsAdvisor.total(p.succeeded)
        guard ok.requests > 0, ok.unpriced == 0, ok.spend > 0 else { return nil }
        return ok
    }

    /// Simple requests (mean output ≤ `simpleMaxOutput`) on a model with a cheaper sibling: their
    /// spend minus their tokens at the sibling's prices, each class at its own tier and batch rates.
    func rightSize(_ p: Pair) -> Candidate? {
        guard let sibling = settings.downgrade.sibling(for: p.model), let sp = prices.price(for: sibling),
              let ok = priced(p) else { return nil }
        let meanOut = Double(ok.outputTokens) / Double(ok.requests)
        guard meanOut <= settings.simpleMaxOutput else { return nil }
        let siblingCost = p.succeeded.reduce(0.0) { sum, part in
            sum + sp.cost(SavingsAdvisor.usage(part.1), batch: part.0.isBatch, aboveTier: part.0.isAboveTier)
        }
        let evidence = "\(EvidenceFormat.count(ok.requests)) requests, "
            + "mean output \(EvidenceFormat.count(meanOut)) tokens; "
            + "\(sibling) would cost \(EvidenceFormat.usd(siblingCost)) for the same tokens"
        return opportunity(.rightSize, p.scope, evidence: evidence,
                           spend: SavingsAdvisor.total(p.classes).spend, saving: ok.spend - siblingCost,
                           assumption: "same tokens on the smaller model; check quality before switching")
    }

    /// Long prompts (mean input ≥ `cacheMinInput`) with a cache hit ratio below the target, on a model
    /// whose cache reads cost less than its input: (target × input − cache read) × (input − cache-read rate).
    func promptCache(_ p: Pair) -> Candidate? {
        guard let price = prices.price(for: p.model), let read = price.cacheRead, read < price.input,
              let ok = priced(p), ok.inputTokens > 0 else { return nil }
        let target = settings.cacheTargetRatio
        let meanIn = Double(ok.inputTokens) / Double(ok.requests)
        let ratio = Double(ok.cacheReadTokens) / Double(ok.inputTokens)
        guard meanIn >= settings.cacheMinInput, ratio < target else { return nil }
        // Rates read through the pricing code, so a class above the tier or sent as batch gets its own.
        let saving = p.succeeded.reduce(0.0) { sum, part in
            let (c, m) = part
            let input = price.cost(TokenUsage(input: 1), batch: c.isBatch, aboveTier: c.isAboveTier)
            let cached = price.cost(TokenUsage(input: 1, cacheRead: 1), batch: c.isBatch, aboveTier: c.isAboveTier)
            return sum + (target * Double(m.inputTokens) - Double(m.cacheReadTokens)) * (input - cached)
        }
        let evidence = "cache hit \(EvidenceFormat.percent(ratio)) on \(EvidenceFormat.count(meanIn))-token prompts "
            + "(\(EvidenceFormat.count(ok.requests)) requests), target \(EvidenceFormat.plain(target * 100))%"
        return opportunity(.promptCache, p.scope, evidence: evidence,
                           spend: SavingsAdvisor.total(p.classes).spend, saving: saving,
                           assumption: "\(EvidenceFormat.plain(target * 100))% of prompt tokens are a stable prefix; "
                               + "cache writes not counted")
    }

    /// Latency-tolerant requests (a feature in `batchFeatures`, or events marked `batch_eligible`) that
    /// were not sent as batch: their spend minus their cost at the model's batch rates.
    func batch(_ f: Feature) -> Candidate? {
        let listed = settings.batchFeatures.contains(f.name)
        var requests: Int64 = 0, spend = 0.0, atBatch = 0.0
        for p in f.pairs where priced(p) != nil {
            let price = prices.price(for: p.model)
            for (c, m) in p.succeeded where !c.isBatch && (listed || c.contains(.batchEligible)) {
                requests += m.requests
                spend += m.spend
                // The batch discount as the table prices these tokens, applied to what was paid (a
                // gateway's own cost included); a model without a price is billed half, as SPEC §4 says.
                var ratio = 0.5
                if let price {
                    let u = SavingsAdvisor.usage(m)
                    let standard = price.cost(u, batch: false, aboveTier: c.isAboveTier)
                    if standard > 0 { ratio = price.cost(u, batch: true, aboveTier: c.isAboveTier) / standard }
                }
                atBatch += m.spend * ratio
            }
        }
        guard requests > 0 else { return nil }
        let why = listed ? "of a batch feature" : "marked batch_eligible"
        let evidence = "\(EvidenceFormat.count(requests)) requests \(why) sent at standard rates "
            + "(\(EvidenceFormat.usd(spend))); \(EvidenceFormat.usd(atBatch)) at batch rates"
        let all = SavingsAdvisor.total(f.pairs.flatMap(\.classes))
        return opportunity(.batch, SavingsScope(feature: f.name, featureID: f.id), evidence: evidence, spend: all.spend,
                           saving: spend - atBatch,
                           assumption: "the work can wait for a batch API's turnaround (up to 24 h)")
    }

    /// GPU-hours whose minute-average utilisation is below `idleUtilPct`, at the GPU-hour price. Each
    /// sampled minute stands until the next sampled one (at most `maxHoldMinutes`), the last until the clock.
    func idleGPU(_ s: GPUSeries, endMs: Int64) -> Candidate? {
        let points = s.points.filter { $0.measures.utilCount > 0 }
        guard !points.isEmpty else { return nil }
        // The last reading stands until the clock (rounded up to its minute).
        let endMinute = Rollup.floorDiv(endMs + 59_999, 60_000)
        var covered: Int64 = 0, idle: Int64 = 0, idleUtil = 0.0
        for (i, p) in points.enumerated() {
            let minute = Rollup.floorDiv(p.minuteStartMs, 60_000)
            let next = i + 1 < points.count ? Rollup.floorDiv(points[i + 1].minuteStartMs, 60_000) : endMinute
            let hold = max(1, min(next - minute, SavingsAdvisor.maxHoldMinutes))
            covered += hold
            let util = p.measures.utilPct ?? 0
            if util < settings.idleUtilPct {
                idle += hold
                idleUtil += util * Double(hold)
            }
        }
        let hours = Double(idle) / 60
        let price = settings.gpuHourly(s.name)
        // Without a price the row still shows (the hours are known); it is kept when it would be an hour a month.
        guard idle > 0 else { return nil }
        let evidence = "\(EvidenceFormat.hours(hours)) GPU-h below \(EvidenceFormat.plain(settings.idleUtilPct))% util "
            + "of \(EvidenceFormat.hours(Double(covered) / 60)) h sampled "
            + "(mean \(EvidenceFormat.percent(idleUtil / Double(idle) / 100)) while idle)"
        let assumption = price == nil ? "no GPU-hour price: set [gpu] hourly_price_usd or [gpu.prices]"
            : "an idle GPU can be released or given other work"
        return opportunity(.idleGPU, SavingsScope(gpu: s.name, gpuID: s.id), evidence: evidence,
                           spend: price.map { Double(covered) / 60 * $0 }, saving: price.map { hours * $0 },
                           assumption: assumption, unpricedHours: price == nil ? hours : nil)
    }
}
