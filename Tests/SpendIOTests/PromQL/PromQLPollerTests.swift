import Foundation
import SpendCore
import SpendIO
import XCTest

/// Live polling against the real Prometheus: the history read once, then the newest minutes read again and
/// replaced (never added twice), a page Prometheus scrapes every second showing up within a few polls, and
/// failures surfaced as the source's error while it retries.
final class PromQLPollerTests: XCTestCase {
    func poller(_ url: String, groupings: [[SpendCore.Dimension]], follow: Bool, poll: Double = 1) throws -> PromQLPoller {
        var settings = try PromQLSettings(url: url)
        settings.timeoutSeconds = 10
        var s = PromQLPoller.Settings()
        s.follow = follow
        s.pollSeconds = poll
        s.backoffBaseSeconds = 0.05
        s.backoffCapSeconds = 0.2
        return PromQLPoller(reader: PromQLReader(settings: settings), groupings: groupings, settings: s)
    }

    func testAFiniteReadEndsWithTheWindowsFigures() throws {
        let server = try PrometheusTestServer.shared()
        let f = server.fixture
        let p = try poller("promql:" + server.baseURL, groupings: [[.model]], follow: false)
        p.start()
        defer { p.stop() }
        XCTAssertTrue(p.waitForStatus(timeout: 60) { $0.state == .ended || $0.state == .failed })
        XCTAssertEqual(p.status.state, .ended, p.status.lastError ?? "")
        XCTAssertEqual(p.polls, 1)
        let sums = p.read { windows, _ in windows[[.model]]!.sum(fromMinute: f.windowFrom / 60, toMinute: f.windowTo / 60 - 1) }
        for model in ["gpt-4o", "claude-sonnet-4", "llama-3-70b"] {
            let m = sums.first { $0.key.first?.name == model }?.value
            XCTAssertEqual(m.map { Double($0.requests) }, f.known("litellm_requests_metric", "model=" + model))
            XCTAssertEqual(m?.spend ?? 0, f.known("litellm_spend_metric", "model=" + model), accuracy: 1e-9)
        }
        let gpus = p.read { _, g in g.sum(fromMinute: f.windowFrom / 60, toMinute: f.windowTo / 60 - 1) }
        XCTAssertEqual(gpus.count, 5)
    }

    func testLiveMinutesAppearWithinAFewPollsAndReReadsReplace() throws {
        let server = try PrometheusTestServer.shared()
        func page(requests: Int, spend: Double) -> String {
            """
            # TYPE litellm_requests_metric_total counter
            litellm_requests_metric_total{model="live-model",hashed_api_key="None",api_key_alias="None"} \(requests)
            # TYPE litellm_spend_metric_total counter
            litellm_spend_metric_total{model="live-model",hashed_api_key="None",api_key_alias="None"} \(spend)

            """
        }
        try server.setLivePage(page(requests: 2, spend: 0.5))
        let p = try poller("promql:" + server.baseURL, groupings: [[.model]], follow: true, poll: 0.5)
        p.start()
        defer { p.stop() }
        func live() -> Measures {
            p.read { windows, _ in
                windows[[.model]]!.sum(fromMinute: 0, toMinute: .max).first { $0.key.first?.name == "live-model" }?.value ?? Measures()
            }
        }
        /// Waits poll by poll (event-based) until `ok` holds for the live model's figures.
        func waitFor(_ what: String, _ ok: (Measures) -> Bool) {
            let deadline = Date(timeIntervalSinceNow: 45)
            var seen = p.polls
            while Date() < deadline {
                if ok(live()) { return }
                if p.waitForPolls(moreThan: seen, timeout: 10) { seen = p.polls } else if case .live = p.status.state {} else {
                    return XCTFail("\(what): poller is \(p.status.state), \(p.status.lastError ?? "")")
                }
            }
            XCTFail("\(what): never came; last \(live().requests) requests, status \(p.status.state) \(p.status.lastError ?? "")")
        }
        waitFor("the new series") { $0.requests == 2 }
        XCTAssertEqual(live().spend, 0.5, accuracy: 1e-9)
        try server.setLivePage(page(requests: 7, spend: 1.75))
        waitFor("the growth") { $0.requests == 7 }
        // Later polls read the same minutes again: they replace them, the figures stay.
        let n = p.polls
        XCTAssertTrue(p.waitForPolls(moreThan: n + 2, timeout: 30))
        XCTAssertEqual(live().requests, 7)
        XCTAssertEqual(live().spend, 1.75, accuracy: 1e-9)
        XCTAssertNil(p.status.lastError)
        XCTAssertEqual(try XCTUnwrap(p.currentMinute), Rollup.floorDiv(Int64(Date().timeIntervalSince1970 * 1000), 60_000), accuracy: 1)
    }

