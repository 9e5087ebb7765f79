import XCTest
@testable import SpendCore

/// Each kind of opportunity on hand-built rollups, with the money worked out by hand (docs/savings.md).
final class SavingsAdvisorTests: XCTestCase {
    /// Round per-token prices so the arithmetic below can be checked on paper ($ per million tokens in comments).
    let prices = PriceTable(prices: [
        "big": ModelPrice(input: 10e-6, output: 30e-6, cacheRead: 1e-6),               // $10 / $30 / read $1
        "small": ModelPrice(input: 1e-6, output: 3e-6, cacheRead: 0.1e-6),             // $1 / $3 / read $0.10
        "tiered": ModelPrice(input: 2e-6, output: 10e-6, cacheRead: 0.5e-6, inputAbove200k: 4e-6,
                             outputAbove200k: 15e-6, cacheReadAbove200k: 1e-6),
        "tiered-mini": ModelPrice(input: 0.5e-6, output: 2e-6, cacheRead: 0.1e-6, inputAbove200k: 1e-6,
                                  outputAbove200k: 4e-6),
        "nocache": ModelPrice(input: 5e-6, output: 15e-6),                             // no cache-read price
        "orphan": ModelPrice(input: 10e-6, output: 30e-6),                             // its sibling is unpriced
        "withbatch": ModelPrice(input: 2e-6, output: 8e-6, cacheRead: 0.5e-6, inputBatch: 1e-6, outputBatch: 4e-6),
    ])
    var settings: SavingsSettings {
        var s = SavingsSettings()
        s.downgrade = DowngradeMap(["big": "small", "tiered": "tiered-mini", "nocache": "small", "orphan": "missing",
                                    "mystery": "small"])
        s.batchFeatures = ["nightly"]
        return s
    }
    /// Events sit between t0 and t0 + 1 h, so the window `all` covers 3,600 s: a month is 720 windows.
    let t0: Int64 = 1_795_860_000_000
    let perMonth = 720.0

    func rollup(_ events: [SpendEvent], gpus: [GPUSample] = []) -> Rollup {
        var o = Rollup.Options()
        o.retentionMinutes = nil
        let r = Rollup(options: o, prices: prices)
        // Two markers pin the window to exactly one hour.
        r.ingest(SpendEvent(timestampMs: t0, feature: "marker", model: "small", costUSD: 0))
        r.ingest(SpendEvent(timestampMs: t0 + 3_600_000, feature: "marker", model: "small", costUSD: 0))
        for e in events { r.ingest(e) }
        for g in gpus { r.ingest(g) }
        return r
    }

    func ev(_ feature: String, _ model: String, input: Int64, output: Int64, cacheRead: Int64 = 0, cost: Double? = nil,
            error: Bool = false, retry: Int = 0, batch: Bool = false, eligible: Bool = false,
            at minute: Int64 = 10) -> SpendEvent {
        var e = SpendEvent(timestampMs: t0 + minute * 60_000, feature: feature, model: model,
                           usage: TokenUsage(input: input, output: output, cacheRead: cacheRead), costUSD: cost,
                           isError: error, retry: retry, batch: batch)
        e.batchEligible = eligible
        return e
    }

    func advise(_ r: Rollup, path: [ViewQuery.Filter] = [], settings s: SavingsSettings? = nil) throws
        -> SavingsReport {
        try SavingsAdvisor(settings: s ?? settings, prices: prices).advise(r, window: .all, path: path, wallMs: 0)
    }

    func find(_ report: SavingsReport, _ kind: OpportunityKind, _ scope: String) -> Opportunity? {
        report.opportunities.first { $0.kind == kind && $0.scope.description == scope }
    }

