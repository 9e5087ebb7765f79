/// The detector's half of the engine: anomalies and new spenders become incidents, merged along lineage only
/// (docs/anomalies.md, "from anomalies to alerts").
extension AlertEngine {
    /// What an open detected incident holds, for merging later symptoms and naming them.
    struct DetectedIncident {
        var symptoms: [Lineage.Symptom]
        var labels: [String]
        var baseReason: String
    }

    func evaluateAnomalies(_ query: SpendQuery, minute m: Int64, _ started: inout [Int]) {
        let input = DetectorInput(query: query)
        let (openings, closings) = detector.step(input, minute: m)
        for c in closings {
            guard var inc = incidents[c.incident] else { continue }
            inc.attached -= 1
            incidents[c.incident] = inc
            if inc.attached <= 0 { end(c.incident, atMs: c.endMs) }
        }
        guard !openings.isEmpty else { return }
        var lineage = Lineage(input: input, minute: m)
        var fresh: [(AnomalyDetector.Opening, Lineage.Symptom)] = []
        for o in openings {
            if let id = o.reopen, var inc = incidents[id] {
                inc.attached = max(inc.attached, 0) + 1
                inc.event.endedMs = nil
                incidents[id] = inc
                detector.attach(o.key, slot: o.slot, incident: id)
                continue
            }
            let sym = symptom(o)
            if let id = linkedIncident(sym, &lineage) {
                join(id, o, sym, input)
                continue
            }
            fresh.append((o, sym))
        }
        // Openings of this minute that are linked to each other are one incident, named by its headline.
        var cluster = Array(fresh.indices)
        func root(_ i: Int) -> Int {
            var i = i
            while cluster[i] != i { i = cluster[i] }
            return i
        }
        for i in fresh.indices {
            for j in fresh.indices where j > i && root(i) != root(j) {
                if lineage.linked(fresh[i].1, fresh[j].1) || lineage.linked(fresh[j].1, fresh[i].1) {
                    cluster[root(j)] = root(i)
                }
            }
        }
        var groups: [Int: [Int]] = [:]
        for i in fresh.indices { groups[root(i), default: []].append(i) }
        for members in groups.keys.sorted().map({ groups[$0]! }) {
            let h = headline(members, fresh, &lineage)
            let (o, sym) = fresh[h]
            let others = members.filter { $0 != h }
            var labels = uniqueLabels([o] + others.map { fresh[$0].0 }, input)
            for d in lineage.drivers(sym) {
                let l = (scope: scopeString(d, input), label: label(d, input))
                if !labels.contains(where: { $0.scope == l.scope }) { labels.append(l) }
            }
            let base = reason(o, input)
            var e = AlertEvent(key: alertKey(o, input), kind: o.test == .newSpender ? .newSpender : .anomaly,
                               startedMs: (m + 1) * 60_000, scope: scopeString(o.key, input),
                               scopeFilters: input.filters(scope(o.key)), metric: o.metric.rawValue,
                               observed: o.test == .newSpender ? o.observed * 60 : o.observed,
                               expected: o.test == .newSpender ? nil : o.expected,
                               score: (o.z * 10).rounded() / 10, reason: base + alsoText(labels))
            e.scopes = labels.map(\.scope)
            if !others.isEmpty { e.related = others.count }
            let id = open(e, family: o.metric.family)
            incidents[id]!.attached = members.count
            detected[id] = DetectedIncident(symptoms: [sym] + others.map { fresh[$0].1 }, labels: labels.map(\.label),
                                            baseReason: base)
            for i in members { detector.attach(fresh[i].0.key, slot: fresh[i].0.slot, incident: id) }
            started.append(id)
        }
    }

    func symptom(_ o: AnomalyDetector.Opening) -> Lineage.Symptom {
        Lineage.Symptom(scope: scope(o.key), metric: o.metric, level: o.level, from: max(o.since, o.minute - 9), to: o.minute)
    }

    /// The open detected incident a new symptom belongs to, newest first.
    func linkedIncident(_ sym: Lineage.Symptom, _ lineage: inout Lineage) -> Int? {
        for id in order.reversed() {
            guard let inc = incidents[id], inc.event.isDetected, inc.event.endedMs == nil, let d = detected[id] else { continue }
            if d.symptoms.contains(where: { lineage.linked(sym, $0) }) { return id }
        }
        return nil
    }

    func join(_ id: Int, _ o: AnomalyDetector.Opening, _ sym: Lineage.Symptom, _ input: DetectorInput) {
        guard var inc = incidents[id], var d = detected[id] else { return }
        inc.attached += 1
        inc.event.related = (inc.event.related ?? 0) + 1
        let s = scopeString(o.key, input)
        if !(inc.event.scopes ?? []).contains(s) {
            inc.event.scopes = (inc.event.scopes ?? [inc.event.scope]) + [s]
            d.labels.append(label(o.key, input))
            inc.event.reason = d.baseReason + alsoText(zip(inc.event.scopes!, d.labels).map { ($0, $1) })
        }
        d.symptoms.append(sym)
        incidents[id] = inc
        detected[id] = d
        detector.attach(o.key, slot: o.slot, incident: id)
    }

