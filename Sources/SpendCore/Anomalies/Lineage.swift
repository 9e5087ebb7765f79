/// A scope the detector watches: the fleet, one value of one dimension, or one GPU.
struct AnomalyScope: Hashable {
    var dimension: Dimension?
    var id: GroupID
    var isGPU = false

    static let fleet = AnomalyScope(dimension: nil, id: .none)
    var isFleet: Bool { dimension == nil && !isGPU }

    /// How broad a scope is, for the first guess at an incident's name (then narrowed by concentration).
    var breadth: Int {
        if isFleet { return 0 }
        switch dimension {
        case .provider?: return 1
        case .feature?: return 2
        case .model?: return 3
        default: return 4
        }
    }
}

/// Which anomalies belong together, and which scope names an incident (docs/anomalies.md, "merging").
/// Everything is measured on the scopes' intersection, read through the query boundary (`DetectorInput`:
/// feature×key, feature×model, key×model, provider×model): the share of one anomaly's excess that lies inside
/// another's scope, and the share of its normal traffic that does.
struct Lineage {
    let input: DetectorInput
    let minute: Int64
    /// Model id → provider id, from the provider×model cells of the last hour.
    private var providerOf: [GroupID: GroupID] = [:]
    private var providersRead = false

    init(input: DetectorInput, minute: Int64) {
        self.input = input
        self.minute = minute
    }

    /// One anomaly as lineage sees it: where, what, its baseline level and the minutes its excess is read over.
    struct Symptom {
        var scope: AnomalyScope
        var metric: AnomalyMetric
        var level: Double
        var from: Int64
        var to: Int64
    }

    mutating func provider(ofModel m: GroupID) -> GroupID? {
        if !providersRead {
            providersRead = true
            // Each provider's models over the last hour: one breakdown per provider seen in that hour.
            for p in (input.breakdown(by: .provider, [], from: minute - 60, to: minute) ?? [:]).keys {
                for mo in (input.breakdown(by: .model, [input.filter(.provider, p)], from: minute - 60,
                                           to: minute) ?? [:]).keys {
                    providerOf[mo] = p
                }
            }
        }
        return providerOf[m]
    }

    /// One scope's measures over `[from, to]`.
    func measures(_ a: AnomalyScope, from: Int64, to: Int64) -> Measures {
        input.total(input.filters(a), from: from, to: to) ?? Measures()
    }

    /// The cells of A ∩ B over `[from, to]`; nil when the backend cannot tell.
    mutating func intersection(_ a: AnomalyScope, _ b: AnomalyScope, from: Int64, to: Int64) -> Measures? {
        if a.isGPU || b.isGPU { return a == b ? Measures() : nil }
        if a == b || b.isFleet { return measures(a, from: from, to: to) }
        if a.isFleet { return measures(b, from: from, to: to) }
        guard let da = a.dimension, let db = b.dimension else { return nil }
        if da == db { return Measures() }
        if da == .provider || db == .provider {
            let (p, other) = da == .provider ? (a, b) : (b, a)
            if other.dimension == .model {
                return provider(ofModel: other.id) == p.id ? measures(other, from: from, to: to) : Measures()
            }
            // Feature or key ∩ provider: its measures on the provider's models.
            guard let byModel = input.breakdown(by: .model, input.filters(other), from: from, to: to) else {
                return nil
            }
            var out = Measures()
            for (model, c) in byModel where provider(ofModel: model) == p.id { out.merge(c) }
            return out
        }
        return input.total(input.filters(a) + input.filters(b), from: from, to: to)
    }

    /// A symptom's excess in a set of cells, against the symptom's own baseline level.
    static func excess(_ c: Measures, _ s: Symptom, baseShare: Double) -> Double {
        let n = Double(c.requests)
        switch s.metric {
        case .spend: return c.spend - n * s.level
        case .tokens: return Double(c.inputTokens + c.outputTokens) - n * s.level
        case .requests: return n - s.level * Double(s.to - s.from + 1) * baseShare
        case .errorRate: return Double(c.errors) - n * s.level
        case .retryRate: return Double(c.retries) - n * s.level
        case .cacheHitRatio: return Double(c.inputTokens) * s.level - Double(c.cacheReadTokens)
        case .gpuUtil: return 0
        }
    }

    static func weight(_ c: Measures, _ m: AnomalyMetric) -> Double {
        m == .cacheHitRatio ? Double(c.inputTokens) : Double(c.requests)
    }

