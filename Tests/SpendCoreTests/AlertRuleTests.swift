import XCTest
@testable import SpendCore

final class AlertRuleTests: XCTestCase {
    func testCommandLineRuleFromTheSpec() throws {
        let set = try AlertRuleSet.load(config: nil, commandLine: ["feature=support-chat:spend_per_hour>40"])
        XCTAssertEqual(set.rules.count, 1)
        let r = set.rules[0]
        XCTAssertEqual(r.scope.filters, [ViewQuery.Filter(.feature, "support-chat")])
        XCTAssertEqual(r.metric, .spendPerHour)
        XCTAssertEqual(r.comparison, .above)
        XCTAssertEqual(r.threshold, 40)
        XCTAssertEqual(r.windowMinutes, AlertRule.defaultWindowMinutes)
        XCTAssertEqual(r.forMinutes, 0)
        XCTAssertEqual(r.clearThreshold, 36, accuracy: 1e-9)  // 10% hysteresis
    }

    func testOptionsPercentsGPUScopesAndBudgets() throws {
        let set = try AlertRuleSet.load(config: nil, commandLine: [
            "feature=x,api_key=prod-web:error_rate>=5% window=15m for=2m cooldown=0 name=errs",
            "gpu=h100-b:2:gpu_util<20",
            "cache_hit_ratio<0.2 clear=0.3",
            "feature=agent-planner:budget_per_day=50",
            "team=search:budget_per_month=$1500 alert_at=50,90",
        ])
        XCTAssertEqual(set.rules.count, 3)
        XCTAssertEqual(set.rules[0].name, "errs")
        XCTAssertEqual(set.rules[0].threshold, 0.05, accuracy: 1e-12)
        XCTAssertEqual(set.rules[0].windowMinutes, 15)
        XCTAssertEqual(set.rules[0].forMinutes, 2)
        XCTAssertEqual(set.rules[0].cooldownMinutes, 0)
        XCTAssertEqual(set.rules[0].scope.filters.map(\.dimension), [.feature, .apiKey])
        XCTAssertEqual(set.rules[1].scope.gpu, "h100-b:2")
        XCTAssertEqual(set.rules[1].metric, .gpuUtil)
        XCTAssertEqual(set.rules[1].comparison, .below)
        XCTAssertTrue(set.rules[2].scope.isFleet)
        XCTAssertEqual(set.rules[2].clearThreshold, 0.3)
        XCTAssertEqual(set.budgets.count, 2)
        XCTAssertEqual(set.budgets[0].period, .day)
        XCTAssertEqual(set.budgets[0].limitUSD, 50)
        XCTAssertEqual(set.budgets[1].period, .month)
        XCTAssertEqual(set.budgets[1].limitUSD, 1500)
        XCTAssertEqual(set.budgets[1].alertAtPct, [50, 90])
    }

    func testRawKeyInScopeIsHeldMasked() throws {
        let raw = "sk-proj-abcdefghijklmnopqrstuvwxyz123456"
        let set = try AlertRuleSet.load(config: nil, commandLine: ["api_key=\(raw):spend>5"])
        XCTAssertEqual(set.rules[0].scope.filters[0].value, KeyMask.mask(raw))
        XCTAssertFalse(set.rules[0].name.contains(raw))
        XCTAssertFalse(set.rules[0].scope.description.contains(raw))
    }