    func testFailedRequestsAreTheSpendOfErrors() throws {
        // 8 succeeded, priced: 1000 × $10/M + 100 × $30/M = $0.013 each. 2 failed, billed $0.05 each by the gateway.
        var events = (0..<8).map { _ in ev("chat", "big", input: 1000, output: 100) }
        events.append(ev("chat", "big", input: 1000, output: 0, cost: 0.05, error: true))
        events.append(ev("chat", "big", input: 1000, output: 0, cost: 0.05, error: true, retry: 1))
        let report = try advise(rollup(events))
        let o = try XCTUnwrap(find(report, .failedRequests, "feature=chat"))
        XCTAssertEqual(o.savingUSD!, 0.10, accuracy: 1e-12)
        XCTAssertEqual(o.spendUSD!, 8 * 0.013 + 0.10, accuracy: 1e-12)
        XCTAssertEqual(o.savingPerMonthUSD!, 0.10 * perMonth, accuracy: 1e-9)
        XCTAssertEqual(o.evidence, "2 failed of 10 (20.0%), 50.0% of them retries")
        XCTAssertEqual(o.assumption, "", "exact")
        // Mean input 1,000 < 1,024: no prompt caching advice; right-sizing looks at the 8 that succeeded only:
        // $0.104 − 8 × (1000 × $1/M + 100 × $3/M) = $0.104 − $0.0104.
        XCTAssertNil(find(report, .promptCache, "feature=chat model=big"))
        XCTAssertEqual(find(report, .rightSize, "feature=chat model=big")!.savingUSD!, 0.104 - 0.0104, accuracy: 1e-12)
        XCTAssertEqual(report.opportunities.map(\.savingUSD!), report.opportunities.map(\.savingUSD!).sorted(by: >))
    }

    func testRightSizeRepricesTheSameTokensAtTheSibling() throws {
        // 10 × (2000 in, 50 out) on big: $0.0215 each; on small $0.00215 each.
        var events = (0..<10).map { _ in ev("classify", "big", input: 2000, output: 50) }
        // Long answers are not simple: no right_size for essay.
        events += (0..<10).map { _ in ev("essay", "big", input: 2000, output: 500) }
        // A sibling missing from the price table: never an opportunity.
        events += (0..<10).map { _ in ev("lookup", "orphan", input: 2000, output: 50) }
        let report = try advise(rollup(events))
        let o = try XCTUnwrap(find(report, .rightSize, "feature=classify model=big"))
        XCTAssertEqual(o.savingUSD!, 0.215 - 0.0215, accuracy: 1e-12)
        XCTAssertEqual(o.spendUSD!, 0.215, accuracy: 1e-12)
        XCTAssertEqual(o.evidence, "10 requests, mean output 50 tokens; small would cost $0.02 for the same tokens")
        XCTAssertEqual(o.assumption, "same tokens on the smaller model; check quality before switching")
        XCTAssertNil(find(report, .rightSize, "feature=essay model=big"))
        XCTAssertFalse(report.opportunities.contains { $0.kind == .rightSize && $0.scope.feature == "lookup" })
        // The same scope has long prompts and no cache hits: (0.5 × 20,000 − 0) × ($10 − $1)/M = $0.09.
        XCTAssertEqual(find(report, .promptCache, "feature=classify model=big")!.savingUSD!, 0.09, accuracy: 1e-12)
    }

    /// Tiers apply per request on its input: the rollup keeps requests above 200k tokens apart, so each
    /// side is repriced at its own tier, exactly as each request was billed.
    func testTieredModelRepricesEachTierApart() throws {
        // One request above the tier: 300k × $4/M + 200 × $15/M = $1.203.
        // Four below: 10k × $2/M + 100 × $10/M = $0.021.
        var events = [ev("docs", "tiered", input: 300_000, output: 200)]
        events += (0..<4).map { _ in ev("docs", "tiered", input: 10_000, output: 100) }
        let r = rollup(events)
        let spend = 1.203 + 4 * 0.021
        let docs = ViewQuery(groupBy: .feature, window: .all, filters: [.init(.feature, "docs")])
        XCTAssertEqual(try r.rows(docs, wallMs: 0).total.spend, spend, accuracy: 1e-12)
        let report = try advise(r)
        // At tiered-mini: above 300k × $1/M + 200 × $4/M = $0.3008;
        // below 4 × (10k × $0.5/M + 100 × $2/M) = $0.0208.
        // (Priced as one sum at either tier it would be $0.3424 or $0.1712.)
        let right = try XCTUnwrap(find(report, .rightSize, "feature=docs model=tiered"))
        XCTAssertEqual(right.savingUSD!, spend - 0.3008 - 0.0208, accuracy: 1e-12)
        // Prompt cache: above (0.5 × 300k) × ($4 − $1)/M = $0.45; below (0.5 × 40k) × ($2 − $0.5)/M = $0.03.
        let cache = try XCTUnwrap(find(report, .promptCache, "feature=docs model=tiered"))
        XCTAssertEqual(cache.savingUSD!, 0.48, accuracy: 1e-12)
        XCTAssertEqual(cache.evidence, "cache hit 0.0% on 68.0k-token prompts (5 requests), target 50%")
    }

