import Foundation

/// The threshold rules and budgets of a run, read from `--alert` texts and the config's `[[alert]]` and
/// `[[budget]]` tables. Any rule that cannot be read stops start-up with its name and the problem.
public struct AlertRuleSet: Equatable, Sendable {
    public var rules: [AlertRule] = []
    public var budgets: [BudgetRule] = []

    public init(rules: [AlertRule] = [], budgets: [BudgetRule] = []) {
        self.rules = rules
        self.budgets = budgets
    }

    public var isEmpty: Bool { rules.isEmpty && budgets.isEmpty }

    /// Config tables first, then command-line rules.
    public static func load(config: ConfigValue?, commandLine: [String]) throws -> AlertRuleSet {
        var set = AlertRuleSet()
        if let config { try set.add(config: config) }
        for text in commandLine { try set.add(parsing: text) }
        return set
    }

    // MARK: command line

    static let operators = [">=", "<=", ">", "<", "="]

    /// `[SCOPE:]METRIC>VALUE [window=15m] [for=2m] [cooldown=10m] [clear=V] [name=N]`, or
    /// `[SCOPE:]budget_per_day=50` / `budget_per_month=1500`.
    public mutating func add(parsing text: String) throws {
        func fail(_ why: String) -> ConfigError { ConfigError("--alert '\(KeyMask.redact(text))': \(why)") }
        var tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ";" }).map(String.init)
        guard !tokens.isEmpty else { throw fail("empty rule") }
        let condition = tokens.removeFirst()
        guard let (opRange, op) = AlertRuleSet.findOperator(condition) else {
            throw fail("no comparison; write e.g. feature=support-chat:spend_per_hour>40")
        }
        let head = String(condition[..<opRange.lowerBound])
        let valueText = String(condition[opRange.upperBound...])
        let metricName: String, scopeText: String
        if let colon = head.lastIndex(of: ":") {
            metricName = String(head[head.index(after: colon)...])
            scopeText = String(head[..<colon])
        } else {
            metricName = head
            scopeText = "fleet"
        }
        var options = [String: String]()
        for t in tokens {
            guard let eq = t.firstIndex(of: "=") else { throw fail("option '\(t)' is not KEY=VALUE") }
            let k = String(t[..<eq]).lowercased()
            guard ["window", "for", "cooldown", "clear", "name", "alert_at"].contains(k) else {
                throw fail("unknown option '\(k)' (window, for, cooldown, clear, name, alert_at)")
            }
            options[k] = String(t[t.index(after: eq)...])
        }
        let scope: AlertScope
        do { scope = try AlertScope(parsing: scopeText) } catch let e as ConfigError { throw fail(e.description) }
        let name = options["name"]

        if let period = AlertRuleSet.budgetPeriod(metricName) {
            guard op == "=" || op == ">" || op == ">=" else { throw fail("a budget is written \(metricName)=USD") }
            guard let limit = Double(valueText.replacingOccurrences(of: "$", with: "")), limit > 0 else {
                throw fail("budget '\(valueText)' is not a positive USD amount")
            }
            var at = [80.0, 100.0]
            if let a = options["alert_at"] {
                at = try a.split(separator: ",").map { p in
                    guard let v = Double(p.replacingOccurrences(of: "%", with: "")), v > 0 else { throw fail("alert_at '\(a)' is not a list of percents") }
                    return v
                }
            }
            budgets.append(BudgetRule(name: name, scope: scope, period: period, limitUSD: limit, alertAtPct: at))
            return
        }
        guard let metric = AlertMetric(rawValue: metricName.lowercased()) else { throw fail(AlertRuleSet.unknownMetric(metricName)) }
        guard op != "=" else { throw fail("use > or < with \(metricName)") }
        guard let threshold = AlertRuleSet.number(valueText, metric: metric) else { throw fail("threshold '\(valueText)' is not a number") }
        try AlertRuleSet.checkScope(scope, metric: metric).map { throw fail($0) }
        do {
            let window = try AlertRuleSet.checkedWindow(
                options["window"].map { try AlertRuleSet.minutes($0, what: "window", allowZero: false) })
            let forM = try options["for"].map { try AlertRuleSet.minutes($0, what: "for", allowZero: true) } ?? 0
            let cool = try options["cooldown"].map { try AlertRuleSet.minutes($0, what: "cooldown", allowZero: true) } ?? AlertRule.defaultCooldownMinutes
            var clear: Double? = nil
            if let c = options["clear"] {
                guard let v = AlertRuleSet.number(c, metric: metric) else { throw ConfigError("clear '\(c)' is not a number") }
                clear = v
            }
            rules.append(AlertRule(name: name, scope: scope, metric: metric, comparison: op.hasPrefix(">") ? .above : .below,
                                   threshold: threshold, windowMinutes: window, forMinutes: forM, clearThreshold: clear,
                                   cooldownMinutes: cool))
        } catch let e as ConfigError {
            throw fail(e.description)
        }
    }

    static func findOperator(_ s: String) -> (Range<String.Index>, String)? {
        // The first comparison character after the metric name; the scope before it may hold `=`.
        let colonEnd = s.lastIndex(of: ":").map { s.index(after: $0) } ?? s.startIndex
        let tail = s[colonEnd...]
        for op in operators {
            if let r = tail.range(of: op) {
                // Prefer two-character operators found at the same place.
                if op.count == 1, let r2 = tail.range(of: op + "="), r2.lowerBound == r.lowerBound { return (r2, op + "=") }
                return (r, op)
            }
        }
        return nil
    }

    // MARK: config

    static let alertKeys: Set<String> = ["name", "metric", "scope", "window", "above", "below", "for", "clear", "cooldown", "alert_at"]
    static let budgetKeys: Set<String> = ["name", "scope", "per_day", "per_month", "alert_at"]

    public mutating func add(config: ConfigValue) throws {
        for (i, t) in config.tables("alert").enumerated() {
            let label = "[[alert]] #\(i + 1)" + (t["name"]?.string.map { " '\($0)'" } ?? "")
            do { try addAlertTable(t) } catch let e as ConfigError { throw ConfigError("\(label): \(e.description)") }
        }
        for (i, t) in config.tables("budget").enumerated() {
            let label = "[[budget]] #\(i + 1)" + (t["name"]?.string.map { " '\($0)'" } ?? "")
            do { try addBudgetTable(t) } catch let e as ConfigError { throw ConfigError("\(label): \(e.description)") }
        }
    }

    mutating func addAlertTable(_ t: [String: ConfigValue]) throws {
        for k in t.keys where !AlertRuleSet.alertKeys.contains(k) {
            throw ConfigError("unknown key '\(k)' (\(AlertRuleSet.alertKeys.sorted().joined(separator: ", ")))")
        }
        guard let metricName = t["metric"]?.string else { throw ConfigError("missing metric") }
        let scope = try AlertScope(parsing: try string(t, "scope") ?? "fleet")
        let name = try string(t, "name")
        if let period = AlertRuleSet.budgetPeriod(metricName) {
            guard let limit = t["above"]?.double, limit > 0 else { throw ConfigError("a \(metricName) rule needs above = USD") }
            budgets.append(BudgetRule(name: name, scope: scope, period: period, limitUSD: limit, alertAtPct: try alertAt(t)))
            return
        }
        guard let metric = AlertMetric(rawValue: metricName.lowercased()) else { throw ConfigError(AlertRuleSet.unknownMetric(metricName)) }
        if let why = AlertRuleSet.checkScope(scope, metric: metric) { throw ConfigError(why) }
        let above = try threshold(t, "above", metric), below = try threshold(t, "below", metric)
        guard (above == nil) != (below == nil) else { throw ConfigError("give exactly one of above or below") }
        let window = try AlertRuleSet.checkedWindow(try duration(t, "window", allowZero: false))
        let forM = try duration(t, "for", allowZero: true) ?? 0
        let cool = try duration(t, "cooldown", allowZero: true) ?? AlertRule.defaultCooldownMinutes
        let clear = try threshold(t, "clear", metric)
        rules.append(AlertRule(name: name, scope: scope, metric: metric, comparison: above != nil ? .above : .below,
                               threshold: above ?? below!, windowMinutes: window, forMinutes: forM, clearThreshold: clear,
                               cooldownMinutes: cool))
    }

    mutating func addBudgetTable(_ t: [String: ConfigValue]) throws {
        for k in t.keys where !AlertRuleSet.budgetKeys.contains(k) {
            throw ConfigError("unknown key '\(k)' (\(AlertRuleSet.budgetKeys.sorted().joined(separator: ", ")))")
        }
        let scope = try AlertScope(parsing: try string(t, "scope") ?? "fleet")
        let name = try string(t, "name")
        let at = try alertAt(t)
        var any = false
        for (key, period) in [("per_day", BudgetRule.Period.day), ("per_month", .month)] {
            guard let v = t[key] else { continue }
            guard let limit = v.double, limit > 0 else { throw ConfigError("\(key) must be a positive USD amount") }
            budgets.append(BudgetRule(name: name, scope: scope, period: period, limitUSD: limit, alertAtPct: at))
            any = true
        }
        if !any { throw ConfigError("give per_day or per_month") }
    }

    func string(_ t: [String: ConfigValue], _ key: String) throws -> String? {
        guard let v = t[key] else { return nil }
        guard let s = v.string else { throw ConfigError("\(key) must be a string") }
        return s
    }

    func threshold(_ t: [String: ConfigValue], _ key: String, _ metric: AlertMetric) throws -> Double? {
        guard let v = t[key] else { return nil }
        if let d = v.double { return d }
        if let s = v.string, let d = AlertRuleSet.number(s, metric: metric) { return d }
        throw ConfigError("\(key) must be a number")
    }

    func duration(_ t: [String: ConfigValue], _ key: String, allowZero: Bool) throws -> Int? {
        guard let v = t[key] else { return nil }
        if let d = v.double {
            // A bare number is minutes, checked like a text one (no 9e18-minute windows).
            guard case .success(let ms) = DurationText.milliseconds(number: d, unit: .minutes) else {
                throw ConfigError("\(key) must be a duration of at most 100 years")
            }
            let m = Int((ms + 59_999) / 60_000)
            guard m > 0 || (allowZero && m == 0) else { throw ConfigError("\(key) must be positive") }
            return m
        }
        guard let s = v.string else { throw ConfigError("\(key) must be a duration like \"5m\"") }
        return try AlertRuleSet.minutes(s, what: key, allowZero: allowZero)
    }

    func alertAt(_ t: [String: ConfigValue]) throws -> [Double] {
        guard let v = t["alert_at"] else { return [80, 100] }
        let items = v.array ?? [v]
        return try items.map { item in
            guard let d = item.double ?? item.string.flatMap({ Double($0.replacingOccurrences(of: "%", with: "")) }), d > 0 else {
                throw ConfigError("alert_at must be percents, e.g. [80, 100]")
            }
            return d
        }
    }

    // MARK: values

    static func budgetPeriod(_ metric: String) -> BudgetRule.Period? {
        switch metric.lowercased() {
        case "budget_per_day", "budget": return .day
        case "budget_per_month": return .month
        default: return nil
        }
    }

    static func unknownMetric(_ m: String) -> String {
        "unknown metric '\(m)' (one of \((AlertMetric.allCases.map(\.rawValue) + ["budget_per_day", "budget_per_month"]).joined(separator: ", ")))"
    }

    static func checkScope(_ scope: AlertScope, metric: AlertMetric) -> String? {
        if metric.isGPU && !scope.filters.allSatisfy({ $0.dimension == .gpu }) {
            return "\(metric.rawValue) is measured per GPU: use scope fleet or gpu=NODE:INDEX"
        }
        if !metric.isGPU && scope.gpu != nil { return "\(metric.rawValue) is not measured per GPU" }
        return nil
    }

    /// `40`, `$40`, `20%` (a fraction for ratio metrics, points for gpu_util), `1.5k`.
    static func number(_ text: String, metric: AlertMetric) -> Double? {
        var t = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "$", with: "")
        var scale = 1.0
        if t.hasSuffix("%") {
            t.removeLast()
            if metric.isFraction { scale = 0.01 }
        } else if t.hasSuffix("k") || t.hasSuffix("K") {
            t.removeLast()
            scale = 1000
        }
        guard let v = Double(t), v.isFinite else { return nil }
        return v * scale
    }

    /// The longest rule window: rules are judged every minute over every minute of their window.
    public static let maxWindowMinutes = 31 * 1440

    static func checkedWindow(_ minutes: Int?) throws -> Int {
        guard let m = minutes else { return AlertRule.defaultWindowMinutes }
        guard m <= maxWindowMinutes else {
            throw ConfigError("window is longer than 31d; use a budget for longer periods")
        }
        return m
    }

    /// `90s` (rounded up to whole minutes), `5m`, `1h`, `1d`, or a bare number of minutes (`DurationText`).
    static func minutes(_ text: String, what: String, allowZero: Bool) throws -> Int {
        switch DurationText.milliseconds(text, bareUnit: .minutes) {
        case .success(let ms):
            let m = Int((ms + 59_999) / 60_000)
            guard allowZero || m > 0 else {
                throw ConfigError("\(what) '\(KeyMask.redact(text))' must be longer than 0")
            }
            return m
        case .failure(let e):
            throw ConfigError("\(what) \(e.description)")
        }
    }
}