    /// Of symptom A's excess, the share inside B's scope (`excess`), and of A's normal traffic, the share
    /// inside B's scope (`baseline`); nil when A has no excess or the backend cannot tell.
    mutating func shares(_ a: Symptom, in b: AnomalyScope) -> (excess: Double, baseline: Double)? {
        let baseFrom = a.from - 63, baseTo = a.from - 4
        guard let inNow = intersection(a.scope, b, from: a.from, to: a.to),
              let inBase = intersection(a.scope, b, from: baseFrom, to: baseTo) else { return nil }
        let allNow = measures(a.scope, from: a.from, to: a.to), allBase = measures(a.scope, from: baseFrom, to: baseTo)
        let wAll = Lineage.weight(allBase, a.metric)
        let baseShare = wAll > 0 ? Lineage.weight(inBase, a.metric) / wAll : 0
        let total = Lineage.excess(allNow, a, baseShare: 1)
        guard total > 0 else { return nil }
        let inside = Lineage.excess(inNow, a, baseShare: baseShare)
        return (min(max(inside / total, 0), 1), baseShare)
    }

    /// A's anomaly lies in B's scope, and more there than B's share of A's normal traffic would explain.
    mutating func concentrated(_ a: Symptom, in b: AnomalyScope) -> Bool {
        guard a.scope != b, let sh = shares(a, in: b) else { return false }
        return sh.excess >= 0.6 && (sh.excess >= 2 * sh.baseline || (sh.excess >= 0.9 && sh.baseline <= 0.85))
    }

    /// Whether a new symptom joins an existing one's incident: the same scope; or the other scope carries
    /// most of its excess (of the same family, or concentrated there); or, same family, it carries most of
    /// the other's.
    mutating func linked(_ a: Symptom, _ b: Symptom) -> Bool {
        if a.scope.isGPU || b.scope.isGPU { return a.scope == b.scope }
        if a.scope == b.scope { return true }
        // Both judged now, over A's minutes.
        var bNow = b
        bNow.from = a.from
        bNow.to = a.to
        let aInB = b.scope.isFleet ? nil : shares(a, in: b.scope)?.excess
        let bInA = shares(bNow, in: a.scope)?.excess
        // The fleet holds all of A's excess whatever caused it: no evidence of a common cause, so only the other
        // direction counts for it (a model inside its provider is lineage, and counts). Symptoms of one family
        // link when one lies mostly in the other's scope; of different families (a key's new spend and its
        // feature's cache ratio) only when each lies mostly in the other's.
        if a.metric.family == b.metric.family { return (aInB ?? 0) >= 0.6 || (bInA ?? 0) >= 0.6 }
        return (aInB ?? 0) >= 0.6 && (bInA ?? 0) >= 0.6
    }

    /// Whether every cell of `inner` lies in `outer` by construction.
    mutating func contains(_ outer: AnomalyScope, _ inner: AnomalyScope) -> Bool {
        if outer == inner { return true }
        if outer.isFleet { return !inner.isGPU }
        if outer.dimension == .provider, inner.dimension == .model { return provider(ofModel: inner.id) == outer.id }
        return false
    }

    /// The narrower scopes a symptom is concentrated in (one per other dimension at most): the key carrying a
    /// feature's rise, the model carrying a provider's errors. An incident names them with its own scope.
    func drivers(_ a: Symptom) -> [AnomalyScope] {
        guard !a.scope.isGPU, a.metric != .gpuUtil else { return [] }
        let baseFrom = a.from - 63, baseTo = a.from - 4
        let allNow = measures(a.scope, from: a.from, to: a.to), allBase = measures(a.scope, from: baseFrom, to: baseTo)
        let total = Lineage.excess(allNow, a, baseShare: 1)
        let wAll = Lineage.weight(allBase, a.metric)
        guard total > 0 else { return [] }
        var out: [AnomalyScope] = []
        for d in [Dimension.apiKey, .model, .feature, .provider] where d != a.scope.dimension {
            let scope = input.filters(a.scope)
            guard let nowBy = input.breakdown(by: d, scope, from: a.from, to: a.to),
                  let baseBy = input.breakdown(by: d, scope, from: baseFrom, to: baseTo) else { continue }
            var best: (GroupID, Double, Double)? = nil
            for (id, c) in nowBy where id != .none && id != .other {
                let bsh = wAll > 0 ? Lineage.weight(baseBy[id] ?? Measures(), a.metric) / wAll : 0
                let exsh = Lineage.excess(c, a, baseShare: bsh) / total
                if best == nil || exsh > best!.1 { best = (id, exsh, bsh) }
            }
            guard let (id, exsh, bsh) = best, exsh >= 0.6 else { continue }
            // A narrower scope must carry more than its usual share; the feature a key's or model's anomaly
            // happens in is named whenever it holds most of it.
            let context = d == .feature && (a.scope.dimension == .apiKey || a.scope.dimension == .model)
            if context || exsh >= 2 * bsh || (exsh >= 0.9 && bsh <= 0.85) {
                out.append(AnomalyScope(dimension: d, id: id))
            }
        }
        return out
    }
}
