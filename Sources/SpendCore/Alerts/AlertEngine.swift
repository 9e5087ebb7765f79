/// Evaluates threshold rules, budgets and the anomaly detector against a `SpendQuery` as time passes. Pure: it reads
/// the query and a clock, and judges only minutes that closed since the last call, so the ingest side can call it
/// after every batch. Costs per closed minute: each rule and budget O(1) (running sums over their windows), the
/// detector O(tracked groups); a stretch with no data longer than every window is skipped, not stepped through.
/// See docs/alerts.md and docs/anomalies.md.
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
        var window: RunningWindow<Measures>
        var gpuWindow: RunningWindow<GPUMeasures>
    }

    struct BudgetState {
        var periodStart: Int64 = .min
        var periodEnd: Int64 = .min
        var spent = 0.0
        var fired: Set<Double> = []
        var incidents: [Int] = []
        var exhaustedMs: Int64?
        var burn = RunningWindow<Measures>(minutes: 60)
    }

    /// Spend of a budget's scope in its period before the rollup's oldest minute, from a store that holds more.
    public struct BudgetPrior: Sendable, Equatable {
        public var periodStartMs: Int64
        /// The prior covers `[periodStartMs, untilMs)`; the rollup is read from `untilMs` on.
        public var untilMs: Int64
        public var spentUSD: Double
        public init(periodStartMs: Int64, untilMs: Int64, spentUSD: Double) {
            self.periodStartMs = periodStartMs
            self.untilMs = untilMs
            self.spentUSD = spentUSD
        }
    }

    var incidents: [Int: Incident] = [:]
    /// The detector's incidents: the symptoms each holds (AlertEngine+Anomalies.swift).
    var detected: [Int: DetectedIncident] = [:]
    var order: [Int] = []
    var nextID = 0
    var ruleStates: [RuleState]
    var budgetStates: [BudgetState]
    /// By budget index: what the period spent before the rollup's history begins (month budgets over a store).
    public var budgetPriors: [Int: BudgetPrior] = [:]
    public private(set) var lastMinute: Int64?
    /// The last judged minute that had data, for skipping long empty stretches.
    var lastDataMinute: Int64?
    /// Where each budget stands after the last call.
    public private(set) var budgets: [BudgetStatus] = []
    /// Incidents that ended during the last call (for the alert log's end lines).
    public private(set) var endedSinceLastCall: [AlertEvent] = []

    public init(rules: AlertRuleSet = AlertRuleSet(), options: Options = Options()) {
        self.rules = rules
        self.options = options
        detector = AnomalyDetector(settings: options.anomaly)
        ruleStates = rules.rules.map {
            RuleState(window: RunningWindow(minutes: $0.windowMinutes), gpuWindow: RunningWindow(minutes: $0.windowMinutes))
        }
        budgetStates = Array(repeating: BudgetState(), count: rules.budgets.count)
    }

    public var active: [AlertEvent] { order.compactMap { incidents[$0]?.event }.filter(\.isActive) }
    public var history: [AlertEvent] { order.compactMap { incidents[$0]?.event } }

    /// Judges the minutes closed by `nowMs`, at most `maxCatchUpMinutes` back; a call judging more than
    /// `catchUpQuietMinutes` returns only the incidents still holding.
    public func evaluate(_ query: SpendQuery, nowMs: Int64) -> [AlertEvent] {
        let (started, _) = advance(query, nowMs: nowMs)
        let quiet = spannedInLastCall > options.catchUpQuietMinutes
        return started.filter { !quiet || $0.isActive }
    }

    /// Minutes the last `advance` moved over: stepped through, plus empty stretches it skipped.
    public private(set) var spannedInLastCall: Int64 = 0
    /// Minutes the last `advance` stepped through.
    public private(set) var judgedInLastCall: Int64 = 0
    /// Minutes stepped through since the engine was made, and scope reads rules and budgets made (the cost).
    public private(set) var minutesStepped: Int64 = 0
    public private(set) var cellReads: Int64 = 0

    /// The newest minute `nowMs` has closed (and let settle).
    public func closedMinute(nowMs: Int64) -> Int64 { Rollup.floorDiv(nowMs - options.settleMs, 60_000) - 1 }

    /// Judges the closed minutes not judged yet, oldest first, at most `maxMinutes` of them; returns the incidents
    /// that started (whatever happened to them since) and how many closed minutes are left for later calls. The
    /// ingest side calls it in slices while it catches up on history, so readers get the rollup in between.
    public func advance(_ query: SpendQuery, nowMs: Int64,
                        maxMinutes: Int64 = .max) -> (started: [AlertEvent], remaining: Int64) {
        advance(query, nowMs: nowMs, maxMinutes: maxMinutes, catchUpLimit: options.maxCatchUpMinutes)
    }

    func advance(_ query: SpendQuery, nowMs: Int64, maxMinutes: Int64,
                 catchUpLimit: Int64) -> (started: [AlertEvent], remaining: Int64) {
        endedSinceLastCall = []
        judgedInLastCall = 0
        spannedInLastCall = 0
        let extent = query.extent
        guard extent.newestMs != nil else { return ([], 0) }
        let closed = closedMinute(nowMs: nowMs)
        var from: Int64
        if let last = lastMinute {
            from = last + 1
        } else {
            from = max(extent.oldestMs.map { Rollup.floorDiv($0, 60_000) } ?? closed, extent.oldestMinute ?? closed)
        }
        if catchUpLimit < .max { from = max(from, closed - catchUpLimit + 1) }
        guard closed >= from else { return ([], 0) }
        var started: [Int] = []
        var m = from
        while m <= closed && judgedInLastCall < max(1, maxMinutes) {
            step(query, minute: m, &started)
            judgedInLastCall += 1
            minutesStepped += 1
            lastMinute = m
            if query.hasData(minute: m) { lastDataMinute = m }
            m += 1
            // Past every window, cooldown and detector memory with no data, the next empty minutes would all be
            // judged alike: jump to the next minute with data (a stray year-9999 line is one jump, not 4 billion steps).
            if m <= closed, let d = lastDataMinute, m - d > quietGapMinutes, !query.hasData(minute: m) {
                let next = query.firstMinuteWithData(after: m) ?? (closed + 1)
                if next > m {
                    m = min(next, closed + 1)
                    lastMinute = m - 1
                }
            }
        }
        spannedInLastCall = (lastMinute ?? from - 1) - from + 1
        return (started.compactMap { incidents[$0]?.event }, max(0, closed - (lastMinute ?? closed)))
    }

    /// Empty minutes after which judging more of them changes nothing: longer than every rule's window, `for` and
    /// cooldown, a day (budget periods and the detector's idle eviction), and the detector's cooldown.
    lazy var quietGapMinutes: Int64 = {
        var g: Int64 = 24 * 60
        for r in rules.rules { g = max(g, Int64(r.windowMinutes) + Int64(r.forMinutes) + Int64(r.cooldownMinutes)) }
        g = max(g, options.anomaly.idleEvictMinutes + Int64(options.anomaly.cooldownMinutes))
        return g + 2
    }()

    /// Replays everything the query holds minute by minute, as if live (export and the evaluation suite).
    public func replay(_ query: SpendQuery) -> [AlertEvent] {
        let extent = query.extent
        guard let newest = extent.newestMs, let oldest = extent.oldestMs else { return history }
        // As a live run sees it: the minute holding the newest event is still open.
        let nowMs = Rollup.floorDiv(newest, 60_000) * 60_000 + options.settleMs
        if lastMinute == nil { lastMinute = Rollup.floorDiv(oldest, 60_000) - 1 }
        while true {
            let (_, remaining) = advance(query, nowMs: nowMs, maxMinutes: 1 << 20, catchUpLimit: .max)
            if remaining == 0 { break }
        }
        return history
    }

    func step(_ query: SpendQuery, minute m: Int64, _ started: inout [Int]) {
        for i in rules.rules.indices { evaluateRule(i, query, minute: m, &started) }
        for i in rules.budgets.indices { evaluateBudget(i, query, minute: m, &started) }
        if options.anomalies { evaluateAnomalies(query, minute: m, &started) }
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

    /// One minute of a scope (empty when nothing happened, the scope is not seen yet or cannot be answered).
    func cell(_ scope: AlertScope, _ query: SpendQuery, minute: Int64) -> Measures? {
        cellReads += 1
        return try? query.total(scope.filters, fromMinute: minute, toMinute: minute)
    }

    /// A scope's measures summed over `[from, to]` in one read (a budget's period, once per period).
    func windowMeasures(_ scope: AlertScope, _ query: SpendQuery, from: Int64, to: Int64) -> Measures {
        guard to >= from else { return Measures() }
        cellReads += 1
        return (try? query.total(scope.filters, fromMinute: from, toMinute: to)) ?? Measures()
    }

    func ruleValue(_ i: Int, _ query: SpendQuery, minute m: Int64) -> Double? {
        let r = rules.rules[i]
        if r.metric.isGPU {
            let gpu = r.scope.gpuFilter
            ruleStates[i].gpuWindow.advance(to: m) { query.gpuTotal(gpu, fromMinute: $0, toMinute: $0) }
            return r.metric.value(ruleStates[i].gpuWindow.sum)
        }
        ruleStates[i].window.advance(to: m) { cell(r.scope, query, minute: $0) }
        return r.metric.value(ruleStates[i].window.sum, minutes: r.windowMinutes)
    }

    func evaluateRule(_ i: Int, _ query: SpendQuery, minute m: Int64, _ started: inout [Int]) {
        let r = rules.rules[i]
        let v = ruleValue(i, query, minute: m)
        var st = ruleStates[i]
        defer { ruleStates[i] = st }
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
        let e = AlertEvent(key: "rule:\(r.name)", kind: .threshold, startedMs: endOfMinute,
                           scope: r.scope.description, scopeFilters: r.scope.filters, metric: r.metric.rawValue,
                           observed: value, expected: r.threshold, reason: reason)
        let id = open(e)
        st.incident = id
        started.append(id)
    }

    // MARK: budgets

    func evaluateBudget(_ i: Int, _ query: SpendQuery, minute m: Int64, _ started: inout [Int]) {
        let b = rules.budgets[i]
        var st = budgetStates[i]
        defer { budgetStates[i] = st }
        let nowMs = (m + 1) * 60_000
        let period = b.periodRange(containing: m * 60_000)
        let startMinute = period.start / 60_000
        if st.periodStart != period.start {
            // An incident ends with its own period (after a jump over empty days, not at the new one's start).
            for id in st.incidents { end(id, atMs: min(st.periodEnd, period.start)) }
            st = BudgetState()
            st.periodStart = period.start
            st.periodEnd = period.end
            var from = startMinute
            if let prior = budgetPriors[i], prior.periodStartMs == period.start {
                st.spent = prior.spentUSD
                from = max(from, Rollup.floorDiv(prior.untilMs, 60_000))
            }
            if m > from { st.spent += windowMeasures(b.scope, query, from: from, to: m - 1).spend }
            st.burn.reset(to: m - 1, floor: startMinute) { cell(b.scope, query, minute: $0) }
        }
        st.spent += cell(b.scope, query, minute: m)?.spend ?? 0
        st.burn.advance(to: m) { cell(b.scope, query, minute: $0) }
        let usedPct = st.spent / b.limitUSD * 100
        let burnPerHour = st.burn.sum.spend / Double(max(1, st.burn.coveredMinutes)) * 60
        var runOut: Int64? = nil
        if st.spent >= b.limitUSD {
            st.exhaustedMs = st.exhaustedMs ?? nowMs
            runOut = st.exhaustedMs
        } else if burnPerHour > 0 {
            // A tiny burn puts the run-out past Int64 (a trap): compare as Double first.
            let t = Double(nowMs) + ((b.limitUSD - st.spent) / burnPerHour * 3_600_000).rounded()
            if t <= Double(period.end) { runOut = Int64(t) }
        }
        let status = BudgetStatus(rule: b, periodStartMs: period.start, periodEndMs: period.end, spentUSD: st.spent,
                                  usedPct: usedPct, burnPerHour: burnPerHour, runOutMs: runOut, asOfMs: nowMs)
        if budgets.count != rules.budgets.count { budgets = [] ; budgets.reserveCapacity(rules.budgets.count) }
        if budgets.count == i { budgets.append(status) } else if i < budgets.count { budgets[i] = status }

        // Crossing several marks at once (a start-up late in the day) is one alert, for the highest.
        let crossed = b.alertAtPct.filter { usedPct >= $0 && !st.fired.contains($0) }
        guard let mark = crossed.max() else { return }
        for c in crossed { st.fired.insert(c) }
        let e = AlertEvent(key: "budget:\(b.name):\(AlertFormat.number(mark))%", kind: .budget, startedMs: nowMs,
                           scope: b.scope.description, scopeFilters: b.scope.filters,
                           metric: b.metric, observed: st.spent, expected: b.limitUSD,
                           score: nil, reason: status.reason, budgetLimit: b.limitUSD, budgetUsedPct: usedPct,
                           budgetRunOutMs: runOut)
        let id = open(e)
        st.incidents.append(id)
        started.append(id)
    }
}
