import Foundation

/// How the detector did on an `IncidentSuite`. An alert detects an incident when it starts inside it (or up to
/// `graceMinutes` after it ends) and names its target among its scopes; the delay is from the incident's start
/// to the end of the minute the alert was raised in. Any alert that detects nothing is a false alarm.
public struct IncidentSuiteScore: Sendable {
    public struct KindScore: Sendable {
        public var incidents = 0
        public var detected = 0
        /// Detected within the kind's deadline (5 minutes; 15 for slow ramps).
        public var onTime = 0
        public var delaysMinutes: [Double] = []
        public var recall: Double { incidents > 0 ? Double(onTime) / Double(incidents) : 1 }
        public var medianDelayMinutes: Double? { IncidentSuiteScore.quantile(delaysMinutes, 0.5) }
        public var p90DelayMinutes: Double? { IncidentSuiteScore.quantile(delaysMinutes, 0.9) }
    }

    public var kinds: [IncidentSuite.Kind: KindScore] = [:]
    public var alerts = 0
    public var falseAlerts = 0
    /// Alerts inside an incident's window that do not name its target (counted among the false ones).
    public var mislabelled = 0
    public var cleanDays = 0
    public var falseAlertsOnCleanDays = 0
    public var falseAlertReasons: [String] = []
    public var missed: [String] = []
    public var late: [String] = []
    public var log: [String] = []
    public var seeds: [UInt64] = []
    public var cleanSeeds: [UInt64] = []

    public static let graceMinutes: Int64 = 10

    public init() {}

    public var incidents: Int { kinds.values.reduce(0) { $0 + $1.incidents } }
    public var onTime: Int { kinds.values.reduce(0) { $0 + $1.onTime } }
    public var recall: Double { incidents > 0 ? Double(onTime) / Double(incidents) : 1 }
    public var precision: Double { alerts > 0 ? Double(alerts - falseAlerts) / Double(alerts) : 1 }
    public var falseAlertsPerCleanDay: Double { cleanDays > 0 ? Double(falseAlertsOnCleanDays) / Double(cleanDays) : 0 }
    public var minimumKindRecall: Double { kinds.values.map(\.recall).min() ?? 1 }

