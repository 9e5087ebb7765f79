import XCTest
@testable import SpendCore

final class AlertEngineTests: XCTestCase {
    let t0 = Timestamp.parseRFC3339("2026-11-28T10:00:00Z")!

    /// JSONL traffic: per minute, support-chat at the given $/h (two requests) and a steady other feature.
    func traffic(_ phases: [(minutes: Int, perHour: Double)], start: Int64? = nil) -> String {
        var lines: [String] = []
        var minute = 0
        for p in phases {
            for _ in 0..<p.minutes {
                let ms = (start ?? t0) + Int64(minute) * 60_000
                for (i, offset) in [5_000, 35_000].enumerated() {
                    lines.append(nativeLine(ts: Timestamp.format(ms: ms + Int64(offset)), id: "sc-\(minute)-\(i)", feature: "support-chat",
                                            key: "sk-proj-SECRETSECRETSECRET\(i)abcd", cost: p.perHour / 60 / 2))
                }
                lines.append(nativeLine(ts: Timestamp.format(ms: ms + 20_000), id: "o-\(minute)", feature: "search", cost: 5.0 / 60))
                minute += 1
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func rollup(_ text: String) -> Rollup {
        let r = rollupForExport()
        let stats = ingest(text, into: r)
        XCTAssertEqual(stats.rejected, 0)
        return r
    }

    func engine(_ rules: [String], anomalies: Bool = false) throws -> AlertEngine {
        var o = AlertEngine.Options()
        o.anomalies = anomalies
        return AlertEngine(rules: try AlertRuleSet.load(config: nil, commandLine: rules), options: o)
    }

    func testRuleFiresOncePerCrossingOnReplay() throws {
        // $20/h, then $80/h twice with a quiet hour between: two crossings of 40 $/h.
        let r = rollup(traffic([(60, 20), (30, 80), (60, 20), (30, 80), (30, 20)]))
        let e = try engine(["feature=support-chat:spend_per_hour>40"])
        let events = e.replay(r)
        XCTAssertEqual(events.count, 2, "\(events.map(\.reason))")
        // 5-minute window: the mean passes 40 once two $80 minutes are in it (minutes 60–61), judged at 10:62.
        XCTAssertEqual(events.map(\.startedMs), [t0 + 62 * 60_000, t0 + 152 * 60_000])
        // It clears when back to ≤ 36 (hysteresis): one $80 minute left in the window, at the end of minute 93.
        XCTAssertEqual(events[0].endedMs, t0 + 94 * 60_000)
        XCTAssertEqual(events[1].endedMs, t0 + 184 * 60_000)
        XCTAssertEqual(events[0].kind, .threshold)
        XCTAssertEqual(events[0].scope, "feature=support-chat")
        XCTAssertEqual(events[0].metric, "spend_per_hour")
        XCTAssertEqual(events[0].expected, 40)
        XCTAssertEqual(events[0].observed, 44, accuracy: 1e-6)  // (2×80 + 3×20) / 5
        XCTAssertTrue(events[0].reason.contains("support-chat spend_per_hour $44/h > $40/h"), events[0].reason)
        XCTAssertTrue(e.active.isEmpty)
    }

    func testLiveTicksReturnEachIncidentOnce() throws {
        let r = rollup(traffic([(60, 20), (30, 80), (60, 20), (30, 80), (30, 20)]))
        let e = try engine(["feature=support-chat:spend_per_hour>40"])
        var rung: [AlertEvent] = []
        var now = t0 + 60_000
        // A console ticking every 10 s: the same minute is never judged twice.
        while now <= r.newestMs + 60_000 {
            rung += e.evaluate(r, nowMs: now)
            now += 10_000
        }
        XCTAssertEqual(rung.map(\.startedMs), [t0 + 62 * 60_000, t0 + 152 * 60_000])
        XCTAssertEqual(e.history.count, 2)
    }

    func testHysteresisKeepsOneIncidentWhileHoveringAtTheThreshold() throws {
        // Alternating 45 and 38 $/h with a 1-minute window: crosses 40 every other minute but never clears 36.
        let phases = (0..<40).map { i in (1, i < 10 ? 10.0 : (i % 2 == 0 ? 45.0 : 38.0)) }
        let r = rollup(traffic(phases))
        let e = try engine(["feature=support-chat:spend_per_hour>40 window=1m"])
        XCTAssertEqual(e.replay(r).count, 1)
        XCTAssertEqual(e.active.count, 1)
    }

    func testCooldownContinuesTheSameIncident() throws {
        // Clears at 20 $/h for 3 minutes, breaches again: within the 10-minute cooldown it is the same incident.
        let r = rollup(traffic([(10, 20), (5, 80), (3, 20), (5, 80), (30, 20), (5, 80), (5, 20)]))
        let e = try engine(["feature=support-chat:spend_per_hour>40 window=1m"])
        let events = e.replay(r)
        XCTAssertEqual(events.count, 2, "\(events)")
        XCTAssertEqual(events[0].startedMs, t0 + 11 * 60_000)
        XCTAssertEqual(events[0].endedMs, t0 + 24 * 60_000, "ends when the second burst (minutes 18–22) ends")
        XCTAssertEqual(events[1].startedMs, t0 + 54 * 60_000)
    }

    func testForNeedsTheConditionToHold() throws {
        let r = rollup(traffic([(10, 20), (2, 80), (10, 20), (6, 80), (5, 20)]))
        let e = try engine(["feature=support-chat:spend_per_hour>40 window=1m for=3m"])
        let events = e.replay(r)
        XCTAssertEqual(events.count, 1, "the 2-minute burst is shorter than for=3m")
        XCTAssertEqual(events[0].startedMs, t0 + 25 * 60_000)  // burst from minute 22, third minute 24 judged at 25
    }

    func testOtherScopesAndUnknownValuesDoNotFire() throws {
        let r = rollup(traffic([(30, 80)]))
        let e = try engine(["feature=search:spend_per_hour>40", "feature=never-seen:spend>0", "api_key=prod-web:requests>1000"])
        XCTAssertTrue(e.replay(r).isEmpty)
    }

    func testGPUAndRateRules() throws {
        var text = ""
        for m in 0..<20 {
            let ts = Timestamp.format(ms: t0 + Int64(m) * 60_000 + 1_000)
            text += "{\"ts\":\"\(ts)\",\"kind\":\"gpu\",\"node\":\"h100-b\",\"gpu\":2,\"util_pct\":\(m < 10 ? 80 : 3)}\n"
            text += nativeLine(ts: ts, id: "r\(m)", feature: "chat", status: m >= 15 ? "error" : "ok") + "\n"
        }
        let r = rollup(text)
        let e = try engine(["gpu=h100-b:2:gpu_util<20 window=2m", "feature=chat:error_rate>50% window=2m"])
        let events = e.replay(r)
        XCTAssertEqual(events.map(\.metric), ["gpu_util", "error_rate"])
        XCTAssertEqual(events[0].startedMs, t0 + 12 * 60_000)  // minutes 10 and 11 both idle: mean 3
        XCTAssertEqual(events[1].startedMs, t0 + 17 * 60_000)  // minutes 15, 16: 100% errors
    }

    func testDailyBudgetEightyPercentAtNoonProjectsRunOut() throws {
        // $100/day budget; $80 spent evenly from midnight to noon: 80% used, $6.67/h, runs out at 15:00.
        let day = Timestamp.parseRFC3339("2026-11-28T00:00:00Z")!
        var lines: [String] = []
        for m in 0..<720 {
            lines.append(nativeLine(ts: Timestamp.format(ms: day + Int64(m) * 60_000 + 30_000), id: "b\(m)", feature: "agent-planner",
                                    cost: 80.0 / 720))
        }
        let r = rollup(lines.joined(separator: "\n") + "\n")
        let e = try engine(["feature=agent-planner:budget_per_day=100"])
        var events: [AlertEvent] = []
        var now = day + 60_000
        while now <= day + 720 * 60_000 { events += e.evaluate(r, nowMs: now); now += 60_000 }
        XCTAssertEqual(events.count, 1)
        let b = try XCTUnwrap(events.first)
        XCTAssertEqual(b.kind, .budget)
        XCTAssertEqual(b.startedMs, day + 720 * 60_000, "crosses 80% with the last minute before noon")
        XCTAssertEqual(try XCTUnwrap(b.budgetUsedPct), 80, accuracy: 0.01)
        XCTAssertEqual(b.budgetLimit, 100)
        let runOut = try XCTUnwrap(b.budgetRunOutMs)
        XCTAssertEqual(Double(runOut - (day + 15 * 3_600_000)), 0, accuracy: 60_000)
        XCTAssertTrue(b.reason.contains("80% used") && b.reason.contains("runs out ~15:00Z"), b.reason)
        let status = try XCTUnwrap(e.budgets.first)
        XCTAssertEqual(status.usedPct, 80, accuracy: 0.01)
        XCTAssertEqual(status.burnPerHour, 80.0 / 12, accuracy: 0.01)
        XCTAssertEqual(status.runOutMs, runOut)
    }

    func testBudgetExhaustedAndNewDay() throws {
        let day = Timestamp.parseRFC3339("2026-11-28T00:00:00Z")!
        var lines: [String] = []
        for m in 0..<(26 * 60) {
            lines.append(nativeLine(ts: Timestamp.format(ms: day + Int64(m) * 60_000 + 30_000), id: "b\(m)", feature: "x", cost: 0.1))
        }
        let r = rollup(lines.joined(separator: "\n") + "\n")
        let e = try engine(["feature=x:budget_per_day=60"])  // $6/h: 80% at 08:00, 100% at 10:00, again next day
        let events = e.replay(r)
        XCTAssertEqual(events.map(\.budgetUsedPct).compactMap { $0.map { Int($0.rounded()) } }, [80, 100])
        XCTAssertEqual(events.map(\.startedMs), [day + 480 * 60_000, day + 600 * 60_000])
        XCTAssertEqual(events[1].budgetRunOutMs, day + 600 * 60_000)
        XCTAssertEqual(events[0].endedMs, day + 86_400_000, "budget incidents end with their day")
        // The replay judges closed minutes: 119 of the new day's 120 ($11.90 of $60).
        let used = try XCTUnwrap(e.budgets.first).usedPct
        XCTAssertEqual(used, 11.9 / 60 * 100, accuracy: 0.01)
    }

    func testFirstCallCatchesUpQuietly() throws {
        // A console starting on an hour of stored history: a burst that ended long ago is history, not a bell.
        let r = rollup(traffic([(10, 20), (10, 80), (40, 20), (5, 80)]))
        let e = try engine(["feature=support-chat:spend_per_hour>40 window=1m"])
        let rung = e.evaluate(r, nowMs: r.newestMs + 1)
        XCTAssertEqual(e.history.count, 2)
        XCTAssertEqual(rung.count, 1, "only the incident still holding rings")
        XCTAssertTrue(rung[0].isActive)
        XCTAssertTrue(e.evaluate(r, nowMs: r.newestMs + 1).isEmpty, "nothing is returned twice")
    }

    func testOnlyClosedMinutesAreJudgedAndEachOnce() throws {
        let r = rollup(traffic([(30, 20)]))
        let e = try engine(["feature=support-chat:spend_per_hour>40"], anomalies: true)
        _ = e.evaluate(r, nowMs: t0 + 10 * 60_000 + 500)
        XCTAssertEqual(e.lastMinute, Rollup.floorDiv(t0, 60_000) + 9, "minute 10 is still open")
        for s in 1...50 { _ = e.evaluate(r, nowMs: t0 + 10 * 60_000 + Int64(s) * 1_000) }
        XCTAssertEqual(e.lastMinute, Rollup.floorDiv(t0, 60_000) + 9, "ticks within a minute do no work")
        _ = e.evaluate(r, nowMs: t0 + 11 * 60_000)
        XCTAssertEqual(e.lastMinute, Rollup.floorDiv(t0, 60_000) + 10)
        var o = AlertEngine.Options()
        o.settleMs = 5_000
        let settled = AlertEngine(options: o)
        _ = settled.evaluate(r, nowMs: t0 + 11 * 60_000 + 4_000)
        XCTAssertEqual(settled.lastMinute, Rollup.floorDiv(t0, 60_000) + 9, "a minute is judged settleMs after it closes")
    }
}
