import XCTest
@testable import SpendCore

/// The pure parsers behind the live sources: SSE framing, Prometheus text, nvidia-smi CSV.
final class LiveParserTests: XCTestCase {
    func fixture(_ name: String) throws -> String {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil))
        return try String(contentsOf: url, encoding: .utf8)
    }

    func events(_ text: String, chunk: Int = 3, parser: inout ServerSentEventParser) -> [ServerSentEventParser.Event] {
        var out: [ServerSentEventParser.Event] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let j = min(bytes.count, i + chunk)
            bytes[i..<j].withUnsafeBytes { parser.feed($0) { out.append($0) } }
            i = j
        }
        return out
    }

    func testSSEFramingAcrossChunksWithCommentsRetryAndMultiLineData() {
        var p = ServerSentEventParser()
        let got = events(": heartbeat\r\nretry: 1500\r\nid: 7\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\ndata:x\n\n: ping\n\nid: 9\rdata: y\r\r", parser: &p)
        XCTAssertEqual(got.map { String(decoding: $0.data, as: UTF8.self) }, ["{\"a\":\n1}", "x", "y"])
        XCTAssertEqual(got.map(\.id), ["7", "7", "9"])
        XCTAssertEqual(p.lastEventID, "9")
        XCTAssertEqual(p.retryMs, 1500)
    }

    func testSSEHalfEventIsDroppedOnReconnectAndTheLastIDKept() {
        var p = ServerSentEventParser()
        XCTAssertEqual(events("id: 1\ndata: a\n\nid: 2\ndata: b", parser: &p).count, 1)
        XCTAssertEqual(p.lastEventID, "1", "the id of an event not yet dispatched is not the resume point")
        p.reconnected()
        let after = events("\n\nid: 2\ndata: b2\n\n", parser: &p)
        XCTAssertEqual(after.map { String(decoding: $0.data, as: UTF8.self) }, ["b2"])
        XCTAssertEqual(p.lastEventID, "2")
    }

    func testSSEOversizedEventIsCountedNotKept() {
        var p = ServerSentEventParser(maxEventBytes: 10)
        let got = events("data: 0123456789abcdef\n\ndata: ok\n\n", parser: &p)
        XCTAssertEqual(got.map { String(decoding: $0.data, as: UTF8.self) }, ["ok"])
        XCTAssertEqual(p.oversized, 1)
    }

    func testPrometheusFixtureBecomesGPUAndEngineSamples() throws {
        var scrape = PrometheusScrape()
        let page = try fixture("dcgm-vllm-metrics.prom")
        let first = scrape.samples(from: page, atMs: 1_000, defaultNode: "target:9400")
        XCTAssertEqual(scrape.lastRejected, 0)
        let byName = Dictionary(uniqueKeysWithValues: first.map { ($0.groupName, $0) })
        XCTAssertEqual(byName["h100-a:0"]?.utilPct, 87)
        XCTAssertEqual(byName["h100-a:0"]?.memUsedMB, 71234)
        XCTAssertEqual(byName["h100-a:0"]?.memTotalMB, 71234 + 10325)
        XCTAssertEqual(byName["h100-a:1"]?.powerW, 71.9)
        let engine = try XCTUnwrap(byName["h100-a:vllm0"])
        XCTAssertEqual(engine.queueDepth, 7)
        XCTAssertEqual(engine.runningRequests, 42)
        XCTAssertEqual(engine.kvCachePct ?? 0, 63, accuracy: 1e-9)
        XCTAssertNil(engine.prefixCacheHitRate, "a counter needs a previous scrape")

        // The next scrape: 300 more hits of 400 more queries is a 75% hit rate over the interval.
        let next = page.replacingOccurrences(of: "prefix_cache_queries_total{engine=\"0\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} 1000.0",
                                             with: "prefix_cache_queries_total{engine=\"0\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} 1400")
            .replacingOccurrences(of: "prefix_cache_hits_total{engine=\"0\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} 250.0",
                                  with: "prefix_cache_hits_total{engine=\"0\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} 550")
        XCTAssertNotEqual(next, page)
        let second = scrape.samples(from: next, atMs: 16_000, defaultNode: "target:9400")
        XCTAssertEqual(second.first { $0.gpu == "vllm0" }?.prefixCacheHitRate ?? -1, 0.75, accuracy: 1e-12)
        // A counter reset (server restart) gives no rate rather than a negative one.
        let third = scrape.samples(from: page, atMs: 31_000, defaultNode: "target:9400")
        XCTAssertNil(third.first { $0.gpu == "vllm0" }?.prefixCacheHitRate)
    }

    func testPrometheusLabelsEscapesAndBadLines() {
        var rejected = 0
        let m = PrometheusScrape.parse("""
            # HELP x y
            a{l="q\\"uote",m="b,c"} 1.5 1700000000000
            b 2
            c{unterminated="x} 3
            d{l="v"} notanumber
            e NaN
            """, rejected: &rejected)
        XCTAssertEqual(m.map(\.name), ["a", "b", "e"])
        XCTAssertEqual(m[0].labels, ["l": "q\"uote", "m": "b,c"])
        XCTAssertEqual(m[0].value, 1.5)
        XCTAssertEqual(rejected, 2)
    }

    func testNvidiaSmiCSVWithUnitsAndMissingReadings() throws {
        var csv = NvidiaSmiCSV(node: "gpu-box")
        var samples: [GPUSample] = []
        for line in try fixture("nvidia-smi.csv").split(separator: "\n") {
            switch csv.decode(line: String(line)) {
            case .gpu(let s)?: samples += s
            case .rejected(let r)?: XCTFail("rejected \(r): \(line)")
            default: break
            }
        }
        XCTAssertEqual(samples.count, 4)
        XCTAssertEqual(samples[0].groupName, "gpu-box:0")
        XCTAssertEqual(samples[0].utilPct, 95)
        XCTAssertEqual(samples[0].memUsedMB, 76500)
        XCTAssertEqual(samples[0].memTotalMB, 81559)
        XCTAssertEqual(samples[0].powerW, 681.25)
        XCTAssertEqual(samples[0].timestampMs, Timestamp.parseRFC3339("2026-11-28T10:00:00Z"))
        XCTAssertNil(samples[3].utilPct, "[N/A] is a missing reading, not 0")
        XCTAssertNil(samples[3].powerW)
        XCTAssertEqual(samples[3].memUsedMB, 4)
        var offset = NvidiaSmiCSV(node: "n", utcOffsetSeconds: 3600)
        _ = offset.decode(line: "timestamp, index, utilization.gpu [%]")
        guard case .gpu(let s)? = offset.decode(line: "2026/11/28 11:00:00.000, 0, 5 %") else { return XCTFail() }
        XCTAssertEqual(s[0].timestampMs, Timestamp.parseRFC3339("2026-11-28T10:00:00Z"), "local time at UTC+1")
        XCTAssertEqual(offset.decode(line: "2026/11/28 11:00:00.000, 0"), .rejected(.badField))
    }
}
