import Foundation
import SpendCore
@testable import SpendIO
import XCTest

/// The pushdown against a real Prometheus holding the fixture's counters: per-model, per-feature, per-key,
/// per-team and per-GPU figures equal the known growth (restarts of a replica included), and every query the
/// engine logged aggregates at its top.
final class PromQLPushdownTests: XCTestCase {
    var server: PrometheusTestServer!
    var fixture: PromQLFixture { server.fixture }

    override func setUpWithError() throws {
        server = try PrometheusTestServer.shared()
    }

    func reader(mapping: PromQLMapping = PromQLMapping()) throws -> PromQLReader {
        var settings = try PromQLSettings(url: "promql:" + server.baseURL)
        settings.mapping = mapping
        return PromQLReader(settings: settings)
    }

    var grid: PromQLGrid {
        PromQLGrid(fromMinute: fixture.windowFrom / 60, toMinute: fixture.windowTo / 60 - 1, stepSeconds: 60)
    }

    /// Window totals per value of a one-dimension grouping, by raw-text identity.
    func totals(_ cells: [RemoteCell]) -> [UInt64: (name: String, m: Measures)] {
        var out: [UInt64: (name: String, m: Measures)] = [:]
        for c in cells {
            let v = c.values.first ?? .none
            var entry = out[v.id] ?? (v.name, Measures())
            entry.m.merge(c.measures)
            out[v.id] = entry
        }
        return out
    }

    func assertMatches(_ m: Measures?, _ key: String, file: StaticString = #filePath, line: UInt = #line) {
        let spend = fixture.known("litellm_spend_metric", key)
        XCTAssertGreaterThan(spend, 0, "fixture has no spend for \(key)", file: file, line: line)
        guard let m else { return XCTFail("no row for \(key)", file: file, line: line) }
        XCTAssertEqual(m.spend, spend, accuracy: spend * 1e-9, "spend of \(key)", file: file, line: line)
        XCTAssertEqual(Double(m.requests), fixture.known("litellm_requests_metric", key), "requests of \(key)", file: file, line: line)
        XCTAssertEqual(Double(m.inputTokens), fixture.known("litellm_input_tokens_metric", key), "input of \(key)", file: file, line: line)
        XCTAssertEqual(Double(m.outputTokens), fixture.known("litellm_output_tokens_metric", key), "output of \(key)", file: file, line: line)
    }

    func testPerModelFeatureKeyTeamProviderFiguresEqualTheKnownGrowthRestartsIncluded() throws {
        let r = try reader()
        let read = try r.read(grid: grid, groupings: [[], [.model], [.feature], [.apiKey], [.team], [.provider]])

        let total = read.cells[[]]!.reduce(into: Measures()) { $0.merge($1.measures) }
        assertMatches(total, "total=")

        let models = totals(read.cells[[.model]]!)
        XCTAssertEqual(models.count, 3)
        for model in ["gpt-4o", "claude-sonnet-4", "llama-3-70b"] {
            assertMatches(models[ByteHash.hash(model)]?.m, "model=" + model)
        }

        // Feature from a `feature:NAME` tag, else metadata_feature, else the tag itself; never "None".
        let features = totals(read.cells[[.feature]]!)
        XCTAssertEqual(Set(features.values.map(\.name)), ["search", "chat", "summarise", "env:prod"])
        for f in ["search", "chat", "summarise", "env:prod"] {
            assertMatches(features[ByteHash.hash(f)]?.m, "feature=" + f)
        }

        // Keys: identity is the hash; shown as the alias, or masked when LiteLLM had none ("None").
        let keys = totals(read.cells[[.apiKey]]!)
        XCTAssertEqual(keys.count, PromQLFixture.keyHashes.count)
        for (i, hash) in PromQLFixture.keyHashes.enumerated() {
            let row = keys[ByteHash.hash(hash)]
            assertMatches(row?.m, "api_key=" + hash)
            XCTAssertEqual(row?.name, i == 3 ? KeyMask.mask(hash) : "app-\(i)")
            XCTAssertFalse(row?.name.contains(hash.suffix(12)) ?? true, "a raw key hash reached a name")
        }

        let teams = totals(read.cells[[.team]]!)
        XCTAssertEqual(Set(teams.values.map(\.name)), ["Team 0", "Team 1"])
        for t in ["team-0", "team-1"] { assertMatches(teams[ByteHash.hash(t)]?.m, "team=" + t) }

        let providers = totals(read.cells[[.provider]]!)
        for p in ["openai", "anthropic", "vllm"] { assertMatches(providers[ByteHash.hash(p)]?.m, "provider=" + p) }
    }

