import Foundation
import XCTest
@testable import SpendCore
@testable import SpendIO

/// Alerting on the ingest side: LiveIngest over real files (and a real store) judges alerts as minutes close and
/// delivers them to a real alert log and a real `--on-alert` command, with nobody reading the rollup.
final class LiveAlertingTests: XCTestCase {
    var ingests: [LiveIngest] = []
    var dirs: [String] = []
    let t0 = Timestamp.parseRFC3339("2026-11-28T10:00:00Z")!
    let rule = "feature=support-chat:spend_per_hour>40"

    override func tearDown() {
        for i in ingests { i.stop() }
        ingests = []
        for d in dirs { try? FileManager.default.removeItem(atPath: d) }
        dirs = []
    }

    func scratch() throws -> String {
        let d = NSTemporaryDirectory() + "spendtop-alerting-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        dirs.append(d)
        return d
    }

    /// Two support-chat requests a minute at `perHour[m]` $/h, at :05 and :35 of minute m (from `start`).
    func lines(_ minutes: Range<Int>, perHour: (Int) -> Double, start: Int64? = nil) -> String {
        minutes.map { m in
            [5_000, 35_000].enumerated().map { i, off in
                let ts = Timestamp.format(ms: (start ?? t0) + Int64(m) * 60_000 + Int64(off))
                return #"{"ts":"\#(ts)","request_id":"r\#(m)-\#(i)","feature":"support-chat","model":"gpt-4o","cost_usd":\#(perHour(m) / 120)}"# + "\n"
            }.joined()
        }.joined()
    }