    func testPromptCacheNeedsACacheReadPriceBelowInput() throws {
        // 10 × 5000 in (1000 read), 300 out: on big (ratio 0.2) (0.5 × 50,000 − 10,000) × $9/M = $0.135.
        let events = (0..<10).map { _ in ev("rag", "big", input: 5000, output: 300, cacheRead: 1000) }
            + (0..<10).map { _ in ev("rag", "nocache", input: 5000, output: 300, cacheRead: 1000) }
        let report = try advise(rollup(events))
        XCTAssertEqual(find(report, .promptCache, "feature=rag model=big")!.savingUSD!, 0.135, accuracy: 1e-12)
        XCTAssertNil(find(report, .promptCache, "feature=rag model=nocache"), "a model without a cache-read price")
        // A ratio already at the target is no opportunity.
        let cached = (0..<10).map { _ in ev("rag", "big", input: 5000, output: 300, cacheRead: 2500) }
        XCTAssertNil(find(try advise(rollup(cached)), .promptCache, "feature=rag model=big"))
    }

    func testUnpricedModelIsNeverAnOpportunity() throws {
        // No cost_usd and no price: spend unknown, though "mystery" has a sibling and its requests look simple,
        // failed, cacheable and batchable.
        var events = (0..<20).map { _ in ev("probe", "mystery", input: 5000, output: 20, eligible: true) }
        events += (0..<5).map { _ in ev("probe", "mystery", input: 5000, output: 20, error: true) }
        events += (0..<20).map { _ in ev("nightly", "mystery", input: 5000, output: 20) }
        let r = rollup(events)
        XCTAssertEqual(r.unpricedRequests, 45)
        let report = try advise(r)
        XCTAssertTrue(report.opportunities.isEmpty, "\(report.opportunities)")
    }

    func testBatchRepricesLatencyTolerantRequests() throws {
        // nightly is listed in config: 4 standard requests on big (1000 in, 500 out: $0.025 each); big has no batch
        // prices, so batch is half: saving $0.05. Its 2 requests already sent as batch and 1 failure do not count.
        var events = (0..<4).map { _ in ev("nightly", "big", input: 1000, output: 500) }
        events += (0..<2).map { _ in ev("nightly", "big", input: 1000, output: 500, batch: true) }
        events.append(ev("nightly", "big", input: 1000, output: 500, cost: 0.025, error: true))
        // reports marks 20 requests batch_eligible on withbatch (1000 in of which 400 read, 100 out):
        // standard 600 × $2 + 400 × $0.5 + 100 × $8 (per M) = $0.0022; batch 600 × $1 + 400 × $0.5 (no batch read
        // price: cache reads keep theirs) + 100 × $4 = $0.0012. Saving 20 × $0.001. Unmarked requests do not count.
        events += (0..<20).map { _ in
            ev("reports", "withbatch", input: 1000, output: 100, cacheRead: 400, eligible: true)
        }
        events += (0..<20).map { _ in ev("reports", "withbatch", input: 1000, output: 100, cacheRead: 400) }
        let report = try advise(rollup(events))
        let nightly = try XCTUnwrap(find(report, .batch, "feature=nightly"))
        XCTAssertEqual(nightly.savingUSD!, 0.05, accuracy: 1e-12)
        XCTAssertEqual(nightly.spendUSD!, 4 * 0.025 + 2 * 0.0125 + 0.025, accuracy: 1e-12)
        XCTAssertEqual(nightly.evidence,
                       "4 requests of a batch feature sent at standard rates ($0.10); $0.05 at batch rates")
        let reports = try XCTUnwrap(find(report, .batch, "feature=reports"))
        XCTAssertEqual(reports.savingUSD!, 20 * 0.001, accuracy: 1e-12)
        XCTAssertEqual(reports.savingPerMonthUSD!, 20 * 0.001 * perMonth, accuracy: 1e-9)
        XCTAssertTrue(reports.evidence.hasPrefix("20 requests marked batch_eligible"), reports.evidence)
    }