    func testAnEngineThatIsDownIsTheSourcesErrorWhileItRetries() throws {
        let port = try PrometheusTestServer.freePort()
        let p = try poller("promql:http://bob:hunter2-secret@127.0.0.1:\(port)/prometheus", groupings: [[.model]], follow: true)
        p.start()
        XCTAssertTrue(p.waitForStatus(timeout: 30) { s in
            if case .retrying = s.state { return s.lastError != nil }
            return false
        })
        let error = p.status.lastError ?? ""
        XCTAssertTrue(error.hasPrefix("promql:http://127.0.0.1:\(port)/prometheus: "), error)
        XCTAssertFalse(error.contains("hunter2"))
        XCTAssertEqual(p.polls, 0)
        let stopping = Date()
        p.stop()
        XCTAssertLessThan(Date().timeIntervalSince(stopping), 5)
    }

    func testAFiniteReadGivesUpAfterItsAttempts() throws {
        let port = try PrometheusTestServer.freePort()
        let p = try poller("promql:http://127.0.0.1:\(port)", groupings: [[]], follow: false)
        p.start()
        defer { p.stop() }
        XCTAssertTrue(p.waitForStatus(timeout: 30) { $0.state == .failed })
        XCTAssertNotNil(p.status.lastError)
    }
}

/// `promql:` in the event feed (console, check, export today): it checks the engine answers and says why it
/// shows nothing, instead of looking healthy and empty.
final class PromQLPendingSourceTests: XCTestCase {
    func testTheEventFeedSaysWhyItShowsNothing() throws {
        let server = try PrometheusTestServer.shared()
        let closed = try PrometheusTestServer.freePort()
        var options = LiveIngest.Options()
        options.follow = false
        let ingest = try LiveIngest(sources: [(try SourceSpec(parsing: "promql:" + server.baseURL), SourceSettings()),
                                              (try SourceSpec(parsing: "promql:http://u:pw-1234@127.0.0.1:\(closed)"), SourceSettings())],
                                    rollup: Rollup(), options: options)
        ingest.start()
        defer { ingest.stop() }
        XCTAssertTrue(ingest.waitUntilIdle(timeout: 30))
        let up = ingest.sources[0], down = ingest.sources[1]
        XCTAssertEqual(up.state, .failed)
        XCTAssertTrue(up.lastError?.contains("the engine answers") ?? false, up.lastError ?? "")
        XCTAssertEqual(down.state, .failed)
        XCTAssertEqual(down.name, "promql:http://127.0.0.1:\(closed)")
        XCTAssertFalse(down.lastError?.contains("pw-1234") ?? true)
        XCTAssertFalse(down.lastError?.contains("the engine answers") ?? true)
    }

    func testExtentIsTheNewestSampleOfTheCounters() throws {
        let server = try PrometheusTestServer.shared()
        try server.setLivePage("""
            # TYPE litellm_requests_metric_total counter
            litellm_requests_metric_total{model="extent-model"} 3

            """)
        let reader = PromQLReader(settings: try PromQLSettings(url: "promql:" + server.baseURL))
        let deadline = Date(timeIntervalSinceNow: 30)
        var newest: Int64?
        // Waits for the engine's next scrape of the page (each check is one query, at most every 0.2 s).
        while Date() < deadline {
            newest = try reader.extent()?.newestMs
            if let n = newest, Int64(Date().timeIntervalSince1970 * 1000) - n < 10_000 { break }
            usleep(200_000)
        }
        let n = try XCTUnwrap(newest)
        XCTAssertLessThan(abs(Int64(Date().timeIntervalSince1970 * 1000) - n), 10_000)
    }
}
