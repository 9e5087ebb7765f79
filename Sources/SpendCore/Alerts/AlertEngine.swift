/// Evaluates threshold rules, budgets and the anomaly detector against a rollup as time passes. Pure: it reads
/// the rollup and a clock, and judges only minutes that closed since the last call, so the console can call it
/// every tick. Costs per closed minute: each rule sums `window` cells, each budget one cell (plus one hour for
/// its burn rate), the detector is O(tracked groups); see docs/anomalies.md.
public final class AlertEngine: AlertEvaluating {
    public struct Options: Sendable {
        /// A minute is judged this long after it closes, so late lines of a live stream can land first.
        public var settleMs: Int64 = 0
        public var anomalies = true
        public var anomaly = AnomalySettings()
        /// A first call (or one after a long pause) judges at most this much history.
        public var maxCatchUpMinutes: Int64 = 24 * 60
        /// A call judging more minutes than this is catching up: only incidents still holding are returned
        /// (so a restart does not ring for yesterday); the rest go to `history` only.
        public var catchUpQuietMinutes: Int64 = 5
        public var maxHistory = 1_000
        public init() {}
    }

    public let rules: AlertRuleSet
    public let options: Options
    public let detector: AnomalyDetector

    struct Incident {
        var event: AlertEvent
        var family: String?
        var attached = 1
    }

    struct RuleState {
        var pendingSince: Int64?
        var incident: Int?
        var endedMinute: Int64?
    }

    struct BudgetState {
        var periodStart: Int64 = .min
        var spent = 0.0
        var fired: Set<Double> = []
        var incidents: [Int] = []
        var exhaustedMs: Int64?
    }

    var incidents: [Int: Incident] = [:]
    /// The detector's incidents: the symptoms each holds (AlertEngine+Anomalies.swift).
    var detected: [Int: DetectedIncident] = [:]
    var order: [Int] = []
    var nextID = 0
    var ruleStates: [RuleState]
    var budgetStates: [BudgetState]
    public private(set) var lastMinute: Int64?
    /// Where each budget stands after the last call.
    public private(set) var budgets: [BudgetStatus] = []
    /// Incidents that ended during the last call (for the alert log's end lines).
    public private(set) var endedSinceLastCall: [AlertEvent] = []

    public init(rules: AlertRuleSet = AlertRuleSet(), options: Options = Options()) {
        self.rules = rules
        self.options = options
        detector = AnomalyDetector(settings: options.anomaly)
        ruleStates = Array(repeating: RuleState(), count: rules.rules.count)
        budgetStates = Array(repeating: BudgetState(), count: rules.budgets.count)
    }

    public var active: [AlertEvent] { order.compactMap { incidents[$0]?.event }.filter(\.isActive) }
    public var history: [AlertEvent] { order.compactMap { incidents[$0]?.event } }

    public func evaluate(_ rollup: Rollup, nowMs: Int64) -> [AlertEvent] {
        endedSinceLastCall = []
        guard rollup.newestMs != .min else { return [] }
        let closed = Rollup.floorDiv(nowMs - options.settleMs, 60_000) - 1
        var from: Int64
        if let last = lastMinute {
            from = last + 1
        } else {
            from = max(Rollup.floorDiv(rollup.oldestMs, 60_000), rollup.oldestMinute ?? closed)
        }
        from = max(from, closed - options.maxCatchUpMinutes + 1)
        guard closed >= from else { return [] }
        var started: [Int] = []
        for m in from...closed { step(rollup, minute: m, &started) }
        lastMinute = closed
        let quiet = closed - from + 1 > options.catchUpQuietMinutes
        return started.compactMap { incidents[$0]?.event }.filter { !quiet || $0.isActive }
    }

    /// Replays everything the rollup holds minute by minute, as if live (export and the evaluation suite).
    public func replay(_ rollup: Rollup) -> [AlertEvent] {
        guard rollup.newestMs != .min else { return [] }
        var m = Rollup.floorDiv(rollup.oldestMs, 60_000) + 1
        let last = Rollup.floorDiv(rollup.newestMs, 60_000)
        while m <= last {
            _ = evaluate(rollup, nowMs: m * 60_000 + options.settleMs)
            m += 1
        }
        return history
    }

    func step(_ rollup: Rollup, minute m: Int64, _ started: inout [Int]) {
        for i in rules.rules.indices { evaluateRule(i, rollup, minute: m, &started) }
        for i in rules.budgets.indices { evaluateBudget(i, rollup, minute: m, &started) }
        if options.anomalies { evaluateAnomalies(rollup, minute: m, &started) }
        trimHistory()
    }

