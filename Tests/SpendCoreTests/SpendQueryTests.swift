import XCTest
@testable import SpendCore

/// The query boundary: identity is a `GroupID`, never a display name (two keys masking to `sk-…abcd` stay apart in
/// rows, drills, trends and alert scopes), and a second backend (`CellQuery` over remote-engine cells) answers
/// every question the rollup answers with the same numbers.
final class SpendQueryTests: XCTestCase {
    let t0 = Timestamp.parseRFC3339("2026-11-28T10:00:00Z")!
    /// Two secret keys that mask alike.
    static let rawA = "sk-proj-AAAAAAAAAAAAAAAAAAAAAAAAabcd"
    static let rawB = "sk-live-BBBBBBBBBBBBBBBBBBBBBBBBabcd"

    /// An hour: key A steady on `chat` ($0.05/min), key B on `batch` at $0.25/min and $1/min from minute 40.
    func twoKeys() -> Rollup {
        var text = ""
        for m in 0..<60 {
            let ts = Timestamp.format(ms: t0 + Int64(m) * 60_000 + 10_000)
            text += nativeLine(ts: ts, id: "a\(m)", feature: "chat", key: Self.rawA, cost: 0.05) + "\n"
            text += nativeLine(ts: ts, id: "b\(m)", feature: "batch", key: Self.rawB, model: "gpt-4o-mini",
                               cost: m >= 40 ? 1.0 : 0.25) + "\n"
        }
        let r = rollupForExport()
        XCTAssertEqual(ingest(text, into: r).rejected, 0)
        return r
    }

    func testKeysThatMaskAlikeAreTwoRowsWithTwoIDs() throws {
        let r = twoKeys()
        XCTAssertEqual(KeyMask.mask(Self.rawA), KeyMask.mask(Self.rawB))
        let keys = try r.rows(ViewQuery(groupBy: .apiKey, window: .all), wallMs: 0).rows
        XCTAssertEqual(keys.map(\.name), ["sk-…abcd", "sk-…abcd"])
        XCTAssertEqual(Set(keys.map(\.id)), [GroupID(raw: Self.rawA), GroupID(raw: Self.rawB)])
        XCTAssertEqual(keys.first { $0.id == GroupID(raw: Self.rawA) }?.measures.spend ?? 0, 3.0, accuracy: 1e-9)
        let table = ExportView.groupTable(try r.rows(ViewQuery(groupBy: .apiKey, window: .all), wallMs: 0), dimension: .apiKey)
        XCTAssertEqual(Set(table.rowIDs).count, 2, "two row identities for one displayed name")
        XCTAssertFalse(table.rowIDs.contains { $0.contains("abcd") }, "the identity is the id, not the name")
        // Trends keep two sparklines.
        let trends = try r.trends(ViewQuery(groupBy: .apiKey, window: .minutes(60)), minutes: 60, wallMs: 0)
        XCTAssertEqual(trends.count, 2)
        XCTAssertEqual(trends[GroupID(raw: Self.rawB)]?.reduce(0, +) ?? 0, 40 * 0.25 + 20 * 1.0, accuracy: 1e-9)
    }