    func testIdleGPUHoursFromMinuteSamples() throws {
        var gpus: [GPUSample] = []
        for m in 0..<60 {
            // h100-a:0 sampled every minute, idle for its first 20; h100-a:1 every 2 minutes, idle throughout.
            let ms = t0 + Int64(m) * 60_000
            gpus.append(GPUSample(timestampMs: ms, node: "h100-a", gpu: "0", utilPct: m < 20 ? 5 : 80))
            if m % 2 == 0 { gpus.append(GPUSample(timestampMs: ms, node: "h100-a", gpu: "1", utilPct: 3)) }
        }
        // h100-b:0 sampled twice, 30 minutes apart: each reading stands for at most 5 minutes.
        gpus.append(GPUSample(timestampMs: t0 + 10 * 60_000, node: "h100-b", gpu: "0", utilPct: 1))
        gpus.append(GPUSample(timestampMs: t0 + 40 * 60_000, node: "h100-b", gpu: "0", utilPct: 1))
        var s = settings
        s.gpuHourlyUSD = 2
        s.gpuPrices = ["h100-a": 3]
        let report = try advise(rollup([], gpus: gpus), settings: s)
        // 20 idle minutes at $3/h = $1; 60 minutes at $3/h = $3 (the last reading of h100-a:1, at minute 58, holds
        // to the end of the clock's minute); h100-b:0 5 + 5 minutes at $2/h.
        let a0 = try XCTUnwrap(find(report, .idleGPU, "gpu=h100-a:0"))
        XCTAssertEqual(a0.savingUSD!, 1.0, accuracy: 1e-12)
        XCTAssertEqual(a0.spendUSD!, 3.0, accuracy: 1e-12)
        XCTAssertEqual(find(report, .idleGPU, "gpu=h100-a:1")!.savingUSD!, 3.0, accuracy: 1e-12)
        let b0 = try XCTUnwrap(find(report, .idleGPU, "gpu=h100-b:0"))
        XCTAssertEqual(b0.savingUSD!, 10.0 / 60 * 2, accuracy: 1e-12)
        XCTAssertEqual(b0.evidence, "0.2 GPU-h below 10% util of 0.2 h sampled (mean 1.0% while idle)")
        XCTAssertEqual(b0.savingPerMonthUSD!, 10.0 / 60 * 2 * perMonth, accuracy: 1e-9)
        // Without any price the hours still show, with no money, after every priced row.
        let unpriced = try advise(rollup([ev("chat", "big", input: 10, output: 10, cost: 1, error: true)], gpus: gpus))
        XCTAssertEqual(unpriced.opportunities.first?.kind, .failedRequests)
        let row = try XCTUnwrap(find(unpriced, .idleGPU, "gpu=h100-a:1"))
        XCTAssertNil(row.savingUSD)
        XCTAssertNil(row.spendUSD)
        XCTAssertTrue(row.assumption.contains("hourly_price_usd"))
        XCTAssertEqual(unpriced.totalPerMonthUSD, 1 * perMonth, accuracy: 1e-9,
                       "unpriced rows add nothing to the total")
    }

    func testDrillPathKeepsItsScopeOnly() throws {
        var events = (0..<10).map { _ in ev("classify", "big", input: 2000, output: 50) }
        events += (0..<10).map { _ in ev("classify", "tiered", input: 2000, output: 50) }
        events += (0..<10).map { _ in ev("other", "big", input: 2000, output: 50) }
        events.append(ev("classify", "big", input: 10, output: 0, cost: 1, error: true))
        let r = rollup(events, gpus: [GPUSample(timestampMs: t0, node: "n", gpu: "0", utilPct: 0)])
        let all = try advise(r)
        XCTAssertTrue(all.opportunities.contains { $0.scope.gpu == "n:0" })
        let feature = try advise(r, path: [.init(.feature, "classify")])
        XCTAssertEqual(Set(feature.opportunities.map(\.scope.feature)), ["classify"])
        XCTAssertTrue(feature.opportunities.contains { $0.kind == .failedRequests })
        let pair = try advise(r, path: [.init(.feature, "classify"), .init(.model, "big")])
        XCTAssertFalse(pair.opportunities.isEmpty)
        XCTAssertTrue(pair.opportunities.allSatisfy { $0.scope.description == "feature=classify model=big" })
        let model = try advise(r, path: [.init(.model, "big")])
        XCTAssertEqual(Set(model.opportunities.map(\.scope.feature)), ["classify", "other"])
        XCTAssertTrue(model.opportunities.allSatisfy { $0.scope.model == "big" })
        let key = try advise(r, path: [.init(.apiKey, "prod-web")])
        XCTAssertTrue(key.opportunities.isEmpty)
        XCTAssertEqual(key.note, "savings are per feature and model, not per api_key")
    }