    // MARK: incidents

    func open(_ e: AlertEvent, family: String? = nil) -> Int {
        let id = nextID
        nextID += 1
        incidents[id] = Incident(event: e, family: family)
        order.append(id)
        return id
    }

    func end(_ id: Int, atMs: Int64) {
        guard var inc = incidents[id], inc.event.endedMs == nil else { return }
        inc.event.endedMs = atMs
        incidents[id] = inc
        endedSinceLastCall.append(inc.event)
    }

    func reopen(_ id: Int) -> Bool {
        guard var inc = incidents[id] else { return false }
        inc.event.endedMs = nil
        incidents[id] = inc
        return true
    }

    func trimHistory() {
        guard order.count > options.maxHistory else { return }
        var drop = order.count - options.maxHistory
        order.removeAll { id in
            guard drop > 0, let inc = incidents[id], inc.event.endedMs != nil else { return false }
            drop -= 1
            incidents[id] = nil
            detected[id] = nil
            return true
        }
    }

    // MARK: threshold rules

    /// The scope's cells as (grouping, first id, second id); nil when a named value has not been seen yet.
    func resolve(_ scope: AlertScope, _ rollup: Rollup) -> (Grouping, Int32, Int32)? {
        // Ids never change once given, so a found scope is cached; a miss is retried when new values appear.
        let seen = scope.filters.reduce(0) { $0 + rollup.interner($1.dimension).names.count }
        switch resolved[scope.description] {
        case .found(let g, let a, let b)?: return (g, a, b)
        case .missing(let n)? where n == seen: return nil
        default: break
        }
        let r = lookup(scope, rollup)
        resolved[scope.description] = r.map { .found($0.0, $0.1, $0.2) } ?? .missing(seen)
        return r
    }

    enum Resolution {
        case found(Grouping, Int32, Int32)
        case missing(Int)
    }

    var resolved: [String: Resolution] = [:]

    func lookup(_ scope: AlertScope, _ rollup: Rollup) -> (Grouping, Int32, Int32)? {
        let f = scope.filters
        switch f.count {
        case 0: return (.total, 0, 0)
        case 1:
            guard let id = rollup.interner(f[0].dimension).lookup(displayName: f[0].value) else { return nil }
            return (.by(f[0].dimension), id, 0)
        default:
            guard let g = Grouping.answering(groupBy: f[0].dimension, filter: f[1].dimension),
                  let i0 = rollup.interner(f[0].dimension).lookup(displayName: f[0].value),
                  let i1 = rollup.interner(f[1].dimension).lookup(displayName: f[1].value) else { return nil }
            return g.first == f[0].dimension ? (g, i0, i1) : (g, i1, i0)
        }
    }

    func windowMeasures(_ scope: AlertScope, _ rollup: Rollup, from: Int64, to: Int64) -> Measures {
        var m = Measures()
        guard let (g, a, b) = resolve(scope, rollup), let slot = rollup.groupingIndex[g], to >= from else { return m }
        for minute in from...to {
            if let cell = rollup.buckets[minute]?.tables[slot].get(a, b) { m.merge(cell) }
        }
        return m
    }

    func ruleValue(_ r: AlertRule, _ rollup: Rollup, minute m: Int64) -> Double? {
        let from = m - Int64(r.windowMinutes) + 1
        if r.metric.isGPU {
            var total = GPUMeasures()
            let want = r.scope.gpu.flatMap { rollup.gpuInterner.lookup(displayName: $0) }
            if r.scope.gpu != nil && want == nil { return nil }
            for minute in from...m {
                guard let gpus = rollup.buckets[minute]?.gpus else { continue }
                for (id, g) in gpus where want == nil || want == id { total.merge(g) }
            }
            return r.metric.value(total)
        }
        return r.metric.value(windowMeasures(r.scope, rollup, from: from, to: m), minutes: r.windowMinutes)
    }