    func testADrillByIDShowsOnlyThatKeysSpendAndATypedMaskedNameShowsBoth() throws {
        let r = twoKeys()
        let a = ViewQuery.Filter(.apiKey, id: GroupID(raw: Self.rawA), value: "sk-…abcd")
        let b = ViewQuery.Filter(.apiKey, id: GroupID(raw: Self.rawB), value: "sk-…abcd")
        let featuresOfA = try r.rows(ViewQuery(groupBy: .feature, window: .all, filters: [a]), wallMs: 0)
        XCTAssertEqual(featuresOfA.rows.map(\.name), ["chat"])
        XCTAssertEqual(featuresOfA.total.spend, 3.0, accuracy: 1e-9)
        let featuresOfB = try r.rows(ViewQuery(groupBy: .feature, window: .all, filters: [b]), wallMs: 0)
        XCTAssertEqual(featuresOfB.rows.map(\.name), ["batch"])
        XCTAssertEqual(featuresOfB.total.spend, 30.0, accuracy: 1e-9)
        let seriesOfA = try r.series(ViewQuery(groupBy: nil, window: .all, filters: [a]), wallMs: 0)
        XCTAssertEqual(seriesOfA.reduce(0) { $0 + $1.measures.spend }, 3.0, accuracy: 1e-9)
        // Typed by hand as the masked name: every key shown so (documented).
        let typed = try XCTUnwrap(ViewQuery.Filter(parsing: "api_key=sk-…abcd"))
        XCTAssertNil(typed.id)
        XCTAssertEqual(try r.rows(ViewQuery(groupBy: .feature, window: .all, filters: [typed]), wallMs: 0).rows.count, 2)
        // Typed as the raw key: exactly that key, and the raw key is not kept.
        let raw = try XCTUnwrap(ViewQuery.Filter(parsing: "api_key=\(Self.rawB)"))
        XCTAssertEqual(raw.id, GroupID(raw: Self.rawB))
        XCTAssertEqual(raw.value, "sk-…abcd")
        XCTAssertFalse("\(raw)".contains("BBBB"))
        XCTAssertEqual(try r.rows(ViewQuery(groupBy: .feature, window: .all, filters: [raw]), wallMs: 0).rows.map(\.name), ["batch"])
        XCTAssertEqual(try r.total([raw], fromMinute: 0, toMinute: .max / 2).spend, 30.0, accuracy: 1e-9)
    }

    /// B's spend rises past both thresholds; the rule on A must not see it, the rule on B must. With names as
    /// identity both rules watched whichever key was seen first, so one of these two assertions failed.
    func testAnAlertScopedToOneKeyDoesNotWatchTheOther() throws {
        let r = twoKeys()
        let rules = try AlertRuleSet.load(config: nil, commandLine: [
            "api_key=\(Self.rawA):spend_per_hour>20", "api_key=\(Self.rawB):spend_per_hour>40",
        ])
        var o = AlertEngine.Options()
        o.anomalies = false
        let events = AlertEngine(rules: rules, options: o).replay(r)
        XCTAssertEqual(events.count, 1, events.map(\.reason).joined(separator: "\n"))
        let e = try XCTUnwrap(events.first)
        XCTAssertEqual(e.key, "rule:\(rules.rules[1].name)")
        XCTAssertEqual(e.scope, "api_key=sk-…abcd", "shown masked")
        XCTAssertEqual(e.scopeFilters.map(\.id), [GroupID(raw: Self.rawB)], "the incident knows which key")
        XCTAssertFalse(e.reason.contains("BBBB") || e.key.contains("BBBB") || rules.rules[1].name.contains("BBBB"))
        // In the console the incident belongs to B's drill, not A's.
        let a = ViewQuery.Filter(.apiKey, id: GroupID(raw: Self.rawA), value: "sk-…abcd")
        let b = ViewQuery.Filter(.apiKey, id: GroupID(raw: Self.rawB), value: "sk-…abcd")
        XCTAssertTrue(AlertsTable.inScope(e.scopeFilters, of: [b]))
        XCTAssertFalse(AlertsTable.inScope(e.scopeFilters, of: [a]))
        var state = AlertState()
        state.history = events
        XCTAssertEqual(AlertsTable.table(state, scope: [a], order: .pane).rows.count, 0)
        XCTAssertEqual(AlertsTable.table(state, scope: [b], order: .pane).rows.count, 1)
    }

    func testAScopeTypedAsTheMaskedNameWatchesEveryKeyShownSo() throws {
        let r = twoKeys()
        let rules = try AlertRuleSet.load(config: nil, commandLine: ["api_key=sk-…abcd:requests>1.5 window=1m"])
        var o = AlertEngine.Options()
        o.anomalies = false
        let events = AlertEngine(rules: rules, options: o).replay(r)
        // One request per key per minute: only their sum (2) is above 1.5.
        XCTAssertEqual(events.map(\.metric), ["requests"])
        XCTAssertEqual(events.first?.observed, 2)
    }

