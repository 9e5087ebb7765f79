/// Finds the likely driver of an anomaly, once, when it opens: retries, errors, a cache collapse, or one key /
/// model / feature / provider carrying most of the change. Cost: two totals and up to two breakdowns per
/// other dimension over the baseline hour, each one `SpendQuery` call.
enum AnomalyExplainer {
    static let baselineMinutes: Int64 = 60
    /// Minutes just before the anomaly left out of the baseline (they may already be part of it).
    static let gapMinutes: Int64 = 3
    /// Events a baseline count needs before a ratio against it is shown (below, its own noise is ~30%).
    static let minBaselineCount = 10.0

    static func drivers(_ input: DetectorInput, scope: AnomalyScope, metric: AnomalyMetric, minute: Int64) -> [String] {
        guard metric != .gpuUtil, !scope.isGPU else { return [] }
        let lineage = Lineage(input: input, minute: minute)
        let from = minute - baselineMinutes, to = minute - gapMinutes
        let now = lineage.measures(scope, from: minute, to: minute)
        let base = lineage.measures(scope, from: from, to: to)
        guard now.requests > 0 else { return [] }
        let baseMinutes = Double(to - from + 1)
        var out: [String] = []

        let rNow = now.retryRate ?? 0, rBase = base.retryRate ?? 0
        if metric != .retryRate && rNow >= 0.05 && rNow >= 3 * max(rBase, 0.005) {
            out.append(Double(base.retries) >= minBaselineCount ? "retries \(AlertFormat.ratio(rNow / rBase))"
                       : "retries \(AlertFormat.number(rNow * 100))%")
        }
        let eNow = now.errorRate ?? 0, eBase = base.errorRate ?? 0
        if metric != .errorRate && eNow >= 0.10 && eNow >= 3 * max(eBase, 0.005) {
            out.append("errors \(AlertFormat.number(eNow * 100))%")
        }
        if metric != .cacheHitRatio, let cNow = now.cacheHitRatio, let cBase = base.cacheHitRatio,
           cBase - cNow >= 0.15 {
            out.append("cache hit \(AlertFormat.number(cBase * 100))%→\(AlertFormat.number(cNow * 100))%")
        }

        // Who carries the change: per value of each other dimension, this minute against the baseline's average.
        let value: (Measures) -> Double
        switch metric {
        case .spend: value = { $0.spend }
        case .tokens: value = { Double($0.inputTokens + $0.outputTokens) }
        case .requests: value = { Double($0.requests) }
        case .errorRate: value = { Double($0.errors) }
        case .retryRate: value = { Double($0.retries) }
        case .cacheHitRatio: value = { Double($0.inputTokens - $0.cacheReadTokens) }  // uncached input: what got dearer
        case .gpuUtil: return out
        }
        let word = metric == .errorRate ? "errors" : metric == .retryRate ? "retries"
            : metric == .cacheHitRatio ? "uncached input" : "rise"
        let filters = input.filters(scope)
        for d in [Dimension.apiKey, .model, .provider, .feature] where d != scope.dimension {
            // A breakdown the backend cannot answer (a dimension not kept with the scope's) is skipped.
            guard let nowBy = input.breakdown(by: d, filters, from: minute, to: minute),
                  let baseBy = input.breakdown(by: d, filters, from: from, to: to) else { continue }
            var deltas: [(GroupID, Double)] = []
            var totalRise = 0.0
            for (id, m) in nowBy {
                let dlt = value(m) - (baseBy[id].map(value) ?? 0) / baseMinutes
                if dlt > 0 { deltas.append((id, dlt)); totalRise += dlt }
            }
            guard totalRise > 0, let top = deltas.max(by: { $0.1 < $1.1 }), top.1 / totalRise >= 0.6,
                  nowBy.count > 1 || baseBy.count > 1 else { continue }
            let label = d == .apiKey ? "key" : d.name
            out.append("\(label) \(input.name(d, top.0)) \(Int((top.1 / totalRise * 100).rounded()))% of \(word)")
            break
        }
        return out
    }
}