    static func quantile(_ v: [Double], _ q: Double) -> Double? {
        guard !v.isEmpty else { return nil }
        let s = v.sorted()
        let pos = q * Double(s.count - 1)
        let lo = Int(pos.rounded(.down)), hi = min(lo + 1, s.count - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
    }

    /// The detector's alerts on one scenario (what `export --view alerts --window all` lists for its file).
    public static func alerts(_ sc: IncidentSuite.Scenario, engine options: AlertEngine.Options = AlertEngine.Options(),
                              trace: (@Sendable (String, String, Int64, String) -> Void)? = nil) -> [AlertEvent] {
        var o = Rollup.Options()
        o.retentionMinutes = nil
        let rollup = Rollup(options: o)
        IncidentSuite.generate(sc, into: rollup)
        let engine = AlertEngine(options: options)
        engine.detector.trace = trace
        return engine.replay(rollup).filter(\.isDetected)
    }

    /// Scores every scenario, on `jobs` threads (the scenarios are independent; the scores merge in their order).
    public static func run(_ suite: IncidentSuite, engine options: AlertEngine.Options = AlertEngine.Options(),
                           jobs: Int = 1) -> IncidentSuiteScore {
        let scenarios = suite.scenarios, step = max(1, jobs)
        let results = ResultSlots<IncidentSuiteScore>(count: scenarios.count)
        DispatchQueue.concurrentPerform(iterations: step) { worker in
            var i = worker
            while i < scenarios.count {
                var s = IncidentSuiteScore()
                s.add(scenarios[i], alerts: alerts(scenarios[i], engine: options))
                results.set(i, s)
                i += step
            }
        }
        var total = IncidentSuiteScore()
        for s in results.values { total.merge(s) }
        return total
    }

    static func names(_ a: AlertEvent, _ target: String) -> Bool { (a.scopes ?? [a.scope]).contains(target) }

    public mutating func add(_ sc: IncidentSuite.Scenario, alerts: [AlertEvent]) {
        if sc.incidents.isEmpty { cleanSeeds.append(sc.seed) } else { seeds.append(sc.seed) }
        let grace = IncidentSuiteScore.graceMinutes * 60_000
        func within(_ a: AlertEvent, _ i: IncidentSuite.Incident) -> Bool {
            a.startedMs >= i.startMs && a.startedMs <= i.endMs + grace
        }
        func stamp(_ ms: Int64) -> String { Timestamp.format(ms: ms, withSeconds: false) }
        for inc in sc.incidents {
            var k = kinds[inc.kind] ?? KindScore()
            k.incidents += 1
            let what = "seed \(sc.seed) \(stamp(inc.startMs)) \(inc.kind.rawValue) size \(inc.size) on \(inc.target): "
                + inc.detail
            let naming = alerts.filter { within($0, inc) && IncidentSuiteScore.names($0, inc.target) }
            if let first = naming.map(\.startedMs).min() {
                k.detected += 1
                let d = Double(first - inc.startMs) / 60_000
                k.delaysMinutes.append(d)
                if d <= Double(inc.kind.deadlineMinutes) {
                    k.onTime += 1
                } else {
                    late.append("\(what) (after \(AlertFormat.number(d)) min)")
                }
            } else {
                missed.append(what)
            }
            kinds[inc.kind] = k
        }
        var lines: [(Int64, String)] = alerts.map { a in
            let end = a.endedMs.map { String(stamp($0).dropFirst(11)) } ?? "open"
            let scopes = (a.scopes ?? [a.scope]).joined(separator: " ")
            return (a.startedMs, "  alert \(stamp(a.startedMs))–\(end) z=\(a.score ?? 0) \(a.reason) [\(scopes)]")
        }
        lines += sc.incidents.map {
            ($0.startMs, "INCIDENT \(stamp($0.startMs)) \($0.kind.rawValue) size \($0.size) on \($0.target): "
                + $0.detail)
        }
        log.append("== seed \(sc.seed)\(sc.incidents.isEmpty ? " (clean)" : "")")
        log += lines.sorted { $0.0 < $1.0 }.map(\.1)
        if sc.incidents.isEmpty { cleanDays += sc.days }
        for a in alerts {
            self.alerts += 1
            if sc.incidents.contains(where: { within(a, $0) && IncidentSuiteScore.names(a, $0.target) }) { continue }
            falseAlerts += 1
            if sc.incidents.contains(where: { within(a, $0) }) { mislabelled += 1 }
            let scopes = (a.scopes ?? [a.scope]).joined(separator: " ")
            falseAlertReasons.append("seed \(sc.seed) \(stamp(a.startedMs)) \(a.reason) [\(scopes)]")
            if sc.incidents.isEmpty { falseAlertsOnCleanDays += 1 }
        }
    }

    public mutating func merge(_ o: IncidentSuiteScore) {
        for (kind, k) in o.kinds {
            var mine = kinds[kind] ?? KindScore()
            mine.incidents += k.incidents
            mine.detected += k.detected
            mine.onTime += k.onTime
            mine.delaysMinutes += k.delaysMinutes
            kinds[kind] = mine
        }
        alerts += o.alerts
        falseAlerts += o.falseAlerts
        mislabelled += o.mislabelled
        cleanDays += o.cleanDays
        falseAlertsOnCleanDays += o.falseAlertsOnCleanDays
        falseAlertReasons += o.falseAlertReasons
        missed += o.missed
        late += o.late
        log += o.log
        seeds += o.seeds
        cleanSeeds += o.cleanSeeds
    }

    /// The table `make bench-anomaly` prints.
    public var report: String {
        func pct(_ v: Double) -> String { AlertFormat.trim(v * 100, 1) + "%" }
        func mins(_ v: Double?) -> String { v.map { AlertFormat.trim($0, 1) + " min" } ?? "-" }
        var lines = ["kind              incidents  detected  on time  recall   median delay  p90 delay  deadline"]
        for kind in IncidentSuite.Kind.allCases {
            guard let k = kinds[kind] else { continue }
            let name = kind.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)
            lines.append(name + String(k.incidents).leftPad(9) + String(k.detected).leftPad(10)
                         + String(k.onTime).leftPad(9) + pct(k.recall).leftPad(8)
                         + mins(k.medianDelayMinutes).leftPad(15) + mins(k.p90DelayMinutes).leftPad(11)
                         + "\(kind.deadlineMinutes) min".leftPad(10))
        }
        let all = kinds.values.flatMap(\.delaysMinutes)
        let detected = kinds.values.reduce(0) { $0 + $1.detected }
        lines.append("all               " + String(incidents).leftPad(9) + String(detected).leftPad(10)
                     + String(onTime).leftPad(9) + pct(recall).leftPad(8)
                     + mins(IncidentSuiteScore.quantile(all, 0.5)).leftPad(15)
                     + mins(IncidentSuiteScore.quantile(all, 0.9)).leftPad(11))
        lines.append("")
        lines.append("alerts \(alerts), false \(falseAlerts) (of them \(mislabelled) inside an incident "
                     + "but not naming it); precision \(pct(precision))")
        lines.append("clean days \(cleanDays), false alarms on them \(falseAlertsOnCleanDays) "
                     + "(\(AlertFormat.trim(falseAlertsPerCleanDay * 10, 2)) per 10 clean days)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The seeds, as ranges where they run on.
    public static func describe(_ seeds: [UInt64]) -> String {
        let s = seeds.sorted()
        var parts: [String] = []
        var i = 0
        while i < s.count {
            var j = i
            while j + 1 < s.count && s[j + 1] == s[j] + 1 { j += 1 }
            parts.append(i == j ? "\(s[i])" : "\(s[i])–\(s[j])")
            i = j + 1
        }
        return parts.joined(separator: ", ")
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
