import Foundation
import XCTest
import TestSupport
import SpendCore
@testable import SpendIO

/// `RemoteFeed` over a real PostgreSQL: the console's reads see each poll's cells through the query boundary, and
/// alerts are judged on the feed's side from the server's aggregates (history in one catch-up, then live minutes).
final class RemoteFeedTests: XCTestCase {
    func row(_ id: String, at ms: Int64, spend: Double, feature: String) -> [String: Any] {
        ["request_id": id, "startTime": SpendLogsRowMaker.iso(ms), "endTime": SpendLogsRowMaker.iso(ms + 20), "spend": spend,
         "model": "gpt-4o", "request_tags": ["feature:\(feature)"]]
    }

    func testReadsFollowPollsAndAlertsAreJudgedFromTheServersAggregates() throws {
        let server = try PostgresTestServer.shared()
        let db = try server.makeDatabase()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let t0 = (now / 60_000 - 40) * 60_000
        // 40 minutes: "chat" at $0.20 a minute ($12/h); from minute 30 "chat" at $2 a minute ($120/h).
        var rows: [[String: Any]] = []
        for m in 0..<40 {
            rows.append(row("c\(m)", at: t0 + Int64(m) * 60_000 + 5_000, spend: m >= 30 ? 2 : 0.2, feature: "chat"))
            rows.append(row("o\(m)", at: t0 + Int64(m) * 60_000 + 9_000, spend: 0.01, feature: "other"))
        }
        try server.copy(rows, into: db)
        var rules = AlertRuleSet()
        try rules.add(parsing: "feature=chat:spend_per_hour>60 window=5m")
        let delivery = AlertDelivery(engine: AlertEngine(rules: rules), logPath: nil, hook: nil, report: { _ in })
        var s = RemotePoller.Settings()
        s.pollSeconds = 0.2
        let poller = RemotePoller(name: "pg", reader: PostgresSpendLogsReader(url: server.url(db)),
                                  groupings: RemoteEngine.consoleGroupings, settings: s)
        let feed = RemoteFeed(poller: poller, retentionMinutes: 24 * 60, alerts: delivery)
        feed.start()
        defer { feed.stop() }

        let deadline = Date(timeIntervalSinceNow: 60)
        func chat() -> GroupRow? {
            feed.read { q in
                try? q.rows(ViewQuery(groupBy: .feature, window: .minutes(60)), wallMs: now).rows.first { $0.name == "chat" }
            }
        }
        while Date() < deadline, chat()?.measures.requests != 40 { usleep(50_000) }
        XCTAssertEqual(chat()?.measures.requests, 40)
        XCTAssertEqual(chat()?.measures.spend ?? 0, 30 * 0.2 + 10 * 2, accuracy: 1e-9)
        XCTAssertEqual(feed.sources.map(\.state), [.live])

        func ruleActive() -> Bool { delivery.alertState.active.contains { $0.kind == .threshold && $0.scope == "feature=chat" } }
        while Date() < deadline, !ruleActive() { usleep(50_000) }
        XCTAssertTrue(ruleActive(), "\(delivery.alertState.history)")
        // The detector may see the same jump in the fleet's spend: then it names chat as the cause. Nothing on
        // the steady feature.
        for a in delivery.alertState.history {
            XCTAssertTrue(a.scope == "feature=chat" || a.reason.contains("chat"), a.reason)
            XCTAssertFalse(a.scope.contains("other"), a.reason)
        }

        // A row written now shows on the next read after the poll that sees it.
        try server.copy([row("late", at: Int64(Date().timeIntervalSince1970 * 1000), spend: 7, feature: "late")], into: db)
        var late: GroupRow?
        while Date() < deadline, late == nil {
            late = feed.read { q in
                try? q.rows(ViewQuery(groupBy: .feature, window: .minutes(5)), wallMs: Int64(Date().timeIntervalSince1970 * 1000))
                    .rows.first { $0.name == "late" }
            }
            if late == nil { usleep(50_000) }
        }
        XCTAssertEqual(late?.measures.spend ?? 0, 7, accuracy: 1e-9)
    }
}