    func testRowIDsRoundTripAndNeverCarryTheName() throws {
        let id = GroupID(raw: Self.rawA)
        let row = GroupID.rowID(.apiKey, id)
        XCTAssertEqual(row.count, "api_key:".count + 16)
        XCTAssertEqual(GroupID.parse(rowID: row)?.0, .apiKey)
        XCTAssertEqual(GroupID.parse(rowID: row)?.1, id)
        XCTAssertNil(GroupID.parse(rowID: "rule:x@123"), "alert identities are not group rows")
        XCTAssertEqual(GroupID(raw: ""), .none)
        XCTAssertEqual(Rollup().interner(.feature).groupID(Interner.otherID), .other)
    }

    // MARK: the planner

    func testThePlannerAndItsInverseAgree() throws {
        let p = GroupingPlanner.console
        XCTAssertEqual(p.grouping(for: []), .total)
        XCTAssertEqual(p.grouping(for: [.feature]), .by(.feature))
        XCTAssertEqual(p.grouping(for: [.model, .feature]), .pair(.feature, .model))
        XCTAssertNil(p.grouping(for: [.feature, .apiKey, .model]))
        XCTAssertNil(p.grouping(for: [.team, .feature]))
        XCTAssertThrowsError(try p.require([.team, .feature])) { e in
            XCTAssertTrue("\(e)".contains("feature×api_key"), "\(e)")
        }
        // Only a pair kept: a single dimension is answered by summing it.
        XCTAssertEqual(GroupingPlanner(kept: [.total, .pair(.feature, .apiKey)]).grouping(for: [.apiKey]), .pair(.feature, .apiKey))
        // Whatever a headless run keeps for a view answers that view, wherever the console's rollup does.
        let r = twoKeys()
        let filters: [[ViewQuery.Filter]] = [[], [.init(.feature, "chat")], [.init(.apiKey, "sk-…abcd")],
                                             [.init(.model, "gpt-4o")], [.init(.feature, "chat"), .init(.model, "gpt-4o")]]
        for v in ExportView.allCases where v != .alerts {
            for f in filters {
                var dims = f.map(\.dimension)
                if let d = v.dimension, d != .gpu { dims.append(d) }
                guard GroupingPlanner.console.grouping(for: dims) != nil else { continue }
                let kept = GroupingPlanner.groupings(for: v, filters: f)
                let small = rollupForExport(kept)
                XCTAssertEqual(ingest(exportText(), into: small).rejected, 0)
                XCTAssertNoThrow(try v.table(small, window: .all, atMs: nil, filters: f, wallMs: 0), "\(v) \(f)")
            }
        }
        XCTAssertEqual(r.capabilities.answer(groupBy: .model, filters: [.feature, .apiKey]).answerable, false)
        XCTAssertTrue(r.capabilities.answer(groupBy: .model, filters: [.feature, .apiKey]).reason?.contains("kept pairs") ?? false)
        XCTAssertTrue(CellQuery().capabilities.answer(groupBy: .model, filters: [.feature]).answerable == false,
                      "an engine that pushed down nothing answers nothing beyond the fleet")
    }

    func exportText() -> String {
        var text = ""
        for m in 0..<20 {
            let ts = Timestamp.format(ms: t0 + Int64(m) * 60_000)
            let feature = m % 2 == 0 ? "chat" : "rag", key = m % 3 == 0 ? Self.rawA : "prod-web"
            let model = m % 4 == 0 ? "gpt-4o" : "gpt-4o-mini"
            text += nativeLine(ts: ts, id: "e\(m)", feature: feature, key: key, model: model, cost: 0.1) + "\n"
        }
        return text
    }

    // MARK: a second backend

