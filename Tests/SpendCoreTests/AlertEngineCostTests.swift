import XCTest
@testable import SpendCore

/// What evaluation costs and how it is driven: running windows, skipped empty stretches, slices, budgets over a store.
final class AlertEngineCostTests: XCTestCase {
    let t0 = Timestamp.parseRFC3339("2026-11-28T10:00:00Z")!

    func engine(_ rules: [String], anomalies: Bool = false) throws -> AlertEngine {
        var o = AlertEngine.Options()
        o.anomalies = anomalies
        return AlertEngine(rules: try AlertRuleSet.load(config: nil, commandLine: rules), options: o)
    }

    func steady(minutes: Int, perMinute cost: Double = 0.5, feature: String = "chat", start: Int64? = nil) -> String {
        (0..<minutes).map { m in
            let ms = (start ?? t0) + Int64(m) * 60_000 + 5_000
            return nativeLine(ts: Timestamp.format(ms: ms), id: "\(feature)-\(ms)", feature: feature, cost: cost)
        }.joined(separator: "\n") + "\n"
    }

    /// `export --view alerts` over a file with one stray year-9999 line used to step through every minute up to it
    /// (about 4 billion): the gap is now one jump, and the incidents are those of the file without the stray line.
    func testAStrayFarFutureLineIsOneJumpNotBillionsOfMinutes() throws {
        let rules = ["feature=chat:spend_per_hour>10", "feature=chat:requests<1 window=10m"]
        let clean = rollupForExport()
        XCTAssertEqual(ingest(steady(minutes: 60), into: clean).rejected, 0)
        let stray = rollupForExport()
        let text = steady(minutes: 60) + nativeLine(ts: "9999-12-31T23:58:30Z", id: "stray", feature: "chat", cost: 0.5) + "\n"
        XCTAssertEqual(ingest(text, into: stray).rejected, 0)
        let e = try engine(rules, anomalies: true)
        let found = e.replay(stray)
        XCTAssertLessThan(e.minutesStepped, 5_000, "judged minute by minute only near data")
        // Without the stray line the data's last minute stays open; with it, the quiet hours after it are judged:
        // the burn incident ends 5 minutes after the traffic, and "no requests" opens 10 minutes after.
        let reference = try engine(rules).replay(clean)
        XCTAssertEqual(found.first?.startedMs, reference.first?.startedMs)
        XCTAssertEqual(found.map(\.key), ["rule:feature=chat:spend_per_hour>10", "rule:feature=chat:requests<1"])
        XCTAssertEqual(found[0].endedMs, t0 + 64 * 60_000, "the 5-minute window empties at the end of minute 63")
        XCTAssertEqual(found[1].startedMs, t0 + 70 * 60_000, "minutes 60–69 without requests, judged at the end of 69")
        XCTAssertNil(found[1].endedMs, "still no requests when the stray minute is reached")
    }

    /// A rule's window is a running sum: per judged minute it reads the new minute's cell, whatever the window.
    func testRuleWindowsCostTheSamePerMinuteWhateverTheirLength() throws {
        let r = rollupForExport()
        XCTAssertEqual(ingest(steady(minutes: 3 * 1440), into: r).rejected, 0)
        let short = try engine(["feature=chat:spend_per_hour>1000 window=5m"])
        _ = short.replay(r)
        let long = try engine(["feature=chat:spend_per_hour>1000 window=1d"])
        _ = long.replay(r)
        XCTAssertEqual(long.minutesStepped, short.minutesStepped)
        // Per minute the new cell and the two before it (late lines), plus the window read once when it starts
        // (looping over the window would be 1440 reads a minute).
        XCTAssertLessThanOrEqual(long.cellReads, 3 * long.minutesStepped + 1440 + 1)
        XCTAssertLessThanOrEqual(short.cellReads, 3 * short.minutesStepped + 5 + 1)
    }

    /// The running sums give exactly the window's totals, every minute, for sums, ratios, the p95 and GPU means.
    func testRunningWindowsEqualDirectSums() throws {
        var rng = SeededGenerator(seed: 11)
        var text = ""
        for m in 0..<400 {
            // Bursty: some minutes empty, some with several requests, errors and long latencies.
            let n = rng.next() % 5 == 0 ? 0 : Int(rng.next() % 6)
            for i in 0..<n {
                let ts = Timestamp.format(ms: t0 + Int64(m) * 60_000 + Int64(i) * 7_000)
                text += nativeLine(ts: ts, id: "r\(m)-\(i)", feature: "chat", cost: Double(rng.next() % 1000) / 997,
                                   latency: Double(rng.next() % 20_000), status: rng.next() % 7 == 0 ? "error" : "ok") + "\n"
            }
            if m % 3 != 0 {
                text += "{\"ts\":\"\(Timestamp.format(ms: t0 + Int64(m) * 60_000))\",\"kind\":\"gpu\",\"node\":\"n\",\"gpu\":0,"
                    + "\"util_pct\":\(rng.next() % 100),\"queue_depth\":\(rng.next() % 9)}\n"
            }
        }
        let r = rollupForExport()
        XCTAssertEqual(ingest(text, into: r).rejected, 0)
        let windows = [1, 7, 60]
        let metrics = ["spend_per_hour>1e9", "error_rate>2", "p95_latency_ms>1e9", "tokens_per_second>1e9"]
        var texts = windows.flatMap { w in metrics.map { "feature=chat:\($0) window=\(w)m" } }
        texts += windows.map { "gpu_util>1000 window=\($0)m" }
        let e = try engine(texts)
        let start = Rollup.floorDiv(t0, 60_000)
        for m in start..<(start + 400) {
            _ = e.advance(r, nowMs: (m + 1) * 60_000, maxMinutes: 1)
            XCTAssertEqual(e.lastMinute, m)
            for (i, rule) in e.rules.rules.enumerated() {
                let from = m - Int64(rule.windowMinutes) + 1
                if rule.metric.isGPU {
                    var direct = GPUMeasures()
                    for g in r.gpuSum(fromMinute: from, toMinute: m).values { direct.merge(g) }
                    XCTAssertEqual(e.ruleStates[i].gpuWindow.sum.utilPct ?? -1, direct.utilPct ?? -1, accuracy: 1e-9)
                    continue
                }
                let direct = r.sum(.by(.feature), fromMinute: from, toMinute: m).values.reduce(into: Measures()) { $0.merge($1) }
                let running = e.ruleStates[i].window.sum
                XCTAssertEqual(running.requests, direct.requests, "minute \(m - start), \(rule.name)")
                XCTAssertEqual(running.errors, direct.errors)
                XCTAssertEqual(running.spend, direct.spend, accuracy: 1e-9)
                XCTAssertEqual(running.latency.percentile(0.95) ?? -1, direct.latency.percentile(0.95) ?? -1)
            }
        }
    }