    func testASupersededRecordLeavesItsClass() throws {
        // A coding-agent placeholder that failed is replaced by the final, successful record of the same request.
        var first = ev("agent", "big", input: 1000, output: 10, cost: 0.5, error: true)
        first.requestID = "req-1"
        first.supersedeRank = 1
        var final = ev("agent", "big", input: 1000, output: 10, cost: 0.5)
        final.requestID = "req-1"
        final.supersedeRank = 2
        let r = rollup([first, final])
        let agent = ViewQuery(groupBy: nil, window: .all, filters: [.init(.feature, "agent")])
        let rows = try r.classRows(agent, wallMs: 0).rows
        XCTAssertEqual(rows.map(\.requestClass), [.ordinary])
        XCTAssertEqual(rows.first?.measures.requests, 1)
        XCTAssertNil(find(try advise(r), .failedRequests, "feature=agent"))
    }

    func testScopesReadBackAndDowngradeMatchesLikeThePriceTable() {
        for text in ["feature=a b model=gpt-4o", "feature=x", "gpu=h100-a:2", "feature=odd model= name model=m"] {
            XCTAssertEqual(SavingsScope(parsing: text)?.description, text)
        }
        XCTAssertEqual(SavingsScope(parsing: "feature=odd model= name model=m")?.model, "m")
        XCTAssertNil(SavingsScope(parsing: "api_key=sk-…1a2b"))
        let map = DowngradeMap.bundled
        XCTAssertEqual(map.sibling(for: "openai/gpt-4o-2024-08-06"), "gpt-4o-mini")
        XCTAssertEqual(map.sibling(for: "anthropic/claude-sonnet-4-5-20250929"), "claude-haiku-4-5")
        XCTAssertNil(map.sibling(for: "gpt-4o-mini"))
        let custom = map.merging(["gpt-4o": "", "my-model": "gpt-4o-mini"])
        XCTAssertNil(custom.sibling(for: "gpt-4o"))
        XCTAssertEqual(custom.sibling(for: "My-Model"), "gpt-4o-mini")
        // Every bundled sibling is in the bundled price table (else right_size would never fire for it).
        for (model, sibling) in map.siblings {
            XCTAssertNotNil(PriceTable.bundled.price(for: model), model)
            XCTAssertNotNil(PriceTable.bundled.price(for: sibling), sibling)
        }
    }

    // MARK: behind the query boundary: a second backend answers alike or says savings are not available
    // (never "nothing to save"); rows and drills carry group ids.

    func queryFixture() -> Rollup {
        var events = (0..<20).map { _ in ev("classify", "big", input: 2000, output: 50) }
        events += (0..<4).map { _ in ev("classify", "big", input: 100, output: 10, cost: 0.25, error: true, retry: 1) }
        let idle = (0..<30).map { m in GPUSample(timestampMs: t0 + Int64(m) * 60_000, node: "n", gpu: "0", utilPct: 2) }
        return rollup(events, gpus: idle)
    }

    var pricedGPU: SavingsSettings {
        var s = settings
        s.gpuHourlyUSD = 4
        return s
    }