    /// The rollup's cells, as a remote engine would report them: per grouping, per minute, values with ids and
    /// display names (read through the protocol only).
    static func mirror(_ q: SpendQuery, groupings: [Grouping]) -> CellQuery {
        var windows: [[SpendCore.Dimension]: RemoteCellWindow] = [:]
        var gpus: [Int64: [DimensionValue: GPUMeasures]] = [:]
        guard let first = q.extent.oldestMinute, let newest = q.extent.newestMs else { return CellQuery() }
        let last = Rollup.floorDiv(newest, 60_000)
        for g in groupings {
            let dims = [g.first, g.second].compactMap { $0 }
            var w = RemoteCellWindow(dimensions: dims)
            var cells: [RemoteCell] = []
            for m in first...last {
                for c in q.cells(g, minute: m) {
                    let ids = [c.key.first, c.key.second].prefix(dims.count)
                    let values = zip(dims, ids).map { DimensionValue(id: $0.1.rawValue, name: q.name($0.0, $0.1)) }
                    cells.append(RemoteCell(minute: m, values: values, measures: c.measures))
                }
            }
            w.replace(minutes: first...last, with: cells)
            windows[dims] = w
        }
        for m in first...last {
            for c in q.gpuCells(minute: m) { gpus[m, default: [:]][DimensionValue(id: c.id.rawValue, name: q.name(.gpu, c.id))] = c.measures }
        }
        let cq = CellQuery(windows: windows, gpuMinutes: gpus)
        cq.reportedNewestMs = q.extent.newestMs
        cq.reportedOldestMs = q.extent.oldestMs
        return cq
    }