    func evaluateRule(_ i: Int, _ rollup: Rollup, minute m: Int64, _ started: inout [Int]) {
        let r = rules.rules[i]
        var st = ruleStates[i]
        defer { ruleStates[i] = st }
        let v = ruleValue(r, rollup, minute: m)
        let endOfMinute = (m + 1) * 60_000
        if let id = st.incident, incidents[id]?.event.endedMs == nil {
            if v == nil || r.cleared(v!) {
                end(id, atMs: endOfMinute)
                st.endedMinute = m
                st.pendingSince = nil
            }
            return
        }
        guard let value = v, r.breaches(value) else { st.pendingSince = nil; return }
        st.pendingSince = st.pendingSince ?? m
        guard m - st.pendingSince! + 1 >= max(r.forMinutes, 1) else { return }
        if let id = st.incident, let ended = st.endedMinute, m - ended <= Int64(r.cooldownMinutes), reopen(id) { return }
        let cmp = r.comparison == .above ? ">" : "<"
        let reason = "\(r.scope.shortName) \(r.metric.rawValue) \(r.metric.format(value)) \(cmp) \(r.metric.format(r.threshold))"
            + " over \(TimeWindow.minutes(r.windowMinutes))" + (r.forMinutes > 1 ? " for \(r.forMinutes)m" : "")
        let e = AlertEvent(key: "rule:\(r.name)", kind: .threshold, startedMs: endOfMinute, scope: r.scope.description,
                           metric: r.metric.rawValue, observed: value, expected: r.threshold, reason: reason)
        let id = open(e)
        st.incident = id
        started.append(id)
    }

    // MARK: budgets

    func evaluateBudget(_ i: Int, _ rollup: Rollup, minute m: Int64, _ started: inout [Int]) {
        let b = rules.budgets[i]
        var st = budgetStates[i]
        defer { budgetStates[i] = st }
        let nowMs = (m + 1) * 60_000
        let period = b.periodRange(containing: m * 60_000)
        let startMinute = period.start / 60_000
        if st.periodStart != period.start {
            for id in st.incidents { end(id, atMs: period.start) }
            st = BudgetState()
            st.periodStart = period.start
            st.spent = m > startMinute ? windowMeasures(b.scope, rollup, from: startMinute, to: m - 1).spend : 0
        }
        st.spent += windowMeasures(b.scope, rollup, from: m, to: m).spend
        let usedPct = st.spent / b.limitUSD * 100
        let burnFrom = max(startMinute, m - 59)
        let burnMinutes = Double(m - burnFrom + 1)
        let burnPerHour = windowMeasures(b.scope, rollup, from: burnFrom, to: m).spend / burnMinutes * 60
        var runOut: Int64? = nil
        if st.spent >= b.limitUSD {
            st.exhaustedMs = st.exhaustedMs ?? nowMs
            runOut = st.exhaustedMs
        } else if burnPerHour > 0 {
            // A tiny burn puts the run-out past Int64 (a trap): compare as Double first.
            let t = Double(nowMs) + ((b.limitUSD - st.spent) / burnPerHour * 3_600_000).rounded()
            if t <= Double(period.end) { runOut = Int64(t) }
        }
        let status = BudgetStatus(rule: b, periodStartMs: period.start, spentUSD: st.spent, usedPct: usedPct,
                                  burnPerHour: burnPerHour, runOutMs: runOut)
        if budgets.count != rules.budgets.count { budgets = [] ; budgets.reserveCapacity(rules.budgets.count) }
        if budgets.count == i { budgets.append(status) } else if i < budgets.count { budgets[i] = status }

        // Crossing several marks at once (a start-up late in the day) is one alert, for the highest.
        let crossed = b.alertAtPct.filter { usedPct >= $0 && !st.fired.contains($0) }
        guard let mark = crossed.max() else { return }
        for c in crossed { st.fired.insert(c) }
        var reason = "\(b.scope.shortName) budget $\(AlertFormat.number(b.limitUSD))/\(b.period.rawValue) \(AlertFormat.number(usedPct))% used"
            + " ($\(AlertFormat.number(st.spent)))"
        if st.spent >= b.limitUSD {
            reason += "; exhausted at \(AlertFormat.clock(st.exhaustedMs!))"
        } else if let t = runOut {
            reason += "; runs out ~\(AlertFormat.clock(t)) at $\(AlertFormat.number(burnPerHour))/h"
        } else {
            reason += "; lasts the \(b.period.rawValue) at $\(AlertFormat.number(burnPerHour))/h"
        }
        let e = AlertEvent(key: "budget:\(b.name):\(AlertFormat.number(mark))%", kind: .budget, startedMs: nowMs,
                           scope: b.scope.description, metric: b.metric, observed: st.spent, expected: b.limitUSD,
                           score: nil, reason: reason, budgetLimit: b.limitUSD, budgetUsedPct: usedPct, budgetRunOutMs: runOut)
        let id = open(e)
        st.incidents.append(id)
        started.append(id)
    }
}