    func testPerMinuteCellsSumToTheWindowAndRestartMinutesAreReadExactly() throws {
        let r = try reader()
        let cells = try r.cells(grid: grid, dimensions: [.model])
        let minutes = Set(cells.map(\.minute))
        XCTAssertEqual(minutes.min(), fixture.windowFrom / 60)
        XCTAssertEqual(minutes.max(), fixture.windowTo / 60 - 1)
        XCTAssertTrue(cells.allSatisfy { $0.measures.spend >= 0 && $0.measures.requests >= 0 })
        // The restart minutes (12 and 27) were answered by per-series growth for those steps only.
        let exact = try server.loggedQueries().filter { $0.contains("unless (resets(") }
        XCTAssertFalse(exact.isEmpty, "no exact re-read: the restarts were not seen")
        let log = try String(contentsOfFile: server.queryLog, encoding: .utf8)
        for line in log.split(separator: "\n") where line.contains("unless (resets(") {
            let params = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["params"] as? [String: Any])
            let start = try XCTUnwrap(ISO8601DateFormatter.withFractions.date(from: params["start"] as? String ?? ""))
            let end = try XCTUnwrap(ISO8601DateFormatter.withFractions.date(from: params["end"] as? String ?? ""))
            let step = try XCTUnwrap(params["step"] as? Double)
            XCTAssertLessThanOrEqual(end.timeIntervalSince(start), 2 * step, "an exact re-read spans more than the restart's steps")
        }
        // The minute of the mid-minute restart holds the growth both before and after it.
        let restartMinute = (fixture.start + 12 * 60) / 60
        let spent = cells.filter { $0.minute == restartMinute }.reduce(0) { $0 + $1.measures.requests }
        XCTAssertGreaterThan(spent, 0)
    }

    func testEveryLoggedQueryAggregatesAtItsTop() throws {
        let r = try reader()
        _ = try r.read(grid: grid, groupings: [[.apiKey], [.feature, .model]])
        let queries = try server.loggedQueries()
        XCTAssertGreaterThan(queries.count, 5)
        let aggregation = try NSRegularExpression(pattern: #"^(sum|avg|min|max|count|group|topk|bottomk|quantile|stddev|stdvar) *(by|without)? *\("#)
        for q in queries {
            let t = q.trimmingCharacters(in: .whitespaces)
            XCTAssertNotNil(aggregation.firstMatch(in: t, range: NSRange(t.startIndex..., in: t)), "not aggregating at the top: \(q)")
        }
    }

    func testGPUReadingsPerHostAndIndex() throws {
        let r = try reader()
        let gpus = try r.gpuCells(grid: grid)
        var sums: [String: GPUMeasures] = [:]
        for c in gpus { sums[c.gpu.name, default: GPUMeasures()].merge(c.measures) }
        XCTAssertEqual(Set(sums.keys), ["h100-a:0", "h100-a:1", "h100-b:0", "h100-b:1", "10.0.0.5:8000:vllm0"])
        for (name, m) in sums where name.hasPrefix("h100") {
            let host = String(name.prefix(6))
            let series = fixture.gauges.first { $0.metric == "DCGM_FI_DEV_GPU_UTIL" && $0.labels["Hostname"] == host }!
            XCTAssertEqual(try XCTUnwrap(m.utilPct), expectedMinuteMean(series), accuracy: 0.01, name)
            XCTAssertEqual(try XCTUnwrap(m.memTotalMB), 81_920, accuracy: 0.001, name)
            XCTAssertEqual(Int(m.utilCount), Int(fixture.windowTo - fixture.windowFrom) / 60, "one reading per minute")
        }
        XCTAssertEqual(try XCTUnwrap(sums["h100-a:0"]?.memUsedMB), 60_000, accuracy: 0.001)
        let vllm = try XCTUnwrap(sums["10.0.0.5:8000:vllm0"])
        XCTAssertEqual(try XCTUnwrap(vllm.queueDepth), 4, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(vllm.kvCachePct), 42, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(vllm.prefixCacheHitRate), 0.75, accuracy: 1e-9)
    }

    /// The mean over the window's minutes of each minute's average sample.
    func expectedMinuteMean(_ s: PromQLFixture.Series) -> Double {
        var sum = 0.0, n = 0.0
        for m in stride(from: fixture.windowFrom, to: fixture.windowTo, by: 60) {
            let v = s.samples.filter { $0.0 > m && $0.0 <= m + 60 }.map(\.1)
            if !v.isEmpty { sum += v.reduce(0, +) / Double(v.count); n += 1 }
        }
        return sum / n
    }

    func testASeriesThatLeavesIsReadExactlyAndCountsNothingMore() throws {
        // With a 5-minute gap allowed, key 2's series on replica a (silent for three minutes) runs on, and key 1's
        // on replica b (stopped at minute 35) leaves the levels five minutes later: that step is read per series.
        var mapping = PromQLMapping()
        mapping.maxGapSeconds = 300
        let r = try reader(mapping: mapping)
        let keys = totals(try r.cells(grid: grid, dimensions: [.apiKey]))
        for hash in PromQLFixture.keyHashes { assertMatches(keys[ByteHash.hash(hash)]?.m, "api_key=" + hash) }
    }

    func testGroupingsContainedInAnotherAreSummedFromItNotAskedFor() throws {
        let groupings: [[SpendCore.Dimension]] = [[.feature], [.apiKey], [.feature, .apiKey], [.apiKey, .model], [.model]]
        let sources = PromQLReader.sources(groupings, mapping: PromQLMapping())
        XCTAssertEqual(sources[[.feature]], [.feature, .apiKey])
        XCTAssertEqual(sources[[.apiKey]], [.apiKey, .model], "the smaller of the two that contain it")
        XCTAssertEqual(sources[[.model]], [.apiKey, .model])
        let before = try server.loggedQueries().count
        let read = try reader().read(grid: grid, groupings: groupings, gpus: false)
        let sent = try server.loggedQueries().dropFirst(before)
        XCTAssertFalse(sent.contains { $0.hasPrefix("sum by (tag, metadata_feature) (last_over_time") })
        XCTAssertFalse(sent.contains { $0.hasPrefix("sum by (model) (last_over_time") })
        let features = totals(read.cells[[.feature]]!)
        for f in ["search", "chat", "summarise", "env:prod"] { assertMatches(features[ByteHash.hash(f)]?.m, "feature=" + f) }
        let models = totals(read.cells[[.model]]!)
        for m in ["gpt-4o", "claude-sonnet-4", "llama-3-70b"] { assertMatches(models[ByteHash.hash(m)]?.m, "model=" + m) }
        let pairs = read.cells[[.feature, .apiKey]]!.reduce(into: Measures()) { $0.merge($1.measures) }
        assertMatches(pairs, "total=")
    }

    func testTheRemoteCellReadingEntryPointsAnswerTheSameCells() throws {
        let r = try reader()
        let from = fixture.windowFrom * 1000, to = fixture.windowTo * 1000
        let byModel = totals(try r.cells(fromMs: from, toMs: to, dimensions: [.model]))
        let both = try r.cells(fromMs: from, toMs: to, groupings: [[.model], [.feature, .model]])
        XCTAssertEqual(Set(both.keys), [[.model], [.feature, .model]])
        for m in ["gpt-4o", "claude-sonnet-4", "llama-3-70b"] {
            assertMatches(byModel[ByteHash.hash(m)]?.m, "model=" + m)
            assertMatches(totals(both[[.model]]!)[ByteHash.hash(m)]?.m, "model=" + m)
        }
    }

    func testWithoutASpendCounterRequestsAreUnpricedNotFree() throws {
        var mapping = PromQLMapping()
        mapping.counters[.spend] = nil
        let total = try reader(mapping: mapping).cells(grid: grid, dimensions: []).reduce(into: Measures()) { $0.merge($1.measures) }
        XCTAssertEqual(Double(total.requests), fixture.known("litellm_requests_metric", "total="))
        XCTAssertEqual(total.unpriced, total.requests)
        XCTAssertEqual(total.spend, 0)
    }

    func testACoarseStepKeepsTheTotalOfItsMinutes() throws {
        let r = try reader()
        let coarse = PromQLGrid(fromMinute: fixture.windowFrom / 60, toMinute: fixture.windowTo / 60 - 1, stepSeconds: 300)
        let cells = try r.cells(grid: coarse, dimensions: [])
        XCTAssertTrue(cells.allSatisfy { ($0.minute * 60 - coarse.firstStartSeconds) % 300 == 0 })
        let fine = PromQLGrid(fromMinute: coarse.minutes.lowerBound, toMinute: coarse.minutes.upperBound, stepSeconds: 60)
        let a = cells.reduce(into: Measures()) { $0.merge($1.measures) }
        let b = try r.cells(grid: fine, dimensions: []).reduce(into: Measures()) { $0.merge($1.measures) }
        XCTAssertGreaterThan(a.requests, 0)
        XCTAssertEqual(a.requests, b.requests)
        XCTAssertEqual(a.inputTokens, b.inputTokens)
        XCTAssertEqual(a.spend, b.spend, accuracy: b.spend * 1e-9)
    }
}

extension ISO8601DateFormatter {
    static let withFractions: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
}