    /// Hostile enough: keys that mask alike, a long tail of features, empty minutes, GPUs, an unpriced model.
    func varied() -> Rollup {
        var rng = SeededGenerator(seed: 7)
        var text = ""
        for m in 0..<240 where rng.next() % 7 != 0 {
            for i in 0..<Int(rng.next() % 6) {
                let ts = Timestamp.format(ms: t0 + Int64(m) * 60_000 + Int64(i) * 9_000)
                let key = [Self.rawA, Self.rawB, "prod-web", "ci", "sk-proj-CCCCCCCCCCCCCCCCCCCCCCCCzz99"][Int(rng.next() % 5)]
                let feature = rng.next() % 10 == 0 ? "tail-\(rng.next() % 50)" : ["chat", "rag", "review"][Int(rng.next() % 3)]
                let model = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "house-llama"][Int(rng.next() % 4)]
                text += nativeLine(ts: ts, id: "v\(m)-\(i)", feature: feature, key: key, model: model,
                                   input: Int(rng.next() % 9000), output: Int(rng.next() % 900),
                                   cost: model == "house-llama" ? nil : Double(rng.next() % 1000) / 3000,
                                   latency: Double(rng.next() % 4000), status: rng.next() % 9 == 0 ? "error" : "ok") + "\n"
            }
            if m % 2 == 0 {
                text += "{\"ts\":\"\(Timestamp.format(ms: t0 + Int64(m) * 60_000))\",\"kind\":\"gpu\",\"node\":\"n\",\"gpu\":\(m % 3),"
                    + "\"util_pct\":\(rng.next() % 100)}\n"
            }
        }
        let r = rollupForExport()
        XCTAssertEqual(ingest(text, into: r).rejected, 0)
        return r
    }

    func assertSame(_ a: Measures, _ b: Measures, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.requests, b.requests, what, file: file, line: line)
        XCTAssertEqual(a.errors, b.errors, what, file: file, line: line)
        XCTAssertEqual(a.inputTokens, b.inputTokens, what, file: file, line: line)
        XCTAssertEqual(a.unpriced, b.unpriced, what, file: file, line: line)
        XCTAssertEqual(a.spend, b.spend, accuracy: 1e-9 * max(1, abs(a.spend)), what, file: file, line: line)
        XCTAssertEqual(a.latency.percentile(0.95) ?? -1, b.latency.percentile(0.95) ?? -1, what, file: file, line: line)
    }

    func testACellBackedEngineAnswersWhatTheRollupAnswers() throws {
        let r = varied()
        let c = Self.mirror(r, groupings: Grouping.console)
        XCTAssertEqual(c.capabilities.combinations.map(Set.init), r.capabilities.combinations.map(Set.init))
        let a = ViewQuery.Filter(.apiKey, id: GroupID(raw: Self.rawA), value: "sk-…abcd")
        let filterSets: [[ViewQuery.Filter]] = [[], [.init(.feature, "chat")], [a], [.init(.apiKey, "sk-…abcd")],
                                                [.init(.model, "house-llama")], [.init(.feature, "nope")]]
        for window in [TimeWindow.all, .minutes(60), .minutes(5)] {
            for dim in [SpendCore.Dimension.feature, .apiKey, .model, .team] {
                for f in filterSets where r.capability(groupBy: dim, filters: f.map(\.dimension)).answerable {
                    let q = ViewQuery(groupBy: dim, window: window, filters: f)
                    let x = try r.rows(q, wallMs: 0), y = try c.rows(q, wallMs: 0)
                    XCTAssertEqual(x.rows.map(\.id), y.rows.map(\.id), "\(dim) \(window) \(f)")
                    XCTAssertEqual(x.rows.map(\.name), y.rows.map(\.name))
                    XCTAssertEqual(x.rows.map(\.featureCount), y.rows.map(\.featureCount))
                    XCTAssertEqual(x.startMs, y.startMs)
                    for (u, v) in zip(x.rows, y.rows) { assertSame(u.measures, v.measures, "\(dim) \(u.name)") }
                    XCTAssertEqual(try r.trends(q, minutes: 8, wallMs: 0), try c.trends(q, minutes: 8, wallMs: 0))
                }
                XCTAssertThrowsError(try c.rows(ViewQuery(groupBy: .model, window: window, filters: [.init(.feature, "x"), a]), wallMs: 0))
            }
            for f in filterSets {
                let q = ViewQuery(groupBy: nil, window: window, filters: f)
                let x = try r.series(q, wallMs: 0), y = try c.series(q, wallMs: 0)
                XCTAssertEqual(x.map(\.minuteStartMs), y.map(\.minuteStartMs))
                for (u, v) in zip(x, y) { assertSame(u.measures, v.measures, "series \(f)") }
            }
            let gx = r.gpus(ViewQuery(groupBy: nil, window: window), wallMs: 0), gy = c.gpus(ViewQuery(groupBy: nil, window: window), wallMs: 0)
            XCTAssertEqual(gx.map(\.id), gy.map(\.id))
            XCTAssertEqual(gx.map(\.measures.utilPct), gy.map(\.measures.utilPct))
        }
        let last = Rollup.floorDiv(r.extent.newestMs!, 60_000)
        assertSame(try r.total([a, .init(.feature, "chat")], fromMinute: last - 100, toMinute: last),
                   try c.total([a, .init(.feature, "chat")], fromMinute: last - 100, toMinute: last), "total")
        let bx = try r.breakdown(by: .model, [a], fromMinute: last - 60, toMinute: last)
        let by = try c.breakdown(by: .model, [a], fromMinute: last - 60, toMinute: last)
        XCTAssertEqual(Set(bx.keys), Set(by.keys))
        for (k, v) in bx { assertSame(v, by[k]!, "breakdown \(r.name(.model, k))") }
        XCTAssertEqual(c.counters.eventsCounted, r.counters.eventsCounted)
        XCTAssertEqual(c.firstMinuteWithData(after: last - 30), r.firstMinuteWithData(after: last - 30))
    }

    /// The alert engine reads only the protocol: rules, budgets and the detector find the same incidents, with
    /// the same reasons, whichever backend holds the cells.
    func testTheAlertEngineFindsTheSameIncidentsOnEitherBackend() throws {
        let r = varied()
        let c = Self.mirror(r, groupings: Grouping.console)
        let rules = try AlertRuleSet.load(config: nil, commandLine: [
            "feature=chat:spend_per_hour>3", "api_key=\(Self.rawA):requests>2 window=1m", "feature=rag,model=gpt-4o:error_rate>0.3",
            "gpu_util>60 window=2m", "api_key=sk-…abcd:budget_per_day=5",
        ])
        let x = AlertEngine(rules: rules).replay(r), y = AlertEngine(rules: rules).replay(c)
        XCTAssertGreaterThan(x.count, 3)
        XCTAssertEqual(x.map(\.identity), y.map(\.identity))
        XCTAssertEqual(x.map(\.reason), y.map(\.reason))
        XCTAssertEqual(x.map(\.endedMs), y.map(\.endedMs))
        XCTAssertEqual(x.map(\.scopeFilters), y.map(\.scopeFilters))
        XCTAssertTrue(x.contains { $0.kind == .anomaly } || x.contains { $0.kind == .budget })
    }
}