    func assertRuleError(_ text: String, contains parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try AlertRuleSet.load(config: nil, commandLine: [text]), file: file, line: line) { e in
            let d = (e as? ConfigError)?.description ?? "\(e)"
            XCTAssertTrue(d.contains("'\(text)'"), "error should name the rule: \(d)", file: file, line: line)
            for p in parts { XCTAssertTrue(d.contains(p), "'\(d)' lacks '\(p)'", file: file, line: line) }
        }
    }

    func testUnreadableRulesNameTheRuleAndTheProblem() {
        assertRuleError("feature=support-chat:spnd_per_hour>40", contains: ["unknown metric 'spnd_per_hour'", "spend_per_hour"])
        assertRuleError("feature=support-chat:spend_per_hour", contains: ["no comparison"])
        assertRuleError("feature=support-chat:spend_per_hour>forty", contains: ["threshold 'forty'"])
        assertRuleError("colour=red:spend>1", contains: ["unknown dimension 'colour'"])
        assertRuleError("feature=x:spend>1 window=soon", contains: ["window 'soon'"])
        assertRuleError("feature=x:spend>1 every=5m", contains: ["unknown option 'every'"])
        assertRuleError("feature=x:gpu_util<10", contains: ["per GPU"])
        assertRuleError("feature=x:budget_per_day=-3", contains: ["positive USD"])
        assertRuleError("user=a,team=b:spend>1", contains: ["no rollup keeps"])
    }

    func testConfigTables() throws {
        let config = ConfigValue.table([
            "alert": .array([
                .table(["name": .string("burn"), "metric": .string("spend_per_hour"), "scope": .string("feature=support-chat"),
                        "window": .string("15m"), "above": .int(40), "for": .string("2m")]),
                .table(["name": .string("cache"), "metric": .string("cache_hit_ratio"), "scope": .string("feature=support-chat"),
                        "below": .double(0.2), "for": .string("5m")]),
                .table(["metric": .string("budget_per_day"), "scope": .string("team=search"), "above": .int(30)]),
            ]),
            "budget": .array([.table(["scope": .string("feature=agent-planner"), "per_day": .int(50), "per_month": .int(1000)])]),
        ])
        let set = try AlertRuleSet.load(config: config, commandLine: ["spend>1"])
        XCTAssertEqual(set.rules.map(\.name), ["burn", "cache", "fleet:spend>1"])
        XCTAssertEqual(set.rules[0].windowMinutes, 15)
        XCTAssertEqual(set.rules[0].forMinutes, 2)
        XCTAssertEqual(set.rules[1].comparison, .below)
        XCTAssertEqual(set.rules[1].threshold, 0.2)
        XCTAssertEqual(set.budgets.map(\.limitUSD), [30, 50, 1000])
        XCTAssertEqual(set.budgets.map(\.period), [.day, .day, .month])
    }

    func testConfigErrorsNameTheTable() {
        func message(_ tables: [ConfigValue]) -> String {
            do { _ = try AlertRuleSet.load(config: .table(["alert": .array(tables)]), commandLine: []); return "" } catch { return "\(error)" }
        }
        let ok = ConfigValue.table(["metric": .string("spend"), "above": .int(1)])
        var m = message([ok, .table(["name": .string("typo"), "metric": .string("spnd"), "above": .int(1)])])
        XCTAssertTrue(m.contains("[[alert]] #2 'typo'") && m.contains("unknown metric 'spnd'"), m)
        m = message([.table(["metric": .string("spend"), "above": .int(1), "below": .int(0)])])
        XCTAssertTrue(m.contains("[[alert]] #1") && m.contains("exactly one of above or below"), m)
        m = message([.table(["metric": .string("spend"), "abvoe": .int(1)])])
        XCTAssertTrue(m.contains("unknown key 'abvoe'"), m)
        m = message([.table(["metric": .string("spend"), "above": .int(1), "window": .string("5 minutes")])])
        XCTAssertTrue(m.contains("window '5 minutes'"), m)
        do {
            _ = try AlertRuleSet.load(config: .table(["budget": .array([.table(["scope": .string("feature=x")])])]), commandLine: [])
            XCTFail("a budget without an amount must not load")
        } catch {
            XCTAssertTrue("\(error)".contains("[[budget]] #1") && "\(error)".contains("per_day or per_month"), "\(error)")
        }
    }

    func testBudgetPeriods() {
        let b = BudgetRule(scope: .fleet, period: .month, limitUSD: 10)
        let t = Timestamp.parseRFC3339("2026-02-14T10:00:00Z")!
        let r = b.periodRange(containing: t)
        XCTAssertEqual(r.start, Timestamp.parseRFC3339("2026-02-01T00:00:00Z"))
        XCTAssertEqual(r.end, Timestamp.parseRFC3339("2026-03-01T00:00:00Z"))
        let d = BudgetRule(scope: .fleet, period: .day, limitUSD: 10).periodRange(containing: t)
        XCTAssertEqual(d.start, Timestamp.parseRFC3339("2026-02-14T00:00:00Z"))
        XCTAssertEqual(d.end - d.start, 86_400_000)
    }
}
