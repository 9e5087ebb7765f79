import Foundation

/// How the detector did on an `IncidentSuite`: recall and median detection delay per incident kind, precision,
/// and false alerts per clean day. An anomaly starting inside an incident (or up to `graceMinutes` after it
/// ends) detects it; any other anomaly is a false alert.
public struct IncidentSuiteScore: Sendable {
    public struct KindScore: Sendable {
        public var incidents = 0
        public var detected = 0
        public var delaysMinutes: [Double] = []
        public var recall: Double { incidents > 0 ? Double(detected) / Double(incidents) : 1 }
        public var medianDelayMinutes: Double? { IncidentSuiteScore.median(delaysMinutes) }
    }

    public var kinds: [IncidentSuite.Kind: KindScore] = [:]
    public var alerts = 0
    public var trueAlerts = 0
    public var falseAlerts = 0
    /// Days with no incident at all (clean scenarios, and the history day of the others).
    public var cleanDays = 0
    public var falseAlertsOnCleanDays = 0
    /// The false alerts, for reading (reason lines).
    public var falseAlertReasons: [String] = []
    /// The incidents nobody was told about, for reading.
    public var missed: [String] = []
    /// Every alert and incident in time order, for reading.
    public var log: [String] = []

    public static let graceMinutes: Int64 = 10

    public var incidents: Int { kinds.values.reduce(0) { $0 + $1.incidents } }
    public var detected: Int { kinds.values.reduce(0) { $0 + $1.detected } }
    public var recall: Double { incidents > 0 ? Double(detected) / Double(incidents) : 1 }
    public var precision: Double { alerts > 0 ? Double(trueAlerts) / Double(alerts) : 1 }
    public var falseAlertsPerCleanDay: Double { cleanDays > 0 ? Double(falseAlertsOnCleanDays) / Double(cleanDays) : 0 }
    public var medianDelayMinutes: Double? { IncidentSuiteScore.median(kinds.values.flatMap(\.delaysMinutes)) }

    static func median(_ v: [Double]) -> Double? {
        guard !v.isEmpty else { return nil }
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Generates, replays and scores every scenario.
    public static func run(_ suite: IncidentSuite, engine options: AlertEngine.Options = AlertEngine.Options()) -> IncidentSuiteScore {
        var score = IncidentSuiteScore()
        for sc in suite.scenarios {
            var o = Rollup.Options()
            o.retentionMinutes = nil
            let rollup = Rollup(options: o)
            IncidentSuite.generate(sc, into: rollup)
            let engine = AlertEngine(options: options)
            let alerts = engine.replay(rollup).filter { $0.kind == .anomaly }
            score.add(sc, alerts: alerts)
        }
        return score
    }

    mutating func add(_ sc: IncidentSuite.Scenario, alerts: [AlertEvent]) {
        let grace = IncidentSuiteScore.graceMinutes * 60_000
        for inc in sc.incidents {
            var k = kinds[inc.kind] ?? KindScore()
            k.incidents += 1
            let hits = alerts.filter { $0.startedMs >= inc.startMs && $0.startedMs <= inc.endMs + grace }
            if let first = hits.map(\.startedMs).min() {
                k.detected += 1
                k.delaysMinutes.append(Double(first - inc.startMs) / 60_000)
            } else {
                missed.append("\(Timestamp.format(ms: inc.startMs, withSeconds: false)) \(inc.kind.rawValue) size \(inc.size) on \(inc.target)")
            }
            kinds[inc.kind] = k
        }
        var lines: [(Int64, String)] = alerts.map { a in
            let end = a.endedMs.map { Timestamp.format(ms: $0, withSeconds: false).dropFirst(11) } ?? "open"
            return (a.startedMs, "  alert \(Timestamp.format(ms: a.startedMs, withSeconds: false))–\(end) z=\(a.score ?? 0) +\(a.related ?? 0) \(a.reason)")
        }
        lines += sc.incidents.map { ($0.startMs, "INCIDENT \(Timestamp.format(ms: $0.startMs, withSeconds: false)) \($0.kind.rawValue) size \($0.size) on \($0.target)") }
        log += lines.sorted { $0.0 < $1.0 }.map(\.1)
        var cleanDay = Set<Int>()
        for d in 0..<sc.days {
            let s = sc.startMs + Int64(d) * 86_400_000, e = s + 86_400_000
            if !sc.incidents.contains(where: { $0.startMs < e && $0.endMs + grace > s }) { cleanDay.insert(d) }
        }
        cleanDays += cleanDay.count
        for a in alerts {
            alerts_: do {
                self.alerts += 1
                if sc.incidents.contains(where: { a.startedMs >= $0.startMs && a.startedMs <= $0.endMs + grace }) {
                    trueAlerts += 1
                    break alerts_
                }
                falseAlerts += 1
                falseAlertReasons.append(Timestamp.format(ms: a.startedMs, withSeconds: false) + " " + a.reason)
                let day = Int((a.startedMs - sc.startMs) / 86_400_000)
                if cleanDay.contains(day) { falseAlertsOnCleanDays += 1 }
            }
        }
    }

    /// The table `make bench-anomaly` prints.
    public var report: String {
        func pct(_ v: Double) -> String { AlertFormat.trim(v * 100, 1) + "%" }
        var lines = ["kind              incidents  detected  recall   median delay"]
        for kind in IncidentSuite.Kind.allCases {
            guard let k = kinds[kind] else { continue }
            let name = kind.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)
            let delay = k.medianDelayMinutes.map { AlertFormat.trim($0, 1) + " min" } ?? "-"
            lines.append("\(name)\(String(k.incidents).leftPad(9))\(String(k.detected).leftPad(10))\(pct(k.recall).leftPad(8))   \(delay)")
        }
        lines.append("all               \(String(incidents).leftPad(9))\(String(detected).leftPad(10))\(pct(recall).leftPad(8))   "
                     + (medianDelayMinutes.map { AlertFormat.trim($0, 1) + " min" } ?? "-"))
        lines.append("")
        lines.append("alerts \(alerts), true \(trueAlerts), false \(falseAlerts); precision \(pct(precision))")
        lines.append("clean days \(cleanDays), false alerts on them \(falseAlertsOnCleanDays) (\(AlertFormat.trim(falseAlertsPerCleanDay, 2)) per clean day)")
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
