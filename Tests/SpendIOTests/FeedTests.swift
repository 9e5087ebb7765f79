import XCTest
import SpendCore
@testable import SpendIO

final class FeedTests: XCTestCase {
    func testFileFeedReadsFilesOnceAndReportsThem() throws {
        let path = NSTemporaryDirectory() + "feed-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
        {"ts":"2026-11-28T10:00:00Z","request_id":"a","feature":"chat","cost_usd":1}
        {"ts":"2026-11-28T10:00:01Z","request_id":"a","feature":"chat","cost_usd":1}
        not json
        {"ts":"2026-11-28T10:00:02Z","request_id":"b","feature":"rag","cost_usd":2}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let feed = try FileFeed(paths: [path])
        XCTAssertEqual(feed.sources.count, 1)
        XCTAssertEqual(feed.sources[0].state, .ended)
        XCTAssertEqual(feed.sources[0].stats.events, 2)
        XCTAssertEqual(feed.sources[0].stats.duplicates, 1)
        XCTAssertEqual(feed.sources[0].stats.rejected, 1)
        let spend = feed.read { try? $0.rows(ViewQuery(groupBy: nil, window: .all), wallMs: 0).total.spend }
        XCTAssertEqual(spend, 3)
        XCTAssertThrowsError(try FileFeed(paths: ["/nonexistent/x.jsonl"]))
    }

    func testDemoFeedCountsExactlyWhatTheTrafficGenerates() {
        let start: Int64 = 1_795_860_000_000
        let traffic = DemoTraffic(startMs: start)
        let feed = DemoFeed(traffic: traffic, speed: 60, historyMinutes: 5)
        let history = traffic.events(fromMs: start - 300_000, toMs: start)
        XCTAssertEqual(feed.read { $0.counters.eventsCounted }, Int64(history.count))
        XCTAssertEqual(feed.nowMs, start)
        feed.advance(to: start + 90_000)
        feed.advance(to: start + 60_000)   // time never goes back
        let all = history.count + traffic.events(fromMs: start, toMs: start + 90_000).count
        XCTAssertEqual(feed.read { $0.counters.eventsCounted }, Int64(all))
        XCTAssertEqual(feed.sources[0].stats.events, Int64(all))
        XCTAssertEqual(feed.sources[0].state, .live)
        XCTAssertEqual(feed.read { $0.counters.gpuSamples }, Int64(traffic.gpuSamples(fromMs: start - 300_000, toMs: start + 90_000).count))
    }

    func testDemoFeedRunsOnItsThread() throws {
        let feed = DemoFeed(traffic: DemoTraffic(startMs: 1_795_860_000_000), speed: 600, historyMinutes: 0)
        feed.stepMs = 10
        feed.start()
        let deadline = Date().addingTimeInterval(5)
        while feed.read({ $0.counters.eventsCounted }) < 500 && Date() < deadline { usleep(10_000) }
        feed.stop()
        XCTAssertGreaterThanOrEqual(feed.read { $0.counters.eventsCounted }, 500)
    }
}