    func testABackendWithoutRequestClassesSaysSoAndPricesOnlyIdleGPUs() throws {
        let r = queryFixture()
        XCTAssertTrue(r.capabilities.requestClasses)
        let full = try SavingsAdvisor(settings: pricedGPU, for: r).advise(r, window: .all, wallMs: 0)
        XCTAssertTrue(full.complete)
        XCTAssertEqual(Set(full.opportunities.map(\.kind)), [.failedRequests, .rightSize, .promptCache, .idleGPU])

        // The same data as a remote engine's cells: no request classes are pushed down.
        let cells = SpendQueryTests.mirror(r, groupings: Grouping.console)
        XCTAssertFalse(cells.capabilities.requestClasses)
        XCTAssertThrowsError(try cells.classRows(ViewQuery(groupBy: nil, window: .all), wallMs: 0)) {
            XCTAssertEqual($0 as? ViewQueryError, .classesNotKept)
        }
        let partial = try SavingsAdvisor(settings: pricedGPU, for: cells).advise(cells, window: .all, wallMs: 0)
        XCTAssertFalse(partial.complete)
        XCTAssertEqual(partial.note, ViewQueryError.classesNotKept.description)
        XCTAssertEqual(partial.opportunities.map(\.kind), [.idleGPU], "only what the backend can answer")
        // The GPU series read through either backend give the same idle hours and money.
        let gpu = try XCTUnwrap(full.opportunities.first { $0.kind == .idleGPU })
        XCTAssertEqual(partial.opportunities[0], gpu)
        // 29 readings held a minute each, the last held until the clock but at most `maxHoldMinutes`: 34 minutes.
        XCTAssertEqual(gpu.savingUSD ?? 0, 34.0 / 60 * 4, accuracy: 1e-9, "34 idle minutes at $4/h")
        // Export refuses a partial list: it would read as "nothing else to save".
        XCTAssertThrowsError(try ExportView.savings.table(cells, window: .all, atMs: nil, filters: [], wallMs: 0,
                                                          savings: pricedGPU)) {
            XCTAssertEqual($0 as? ViewQueryError, .classesNotKept)
        }
        // A rollup kept for another view (no feature×model pair) has no classes either.
        var o = Rollup.Options()
        o.groupings = GroupingPlanner.groupings(for: .features, filters: [])
        XCTAssertFalse(Rollup(options: o).capabilities.requestClasses)
        o.groupings = GroupingPlanner.groupings(for: .savings, filters: [])
        XCTAssertTrue(Rollup(options: o).capabilities.requestClasses)
    }