    /// The incident's name: start from the broadest scope and move to a narrower one while the anomaly is
    /// concentrated there (a key carrying its feature's rise, one model its provider's errors); then, within
    /// that scope, the most specific symptom (retries before the requests they add).
    func headline(_ members: [Int], _ fresh: [(AnomalyDetector.Opening, Lineage.Symptom)], _ lineage: inout Lineage) -> Int {
        func burn(_ i: Int) -> Double { detector.group(fresh[i].0.key)?.requestBurn ?? 0 }
        var h = members.min { a, b in
            let (x, y) = (fresh[a].1.scope.breadth, fresh[b].1.scope.breadth)
            return x != y ? x < y : burn(a) > burn(b)
        }!
        var seen: Set<AnomalyScope> = [fresh[h].1.scope]
        for _ in members {
            let narrower = members.filter { !seen.contains(fresh[$0].1.scope) && lineage.concentrated(fresh[h].1, in: fresh[$0].1.scope) }
            guard !narrower.isEmpty else { break }
            // Of several, the one whose scope holds the others' anomalies (a retry storm's feature holds its
            // models' retries, not the reverse); then the least traffic (the more specific).
            func covers(_ c: Int) -> Int {
                narrower.filter { $0 != c && (lineage.shares(fresh[$0].1, in: fresh[c].1.scope)?.excess ?? 0) >= 0.9 }.count
            }
            let next = narrower.max { a, b in
                let (x, y) = (covers(a), covers(b))
                return x != y ? x < y : burn(a) > burn(b)
            }!
            h = next
            seen.insert(fresh[h].1.scope)
        }
        let scope = fresh[h].1.scope
        return members.filter { fresh[$0].1.scope == scope }.min { a, b in
            let (x, y) = (fresh[a].0, fresh[b].0)
            if (x.test == .newSpender) != (y.test == .newSpender) { return x.test == .newSpender }
            return x.metric.headlineOrder != y.metric.headlineOrder ? x.metric.headlineOrder < y.metric.headlineOrder : x.z > y.z
        }!
    }

    // MARK: names and reasons

    func scope(_ key: AnomalyDetector.GroupKey) -> AnomalyScope {
        if key.grouping < 0 { return AnomalyScope(dimension: nil, id: key.cell.first, isGPU: true) }
        let g = detector.groupings[key.grouping]
        return AnomalyScope(dimension: g.first, id: key.cell.first)
    }

    func scopeString(_ key: AnomalyDetector.GroupKey, _ input: DetectorInput) -> String { scopeString(scope(key), input) }

    func label(_ key: AnomalyDetector.GroupKey, _ input: DetectorInput) -> String { label(scope(key), input) }

    func scopeString(_ s: AnomalyScope, _ input: DetectorInput) -> String {
        if s.isGPU { return "gpu=\(input.gpuName(s.id))" }
        guard let d = s.dimension else { return "fleet" }
        return "\(d.name)=\(input.name(d, s.id))"
    }

    /// How a reason line names a scope: a feature by its name, the rest with their dimension.
    func label(_ s: AnomalyScope, _ input: DetectorInput) -> String {
        if s.isGPU { return input.gpuName(s.id) }
        switch s.dimension {
        case nil: return "fleet"
        case .feature?: return input.name(.feature, s.id)
        case .apiKey?: return "key " + input.name(.apiKey, s.id)
        case let d?: return "\(d.name)=\(input.name(d, s.id))"
        }
    }

    func uniqueLabels(_ os: [AnomalyDetector.Opening], _ input: DetectorInput) -> [(scope: String, label: String)] {
        var out: [(String, String)] = []
        for o in os {
            let s = scopeString(o.key, input)
            if !out.contains(where: { $0.0 == s }) { out.append((s, label(o.key, input))) }
        }
        return out
    }

    func alsoText(_ labels: [(scope: String, label: String)]) -> String {
        let rest = labels.dropFirst().map(\.label)
        guard !rest.isEmpty else { return "" }
        let shown = rest.prefix(4).joined(separator: ", ")
        return "; with " + shown + (rest.count > 4 ? " and \(rest.count - 4) more" : "")
    }

    func alertKey(_ o: AnomalyDetector.Opening, _ input: DetectorInput) -> String {
        o.test == .newSpender ? "new_spender:\(scopeString(o.key, input))" : "anomaly:\(scopeString(o.key, input)):\(o.metric.rawValue)"
    }

    /// The one line a person reads first. A ratio against the baseline only where the baseline clears its
    /// own noise (`ratioNoiseMultiple` standard deviations); otherwise both values.
    func reason(_ o: AnomalyDetector.Opening, _ input: DetectorInput) -> String {
        let s = detector.settings
        let name = label(o.key, input)
        if o.test == .newSpender {
            let what = scope(o.key).dimension == .apiKey ? name : name.replacingOccurrences(of: "=", with: " ")
            let pct = AlertFormat.number((o.share * 100).rounded())
            return (o.appeared ? "new " : "") + "\(what): $\(AlertFormat.number(o.observed * 60))/h since "
                + "\(AlertFormat.clock(o.since * 60_000)) (\(pct)% of fleet)" + (o.appeared ? "" : ", no baseline before")
        }
        let m = o.metric
        // The typical cached share is a mean over requests, not the token-weighted ratio the views show: say so.
        let title = o.slot == AnomalyDetector.cacheShareSlot ? "cache hit per request" : m.title
        var head: String
        if m.isVolume && o.expected > 0 && o.expected >= s.ratioNoiseMultiple * o.sd {
            head = "\(name) \(title) \(AlertFormat.ratio(o.observed / o.expected)) baseline "
                + "(\(m.format(o.observed)) vs \(m.format(o.expected)))"
        } else {
            head = "\(name) \(title) \(m.format(o.observed)) vs \(m.format(o.expected)) baseline"
        }
        if o.test == .cusum { head += ", shifted since \(AlertFormat.clock(o.since * 60_000))" }
        var parts = [head]
        if o.excessUSD * 60 >= 0.01 { parts.append("+$\(AlertFormat.number(o.excessUSD * 60))/h") }
        parts += AnomalyExplainer.drivers(input, scope: scope(o.key), metric: m, minute: o.minute)
        return parts.joined(separator: "; ")
    }
}
