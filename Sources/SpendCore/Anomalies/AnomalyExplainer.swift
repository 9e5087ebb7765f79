/// Finds the likely driver of an anomaly from the rollups, once, when it opens: retries, errors, a cache
/// collapse, or one key / model / feature carrying most of the rise. Cost: one sum over the baseline hour
/// of two or three groupings.
enum AnomalyExplainer {
    static let baselineMinutes: Int64 = 60
    /// Minutes just before the anomaly left out of the baseline (they may already be part of it).
    static let gapMinutes: Int64 = 3

    /// The scope's filters as (dimension, id).
    typealias Scope = [(Dimension, Int32)]

    static func drivers(_ rollup: Rollup, scope: Scope, metric: AnomalyMetric, minute: Int64) -> [String] {
        guard metric != .gpuUtil else { return [] }
        let from = minute - baselineMinutes, to = minute - gapMinutes
        guard let now = total(rollup, scope: scope, from: minute, to: minute),
              let base = total(rollup, scope: scope, from: from, to: to) else { return [] }
        let baseMinutes = Double(to - from + 1)
        var out: [String] = []

        let rNow = now.retryRate ?? 0, rBase = base.retryRate ?? 0
        if metric != .retryRate && rNow >= 0.05 && rNow >= 3 * max(rBase, 0.005) {
            out.append(rBase > 0 ? "retries \(AlertFormat.ratio(rNow / rBase))" : "retries \(AlertFormat.number(rNow * 100))%")
        }
        let eNow = now.errorRate ?? 0, eBase = base.errorRate ?? 0
        if metric != .errorRate && eNow >= 0.10 && eNow >= 3 * max(eBase, 0.005) {
            out.append("errors \(AlertFormat.number(eNow * 100))%")
        }
        if metric != .cacheHitRatio, let cNow = now.cacheHitRatio, let cBase = base.cacheHitRatio, cBase - cNow >= 0.15 {
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
        let word = metric == .errorRate ? "errors" : metric == .retryRate ? "retries" : metric == .cacheHitRatio ? "uncached input" : "rise"
        for d in [Dimension.apiKey, .model, .feature] where !scope.contains(where: { $0.0 == d }) {
            guard let g = breakdownGrouping(rollup, scope: scope, by: d) else { continue }
            let nowBy = byValue(rollup, g, scope: scope, by: d, from: minute, to: minute)
            let baseBy = byValue(rollup, g, scope: scope, by: d, from: from, to: to)
            var deltas: [(Int32, Double)] = []
            var totalRise = 0.0
            for (id, m) in nowBy {
                let dlt = value(m) - (baseBy[id].map(value) ?? 0) / baseMinutes
                if dlt > 0 { deltas.append((id, dlt)); totalRise += dlt }
            }
            guard totalRise > 0, let top = deltas.max(by: { $0.1 < $1.1 }), top.1 / totalRise >= 0.6, deltas.count > 1 || nowBy.count > 1 || baseBy.count > 1 else { continue }
            let label = d == .apiKey ? "key" : d.name
            out.append("\(label) \(rollup.name(d, top.0)) \(Int((top.1 / totalRise * 100).rounded()))% of \(word)")
            break
        }
        return out
    }

    static func total(_ rollup: Rollup, scope: Scope, from: Int64, to: Int64) -> Measures? {
        guard let g = scopeGrouping(rollup, scope) else { return nil }
        var m = Measures()
        for (key, cell) in rollup.sum(g, fromMinute: from, toMinute: to) where matches(key, g, scope) { m.merge(cell) }
        return m
    }

    static func scopeGrouping(_ rollup: Rollup, _ scope: Scope) -> Grouping? {
        switch scope.count {
        case 0: return .total
        case 1: return rollup.keeps(.by(scope[0].0)) ? .by(scope[0].0) : nil
        default:
            let p = Grouping.pairs.first { ($0.first == scope[0].0 && $0.second == scope[1].0) || ($0.first == scope[1].0 && $0.second == scope[0].0) }
            return p.flatMap { rollup.keeps($0) ? $0 : nil }
        }
    }

    static func breakdownGrouping(_ rollup: Rollup, scope: Scope, by d: Dimension) -> Grouping? {
        switch scope.count {
        case 0: return rollup.keeps(.by(d)) ? .by(d) : nil
        case 1:
            let s = scope[0].0
            let p = Grouping.pairs.first { ($0.first == s && $0.second == d) || ($0.first == d && $0.second == s) }
            return p.flatMap { rollup.keeps($0) ? $0 : nil }
        default: return nil
        }
    }

    static func matches(_ key: UInt64, _ g: Grouping, _ scope: Scope) -> Bool {
        let (a, b) = CellTable.ids(key)
        for (d, id) in scope {
            if g.first == d && a != id { return false }
            if g.second == d && b != id { return false }
        }
        return true
    }

    static func byValue(_ rollup: Rollup, _ g: Grouping, scope: Scope, by d: Dimension, from: Int64, to: Int64) -> [Int32: Measures] {
        var out = [Int32: Measures]()
        for (key, cell) in rollup.sum(g, fromMinute: from, toMinute: to) where matches(key, g, scope) {
            let (a, b) = CellTable.ids(key)
            out[g.first == d ? a : b, default: Measures()].merge(cell)
        }
        return out
    }
}