    func append(_ text: String, to path: String) throws {
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: Data(text.utf8))
    }

    func delivery(_ rules: [String], dir: String, hook: String? = nil, anomalies: Bool = false,
                  options: AlertDelivery.Options = AlertDelivery.Options()) throws -> AlertDelivery {
        var o = AlertEngine.Options()
        o.anomalies = anomalies
        let engine = AlertEngine(rules: try AlertRuleSet.load(config: nil, commandLine: rules), options: o)
        return AlertDelivery(engine: engine, logPath: dir + "/alerts.jsonl", hook: hook.map { AlertHook(command: $0, log: { _ in }) },
                             options: options)
    }

    func start(_ paths: [String], alerts: AlertDelivery, store: String? = nil, rollup: Rollup? = nil,
               wallClock: (@Sendable () -> Int64)? = nil) throws -> LiveIngest {
        var o = LiveIngest.Options()
        o.follow = true
        o.storePath = store
        o.retentionDays = 100_000
        if let wallClock { o.wallClock = wallClock }
        var ro = Rollup.Options()
        ro.internAllDimensions = true
        let ingest = try LiveIngest(sources: paths.map { (.file($0), SourceSettings()) }, rollup: rollup ?? Rollup(options: ro),
                                    options: o, alerts: alerts)
        ingests.append(ingest)
        ingest.start()
        return ingest
    }

    func waitFor(_ what: String, timeout: Double = 20, _ condition: () -> Bool) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline { if condition() { return }; usleep(5_000) }
        XCTAssertTrue(condition(), "timed out waiting for \(what)")
    }

    func logEvents(_ dir: String) -> [String] { AlertLog.read(dir + "/alerts.jsonl").map(\.event) }

    /// Nobody reads the rollup: the ingest thread judges each minute as the data closes it and delivers it.
    func testAlertsAreJudgedAndDeliveredOnTheIngestSideWithNoReader() throws {
        let dir = try scratch()
        let path = dir + "/traffic.jsonl", out = dir + "/hook.jsonl"
        try lines(0..<5, perHour: { _ in 20 }).write(toFile: path, atomically: true, encoding: .utf8)
        let alerts = try delivery([rule], dir: dir, hook: "cat >> '\(out)'")
        _ = try start([path], alerts: alerts)
        // The data's own clock (far from the wall): minute 4 holds the newest event and stays open.
        waitFor("the backlog judged") { alerts.alertState.judgedThroughMs == t0 + 4 * 60_000 }
        XCTAssertEqual(alerts.alertState.started, 0)
        try append(lines(5..<9, perHour: { _ in 80 }), to: path)
        waitFor("the crossing") { alerts.alertState.started == 1 }
        let a = try XCTUnwrap(alerts.alertState.active.first)
        XCTAssertEqual(a.startedMs, t0 + 7 * 60_000, "judged when minute 6 closed")
        waitFor("the start line and the hook") {
            logEvents(dir) == ["start"] && (try? String(contentsOfFile: out, encoding: .utf8))?.hasSuffix("}\n") == true
        }
        let hooked = try JSONDecoder().decode(AlertRecord.self, from: Data(contentsOf: URL(fileURLWithPath: out)))
        XCTAssertEqual(hooked.event, "start")
        XCTAssertEqual(hooked.key, "rule:\(rule)")
        try append(lines(9..<20, perHour: { _ in 20 }), to: path)
        waitFor("the end line") { logEvents(dir) == ["start", "end"] }
        XCTAssertTrue(alerts.alertState.active.isEmpty)
        XCTAssertEqual(alerts.alertState.started, 1)
    }

    /// Live data and no new events: the wall clock alone closes the minute, and a "no traffic" rule fires.
    func testAMinuteClosesOnTheClockWhenNoEventsArrive() throws {
        let dir = try scratch()
        let path = dir + "/live.jsonl"
        final class Clock: @unchecked Sendable {
            let lock = NSLock()
            var ms: Int64
            init(_ ms: Int64) { self.ms = ms }
            var now: Int64 { lock.lock(); defer { lock.unlock() }; return ms }
            func set(_ v: Int64) { lock.lock(); ms = v; lock.unlock() }
        }
        let clock = Clock(t0 + 20_000)
        try lines(0..<1, perHour: { _ in 20 }).write(toFile: path, atomically: true, encoding: .utf8)
        let alerts = try delivery(["feature=support-chat:requests<1 window=1m"], dir: dir)
        let ingest = try start([path], alerts: alerts, wallClock: { clock.now })
        waitFor("the lines read") { ingest.read { $0.counters.eventsCounted } == 2 }
        XCTAssertTrue(ingest.waitUntilCaughtUp(timeout: 10))
        XCTAssertNil(alerts.alertState.judgedThroughMs, "nothing closed yet: minute 0 is open")
        // Two minutes pass on the clock with no line written: minute 0 had requests, minute 1 had none.
        clock.set(t0 + 2 * 60_000 + 1_000)
        waitFor("minute 1 judged on the clock") { alerts.alertState.started == 1 }
        XCTAssertEqual(alerts.alertState.active.first?.startedMs, t0 + 2 * 60_000)
        XCTAssertEqual(alerts.alertState.judgedThroughMs, t0 + 2 * 60_000)
        waitFor("the start line") { logEvents(dir) == ["start"] }
    }

    /// The history a file already holds is judged once, quietly, after it is read: what ended is listed, only what
    /// still holds is delivered; the catch-up goes slice by slice and says how far it is.
    func testHistoryIsJudgedQuietlyOnceItIsRead() throws {
        let dir = try scratch()
        let path = dir + "/history.jsonl"
        // Crossings at minutes 30–40 and 100–110 (both end), and one from minute 170 still holding at the end.
        try lines(0..<180, perHour: { m in (30..<40).contains(m) || (100..<110).contains(m) || m >= 170 ? 80 : 20 })
            .write(toFile: path, atomically: true, encoding: .utf8)
        var o = AlertDelivery.Options()
        o.sliceMinutes = 7
        let alerts = try delivery([rule], dir: dir, options: o)
        _ = try start([path], alerts: alerts)
        waitFor("caught up") { alerts.alertState.judgedThroughMs == t0 + 179 * 60_000 && alerts.alertState.catchUp == nil }
        let s = alerts.alertState
        XCTAssertEqual(s.history.count, 3)
        XCTAssertEqual(s.active.count, 1)
        XCTAssertEqual(s.started, 1, "only the incident still holding is delivered")
        waitFor("its start line") { logEvents(dir) == ["start"] }
        XCTAssertEqual(AlertLog.read(dir + "/alerts.jsonl").first?.started, Timestamp.format(ms: t0 + 172 * 60_000))
    }

    /// A month budget over a store with several days counts all of them, not only the rollup's last 24 hours.
    func testMonthBudgetCountsTheStoreBeyondTheRollup() throws {
        let dir = try scratch()
        let store = dir + "/spend.db", path = dir + "/days.jsonl"
        let nov24 = Timestamp.parseRFC3339("2026-11-24T00:00:00Z")!
        // Four days, one $0.05 request a minute: $288.
        var text = ""
        for i in 0..<(4 * 1440) {
            let ts = Timestamp.format(ms: nov24 + Int64(i) * 60_000 + 1_000)
            text += #"{"ts":"\#(ts)","request_id":"d\#(i)","feature":"agent-planner","model":"gpt-4o","cost_usd":0.05}"# + "\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            var o = LiveIngest.Options()
            o.follow = false
            o.storePath = store
            o.retentionDays = 100_000
            var ro = Rollup.Options()
            ro.internAllDimensions = true
            ro.retentionMinutes = nil
            let fill = try LiveIngest(sources: [(.file(path), SourceSettings())], rollup: Rollup(options: ro), options: o)
            fill.start()
            XCTAssertTrue(fill.waitUntilIdle(timeout: 20))
            fill.stop()
        }
        var ro = Rollup.Options()
        ro.internAllDimensions = true  // the console's 24 h retention
        let rollup = Rollup(options: ro)
        let alerts = try delivery(["feature=agent-planner:budget_per_month=1000"], dir: dir)
        let ingest = try start([], alerts: alerts, store: store, rollup: rollup)
        XCTAssertEqual(ingest.replayedEvents, 5760)
        let held = try rollup.rows(ViewQuery(groupBy: nil, window: .all), wallMs: 0).total.spend
        XCTAssertLessThan(held, 80, "the rollup holds about one day")
        waitFor("the budget judged") { !alerts.alertState.budgets.isEmpty && alerts.alertState.catchUp == nil }
        let b = try XCTUnwrap(alerts.alertState.budgets.first)
        // Every closed minute of the four days: all but the newest event's minute (still open).
        XCTAssertEqual(b.spentUSD, 288 - 0.05, accuracy: 1e-6)
        XCTAssertEqual(b.periodName, "2026-11")
        XCTAssertEqual(b.usedPct, 28.795, accuracy: 1e-6)
    }
}