    func testRowsAndDrillsCarryGroupIDsSoFeaturesShownAlikeStayApart() throws {
        // Two features whose display names are the same once the escape sequence is stripped.
        let hostile = "classify\u{1b}[31m"
        var events = (0..<20).map { _ in ev("classify", "big", input: 2000, output: 50) }
        events += (0..<3).map { _ in ev("classify", "big", input: 10, output: 0, cost: 1, error: true) }
        events += (0..<5).map { _ in ev(hostile, "big", input: 10, output: 0, cost: 2, error: true) }
        let r = rollup(events)
        XCTAssertEqual(r.name(.feature, GroupID(raw: hostile)), "classify", "one display name")
        let advisor = SavingsAdvisor(settings: pricedGPU, for: r)
        let report = try advisor.advise(r, window: .all, wallMs: 0)
        let failed = report.opportunities.filter { $0.kind == .failedRequests }
        XCTAssertEqual(failed.count, 2, "two features, two rows")
        XCTAssertEqual(Set(failed.map(\.scope.featureID)), [GroupID(raw: "classify"), GroupID(raw: hostile)])
        func saving(_ raw: String) -> Double { failed.first { $0.scope.featureID == GroupID(raw: raw) }?.savingUSD ?? 0 }
        XCTAssertEqual(saving(hostile), 10, accuracy: 1e-9)
        XCTAssertEqual(saving("classify"), 3, accuracy: 1e-9)

        // The table's row ids are derived from the ids, and read back into a drill path by id.
        let table = SavingsView.table(report)
        XCTAssertEqual(Set(table.rowIDs).count, table.rows.count, "each row its own identity")
        let i = try XCTUnwrap(report.opportunities.firstIndex {
            $0.kind == .failedRequests && $0.scope.featureID == GroupID(raw: hostile)
        })
        XCTAssertTrue(table.rowIDs[i].contains(GroupID.rowID(.feature, GroupID(raw: hostile))), table.rowIDs[i])
        let scope = try XCTUnwrap(SavingsScope(text: table.rows[i][1].text!, rowID: table.rowIDs[i]))
        XCTAssertEqual(scope.filters, [ViewQuery.Filter(.feature, id: GroupID(raw: hostile), value: "classify")])
        let pair = try XCTUnwrap(report.opportunities.firstIndex { $0.kind == .rightSize })
        let pairScope = try XCTUnwrap(SavingsScope(text: table.rows[pair][1].text!, rowID: table.rowIDs[pair]))
        XCTAssertEqual(pairScope.filters.map(\.id), [GroupID(raw: "classify"), GroupID(raw: "big")])

        // Drilled by id, the advisor lists that feature only; typed by name, both features shown alike.
        let drilled = try advisor.advise(r, window: .all, path: scope.filters, wallMs: 0)
        XCTAssertEqual(drilled.opportunities.map(\.kind), [.failedRequests])
        XCTAssertEqual(drilled.opportunities.first?.savingUSD ?? 0, 10, accuracy: 1e-9)
        let byName = try advisor.advise(r, window: .all, path: [.init(.feature, "classify")], wallMs: 0)
        XCTAssertEqual(byName.opportunities.filter { $0.kind == .failedRequests }.count, 2)
    }
    /// The findings are kept while the rollup's revision and the window's minutes stay (`SavingsCache`): the report
    /// is the one an advisor without the cache gives at every clock, the month scaled afresh each time, and a new
    /// event (or GPU reading) is seen at once.
    func testKeptFindingsGiveTheReportOfAFreshRead() throws {
        var events = (0..<8).map { _ in ev("chat", "big", input: 1000, output: 100) }
        events += (0..<3).map { _ in ev("chat", "big", input: 1000, output: 0, cost: 0.05, error: true) }
        events += (0..<4).map { _ in ev("nightly", "withbatch", input: 5000, output: 300) }
        let r = rollup(events, gpus: (0..<30).map { m in
            GPUSample(timestampMs: t0 + Int64(m) * 60_000, node: "n", gpu: "0", utilPct: 2)
        })
        var gpuPriced = settings
        gpuPriced.gpuHourlyUSD = 2
        let advisor = SavingsAdvisor(settings: gpuPriced, prices: prices)
        let cache = SavingsCache()
        let endMs = t0 + 3_610_000  // 10 s into the minute after the last event
        func both(_ at: Int64, _ what: String) throws -> SavingsReport {
            let fresh = try advisor.advise(r, window: .minutes(120), atMs: at, wallMs: 0)
            let kept = try advisor.advise(r, window: .minutes(120), atMs: at, wallMs: 0, cache: cache)
            XCTAssertEqual(kept, fresh, what)
            return kept
        }
        let first = try both(endMs, "first read")
        XCTAssertGreaterThanOrEqual(first.opportunities.count, 3, "failed requests, batch, idle GPU at least")
        XCTAssertEqual(cache.count, 1)
        XCTAssertEqual(try both(endMs, "same clock, from the cache"), first)
        // Later in the same minute: the same findings, over a longer window, so less per month.
        let later = try both(endMs + 40_000, "40 s later")
        XCTAssertEqual(cache.count, 1, "the same minutes: answered from the cache")
        XCTAssertEqual(later.opportunities.map(\.savingUSD), first.opportunities.map(\.savingUSD))
        XCTAssertNotEqual(later.opportunities.map(\.savingPerMonthUSD), first.opportunities.map(\.savingPerMonthUSD))
        // New data moves the revision: what is kept is not used.
        let revision = r.revision
        r.ingest(ev("chat", "big", input: 1000, output: 0, cost: 0.5, error: true, at: 59))
        XCTAssertNotEqual(r.revision, revision)
        let afterEvent = try both(endMs + 40_000, "after a new failed request")
        XCTAssertNotEqual(find(afterEvent, .failedRequests, "feature=chat")?.savingUSD,
                          find(later, .failedRequests, "feature=chat")?.savingUSD)
        let beforeGPU = r.revision
        r.ingest(GPUSample(timestampMs: t0 + 45 * 60_000, node: "n", gpu: "0", utilPct: 1))
        XCTAssertNotEqual(r.revision, beforeGPU, "a GPU reading changes the idle GPU-hours")
        _ = try both(endMs + 40_000, "after a GPU reading")
        XCTAssertEqual(cache.count, 1, "stale findings are dropped")
    }
}
