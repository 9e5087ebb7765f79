import XCTest
@testable import SpendCore

/// The pure half of the PromQL engine: decoding answers (hostile bodies included), the step grid, counter
/// levels into growth, the label mapping and the selectors config may name.
final class PromQLCoreTests: XCTestCase {
    func decode(_ text: String, status: Int = 200) throws -> PromQLAnswer {
        try PromQLDecoder.decode(Array(text.utf8), httpStatus: status)
    }

    func failure(_ text: String, status: Int = 200) -> PromQLFailure? {
        do {
            _ = try decode(text, status: status)
            return nil
        } catch let f as PromQLFailure {
            return f
        } catch {
            return nil
        }
    }

    func testMatrixVectorAndScalarAnswers() throws {
        let m = try decode("""
            {"status":"success","warnings":["partial"],"data":{"resultType":"matrix","result":[
              {"metric":{"model":"gpt-4o","tag":"feature:s\\u00e9arch \\"q\\""},"values":[[1700000060,"1.5"],[1700000120.5,"NaN"],
               [1700000180,"+Inf"],[1700000240,"-2e-3"]]},
              {"values":[[1700000060,"7"]],"metric":{}}]},"infos":{"x":[1,{"y":null}]}}
            """)
        XCTAssertEqual(m.warnings, ["partial"])
        XCTAssertEqual(m.series.count, 2)
        XCTAssertEqual(m.series[0].labels, ["model": "gpt-4o", "tag": "feature:séarch \"q\""])
        XCTAssertEqual(m.series[0].timestampsMs, [1_700_000_060_000, 1_700_000_120_500, 1_700_000_180_000, 1_700_000_240_000])
        XCTAssertEqual(m.series[0].values[0], 1.5)
        XCTAssertTrue(m.series[0].values[1].isNaN)
        XCTAssertEqual(m.series[0].values[2], .infinity)
        XCTAssertEqual(m.series[0].values[3], -0.002, accuracy: 1e-15)
        XCTAssertEqual(m.series[1].values, [7])

        let v = try decode(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1700000000,"3"]}]}}"#)
        XCTAssertEqual(v.series, [PromQLSeries(labels: ["a": "b"], timestampsMs: [1_700_000_000_000], values: [3])])
        let s = try decode(#"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"1"]}}"#)
        XCTAssertEqual(s.series.first?.values, [1])
        XCTAssertEqual(try decode(#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#).series, [])
    }

    func testEngineErrorsAndHostileBodiesAreOneLineFailures() {
        let e = failure(#"{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory\u001b[2J"}"#,
                        status: 422)
        XCTAssertEqual(e?.kind, .engine("execution"))
        XCTAssertEqual(e?.message, "execution: query processing would load too many samples into memory (HTTP 422)")
        XCTAssertEqual(failure(#"{"status":"error","errorType":"timeout","error":"query timed out"}"#, status: 503)?.isTransient, true)
        XCTAssertEqual(failure("<html>\n<h1>502 Bad Gateway</h1></html>", status: 502)?.kind, .http(502))
        XCTAssertEqual(failure("<html>\n<h1>502 Bad Gateway</h1></html>", status: 502)?.message, "HTTP 502: <html> <h1>502 Bad Gateway</h1></html>")
        let hostile = ["", "null", "{", #"{"status":"success","data":{"resultType":"matrix","result":[{"values":[[1,"x"]]}]}}"#,
                       #"{"status":"success","data":{"resultType":"matrix","result":[{"values":[[1e300,"1"]]}]}}"#,
                       #"{"status":"success"} trailing"#, #"{"status":"success","data":"\u"}"#,
                       String(repeating: "[", count: 200_000), "{\"a\":" + String(repeating: "{\"a\":", count: 10_000),
                       #"{"status":"ok"}"#, String(decoding: [0xFF, 0xFE, 0x00, 0x7B], as: UTF8.self)]
        for body in hostile {
            let f = failure(body)
            XCTAssertEqual(f?.kind, .unreadable, String(body.prefix(60)))
        }
    }

    func testGridAlignsCellsToTheStepAndMapsEvaluationTimes() {
        let g = PromQLGrid(fromMinute: 28_333_337, toMinute: 28_333_346, stepSeconds: 60)
        XCTAssertEqual(g.cellCount, 10)
        XCTAssertEqual(g.minute(0), 28_333_337)
        XCTAssertEqual(g.endSeconds(0), 28_333_338 * 60)
        XCTAssertEqual(g.cell(endingAtMs: 28_333_338 * 60_000), 0)
        XCTAssertNil(g.cell(endingAtMs: 28_333_338 * 60_000 + 1))
        XCTAssertNil(g.cell(endingAtMs: 28_333_337 * 60_000))
        XCTAssertEqual(g.minutes, 28_333_337...28_333_346)
        let coarse = PromQLGrid(fromMinute: 7, toMinute: 21, stepSeconds: 300)
        XCTAssertEqual(coarse.minute(0), 5)
        XCTAssertEqual(coarse.cellCount, 4)
        XCTAssertEqual(coarse.minutes, 5...24)
        XCTAssertEqual(PromQLGrid.stepSeconds(forMinutes: 1_440), 60)
        XCTAssertEqual(PromQLGrid.stepSeconds(forMinutes: 7 * 1_440), 600)
        XCTAssertLessThanOrEqual(30 * 1_440 * 60 / PromQLGrid.stepSeconds(forMinutes: 30 * 1_440), 1_500)
    }

    func testLevelsBecomeGrowthDropsAreMarkedNotNegative() {
        let g = PromQLGrid(fromMinute: 100, toMinute: 105, stepSeconds: 60)
        // baseline, then +2, +0, a fall (a restart), +1, gap, then back
        let t = [100, 101, 102, 103, 104, 106].map { Int64($0) * 60_000 }
        let level = PromQLSeries(labels: [:], timestampsMs: t, values: [10, 12, 12, 3, 4, 9])
        var drops = Set<Int>()
        let growth = CounterLevels.growth(level, grid: g, drops: &drops)
        XCTAssertEqual(growth.map(\.cell), [0, 3, 5])
        XCTAssertEqual(growth.map(\.value), [2, 1, 9])
        XCTAssertEqual(drops, [2])
        // A group that appears after the baseline: its value is its growth.
        var none = Set<Int>()
        let fresh = CounterLevels.growth(PromQLSeries(labels: [:], timestampsMs: [102 * 60_000, 103 * 60_000], values: [5, 6]),
                                         grid: g, drops: &none)
        XCTAssertEqual(fresh.map(\.cell), [1, 2])
        XCTAssertEqual(fresh.map(\.value), [5, 1])
        // Float noise far below a cent is not a restart.
        var noise = Set<Int>()
        _ = CounterLevels.growth(PromQLSeries(labels: [:], timestampsMs: [100 * 60_000, 101 * 60_000], values: [1e6, 1e6 - 1e-7]),
                                 grid: g, drops: &noise)
        XCTAssertTrue(noise.isEmpty)
        XCTAssertEqual(CounterLevels.runs([5, 1, 2, 3, 9]), [1...3, 5...5, 9...9])
    }

    func testEventCellsFromResetsAndSeriesThatLeave() {
        let g = PromQLGrid(fromMinute: 100, toMinute: 105, stepSeconds: 60)
        let ends = (101...106).map { Int64($0) * 60_000 }
        let answer = PromQLAnswer(series: [
            PromQLSeries(labels: ["spendtop_q": "resets"], timestampsMs: ends, values: [0, 0, 1, 1, 0, 0]),
            PromQLSeries(labels: ["spendtop_q": "series"], timestampsMs: ends, values: [4, 5, 5, 5, 4, 4]),
        ])
        XCTAssertEqual(CounterLevels.eventCells(answer, grid: g), [2, 3, 4])
    }

    func testMappingReadsLiteLLMLabels() {
        let m = PromQLMapping()
        let hash = "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b"
        XCTAssertEqual(m.value(.feature, labels: ["tag": "feature:search", "metadata_feature": "x"]).name, "search")
        XCTAssertEqual(m.value(.feature, labels: ["tag": "None", "metadata_feature": "summarise"]).name, "summarise")
        XCTAssertEqual(m.value(.feature, labels: ["tag": "env:prod", "metadata_feature": "None"]).name, "env:prod")
        XCTAssertEqual(m.value(.feature, labels: ["tag": "None"]), .none)
        let k = m.value(.apiKey, labels: ["hashed_api_key": hash, "api_key_alias": "None"])
        XCTAssertEqual(k.name, "…6b4b")
        XCTAssertEqual(k.id, ByteHash.hash(hash))
        // Two keys with one alias stay two values; the alias is what is shown.
        let a = m.value(.apiKey, labels: ["hashed_api_key": hash, "api_key_alias": "prod-web"])
        let b = m.value(.apiKey, labels: ["hashed_api_key": "ff" + hash.dropFirst(2), "api_key_alias": "prod-web"])
        XCTAssertEqual(a.name, "prod-web")
        XCTAssertNotEqual(a, b)
        // An alias that looks like a key is masked too.
        XCTAssertEqual(m.value(.apiKey, labels: ["api_key_alias": "sk-proj-abcdefghijklmnopqrstuvwx1234"]).name, "sk-…1234")
        XCTAssertEqual(m.value(.team, labels: ["team": "t-1", "team_alias": "Search\u{1b}[31m"]).name, "Search")
        XCTAssertEqual(m.value(.gpu, labels: ["Hostname": "h100-a", "gpu": "3"]).name, "h100-a:3")
        XCTAssertEqual(m.groupLabels([.feature, .apiKey]), ["tag", "metadata_feature", "hashed_api_key", "api_key_alias"])
    }

    func testQueriesAggregateAndSelectorsRejectInjection() {
        let m = PromQLMapping()
        XCTAssertEqual(PromQLQueries.level("litellm_spend_metric_total", by: ["model"], mapping: m),
                       "sum by (model) (last_over_time(litellm_spend_metric_total[3600s]))")
        XCTAssertTrue(PromQLQueries.exactGrowth("x_total", by: ["model"], stepSeconds: 60, mapping: m).hasPrefix("sum by (model) ("))
        XCTAssertTrue(PromQLQueries.events("x_total", stepSeconds: 60, mapping: m).hasPrefix("sum by (spendtop_q) ("))
        XCTAssertTrue(PromQLQueries.dcgm(stepSeconds: 60, mapping: m).hasPrefix("sum by (Hostname, gpu, spendtop_m) ("))
        XCTAssertEqual(PromQLQueries.selector("x_total", "job=\"a\""), "x_total{job=\"a\"}")
        XCTAssertEqual(PromQLQueries.selector("x_total{}", "job=\"a\""), "x_total{job=\"a\"}")
        for ok in ["litellm_spend_metric_total", "vllm:prefix_cache_hits_total", #"gen_ai_client_token_usage_sum{gen_ai_token_type="input"}"#,
                   #"{__name__=~"a|b", job!="x"}"#] {
            XCTAssertTrue(PromQLQueries.isSelector(ok), ok)
        }
        for bad in ["", "1x", "x) or vector(1", "x{a=\"b\"} or y", "x{a=b}", "x{a=\"b}", "{job=\"x\"}", "x[5m]", "x{a=\"b\"\n}"] {
            XCTAssertFalse(PromQLQueries.isSelector(bad), bad)
        }
        XCTAssertTrue(PromQLQueries.isMatcherList(#"job="litellm", env=~"prod|stage""#))
        XCTAssertFalse(PromQLQueries.isMatcherList(#"job="x"} or vector(1) or {a="b""#))
    }

    func testGPUCellsFromAnswers() {
        let g = PromQLGrid(fromMinute: 100, toMinute: 100, stepSeconds: 60)
        let t = [Int64(101 * 60_000)]
        let dcgm = PromQLAnswer(series: [
            PromQLSeries(labels: ["Hostname": "h", "gpu": "0", "spendtop_m": "util"], timestampsMs: t, values: [50]),
            PromQLSeries(labels: ["Hostname": "h", "gpu": "0", "spendtop_m": "fb_used"], timestampsMs: t, values: [10]),
            PromQLSeries(labels: ["Hostname": "h", "gpu": "0", "spendtop_m": "fb_free"], timestampsMs: t, values: [30]),
        ])
        let vllm = PromQLAnswer(series: [
            PromQLSeries(labels: ["instance": "i:8000", "engine": "0", "spendtop_m": "hits"], timestampsMs: t, values: [30]),
            PromQLSeries(labels: ["instance": "i:8000", "engine": "0", "spendtop_m": "queries"], timestampsMs: t, values: [40]),
            PromQLSeries(labels: ["instance": "i:8000", "engine": "0", "spendtop_m": "kv"], timestampsMs: t, values: [0.5]),
        ])
        let cells = PromQLGPUCells.cells(dcgm: dcgm, vllm: vllm, grid: g, mapping: PromQLMapping())
        XCTAssertEqual(cells.map(\.gpu.name), ["h:0", "i:8000:vllm0"])
        XCTAssertEqual(cells[0].measures.memTotalMB, 40)
        XCTAssertEqual(cells[0].measures.utilPct, 50)
        XCTAssertEqual(cells[1].measures.prefixCacheHitRate, 0.75)
        XCTAssertEqual(cells[1].measures.kvCachePct, 50)
        XCTAssertTrue(cells.allSatisfy { $0.minute == 100 })
    }
}