    /// Late lines in the two minutes before the newest count in the window; older ones do not; either way the
    /// window never drifts: once it has moved past, it is exactly empty.
    func testLateLinesDoNotMakeAWindowDrift() throws {
        let r = rollupForExport()
        XCTAssertEqual(ingest(steady(minutes: 20), into: r).rejected, 0)
        let e = try engine(["feature=chat:spend_per_hour>1000 window=5m"])
        let start = Rollup.floorDiv(t0, 60_000)
        _ = e.advance(r, nowMs: (start + 20) * 60_000)
        // Late lines for minutes 17 and 18, judged already.
        XCTAssertEqual(ingest(nativeLine(ts: Timestamp.format(ms: t0 + 17 * 60_000 + 50_000), id: "late1", cost: 3) + "\n"
                              + nativeLine(ts: Timestamp.format(ms: t0 + 18 * 60_000 + 50_000), id: "late2", cost: 3) + "\n", into: r).rejected, 0)
        _ = e.advance(r, nowMs: (start + 21) * 60_000)
        XCTAssertEqual(e.ruleStates[0].window.sum.requests, 4 + 1, "minutes 16–19, the late line in minute 18, not the one in 17")
        _ = e.advance(r, nowMs: (start + 40) * 60_000)
        XCTAssertEqual(e.ruleStates[0].window.sum.requests, 0)
        XCTAssertEqual(e.ruleStates[0].window.sum.spend, 0, "an emptied window is exactly empty")
    }

    /// While catching up the engine can judge in slices; the result is the same as one call.
    func testSlicesJudgeLikeOneCall() throws {
        let r = rollupForExport()
        let text = steady(minutes: 120) + steady(minutes: 30, perMinute: 2, start: t0 + 120 * 60_000) + steady(minutes: 30, start: t0 + 150 * 60_000)
        XCTAssertEqual(ingest(text, into: r).rejected, 0)
        let whole = try engine(["feature=chat:spend_per_hour>60"], anomalies: true)
        _ = whole.advance(r, nowMs: r.newestMs + 1)
        let sliced = try engine(["feature=chat:spend_per_hour>60"], anomalies: true)
        var calls = 0
        while true {
            let (_, remaining) = sliced.advance(r, nowMs: r.newestMs + 1, maxMinutes: 25)
            calls += 1
            if remaining == 0 { break }
        }
        XCTAssertGreaterThan(calls, 5)
        XCTAssertEqual(sliced.history, whole.history)
        XCTAssertEqual(whole.history.filter { $0.kind == .threshold }.count, 1)
    }

    /// A budget incident ends with its own period, also when the next data is days later.
    func testBudgetIncidentEndsWithItsPeriodAcrossAGap() throws {
        let day = Timestamp.parseRFC3339("2026-11-28T00:00:00Z")!
        let r = rollupForExport()
        let text = steady(minutes: 60, perMinute: 1, start: day) + steady(minutes: 5, perMinute: 1, start: day + 4 * 86_400_000)
        XCTAssertEqual(ingest(text, into: r).rejected, 0)
        let e = try engine(["feature=chat:budget_per_day=100 alert_at=50"])
        let found = e.replay(r)
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found[0].endedMs, day + 86_400_000, "ends at the end of its own day")
        XCTAssertLessThan(e.minutesStepped, 3 * 1440)
    }

    /// A month budget counts what a store held before the rollup's history (`budgetPriors`), once.
    func testMonthBudgetAddsThePriorFromBeforeTheRollup() throws {
        let r = rollupForExport()
        // The rollup holds Nov 28 10:00–12:00 at $1/min; the store said $1000 were spent from Nov 1 up to then.
        XCTAssertEqual(ingest(steady(minutes: 120, perMinute: 1), into: r).rejected, 0)
        let e = try engine(["feature=chat:budget_per_month=1500 alert_at=50,100"])
        let month = Timestamp.parseRFC3339("2026-11-01T00:00:00Z")!
        e.budgetPriors[0] = .init(periodStartMs: month, untilMs: t0, spentUSD: 1000)
        let started = e.evaluate(r, nowMs: r.newestMs + 1)
        let status = try XCTUnwrap(e.budgets.first)
        XCTAssertEqual(status.spentUSD, 1000 + 119, accuracy: 1e-6, "the prior plus 119 closed minutes")
        XCTAssertEqual(status.periodStartMs, month)
        XCTAssertEqual(status.periodName, "2026-11")
        XCTAssertEqual(started.map(\.budgetUsedPct).compactMap { $0.map { Int($0) } }, [66], "one alert for the 50% mark, at once: the prior alone is past it")
        XCTAssertEqual(status.burnPerHour, 60, accuracy: 1e-6)
    }
}

