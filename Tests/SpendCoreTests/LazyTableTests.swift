import XCTest
@testable import SpendCore

/// Group tables are formatted and ordered as they are read (`GroupRows`, `RowOrder`); every row read must be the
/// row, with the cells, that the eager table and full sort they replaced gave. The references below are those
/// implementations as they were (`ExportView.groupTable` and `ConsoleState.sortedIndices` before issue 12.5).
final class LazyTableTests: XCTestCase {
    /// Deterministic noise (no Foundation randomness: failures must reproduce).
    struct Noise {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
    }

    // MARK: the references

    static func eagerCells(_ r: GroupRow, withFeatures: Bool) -> [ViewTable.Cell] {
        func n(_ v: Double?) -> ViewTable.Cell { v.map { .number($0) } ?? .empty }
        func pct(_ v: Double?) -> ViewTable.Cell { n(v.map { $0 * 100 }) }
        let m = r.measures
        let unknown = m.requests > 0 && m.unpriced == m.requests && m.spend == 0
        func money(_ v: Double) -> ViewTable.Cell { unknown ? .empty : .number(v) }
        func num(_ v: Int64) -> ViewTable.Cell { .number(Double(v)) }
        var cells: [ViewTable.Cell] = [.text(r.name)]
        cells += [money(m.spend), money(r.share * 100), money(r.spendPerHour), money(r.projectedPerDay),
                  num(m.requests), .number(r.requestsPerSecond), .number(r.inputTokensPerSecond),
                  .number(r.outputTokensPerSecond), num(m.inputTokens), num(m.outputTokens), num(m.cacheReadTokens),
                  num(m.cacheWriteTokens), num(m.reasoningTokens), pct(m.cacheHitRatio), pct(m.gatewayCacheHitRate),
                  num(m.errors), pct(m.errorRate), num(m.retries), pct(m.retryRate), n(m.latency.percentile(0.50)),
                  n(m.latency.percentile(0.95)), n(m.latency.percentile(0.99)), num(m.unpriced)]
        if withFeatures { cells.append(r.featureCount.map { .number(Double($0)) } ?? .empty) }
        return cells
    }

    static func referenceSort(_ order: [Int], _ rows: [[ViewTable.Cell]], by c: Int, descending: Bool) -> [Int] {
        func less(_ a: (offset: Int, element: Int), _ b: (offset: Int, element: Int)) -> Bool {
            let x = rows[a.element][c], y = rows[b.element][c]
            switch (x, y) {
            case (.number(let p), .number(let q)) where p != q: return descending ? p > q : p < q
            case (.text(let p), .text(let q)) where p != q: return descending ? p > q : p < q
            case (.empty, .empty): break
            case (.empty, _): return false
            case (_, .empty): return true
            default: break
            }
            return a.offset < b.offset
        }
        return order.enumerated().sorted(by: less).map(\.element)
    }

    /// Keys with ties in spend, unpriced keys (empty spend cells), names that mask alike, and keys in several
    /// features; over a day, so the kept window sums answer part of it.
    func hardRollup(keys: Int = 700, keepsSums: Bool = true) -> Rollup {
        var o = Rollup.Options()
        o.compaction = CompactionTier.console
        o.cachesWindowSums = keepsSums
        let r = Rollup(options: o)
        let end: Int64 = 1_795_860_570_000
        var noise = Noise(state: 7)
        for i in 0..<(keys * 4) {
            let k = i % keys
            // Every fifth key spends exactly as another (ties); every 37th is on an unpriced model.
            let cost: Double? = k % 37 == 0 ? nil : Double((k % 5 == 0 ? k / 5 : k) % 90 + 1) / 100
            let key = k % 11 == 0 ? "sk-proj-\(k)AAAAAAAAAAAAAAAAAAAA1234" : "sk-proj-\(k)BBBBBBBBBBBBBBBBBBBB\(k % 97)"
            let ts = end - Int64(noise.next(1440)) * 60_000 - Int64(noise.next(60_000))
            r.ingest(SpendEvent(timestampMs: ts, feature: ["chat", "search", "rag"][i % 3], apiKey: key,
                                model: k % 37 == 0 ? "self-hosted-x" : "gpt-4o",
                                usage: TokenUsage(input: Int64(100 + noise.next(5000)), output: Int64(noise.next(700)),
                                                  cacheRead: Int64(noise.next(300))),
                                costUSD: cost, latencyMs: Double(noise.next(3000)), isError: noise.next(20) == 0,
                                retry: noise.next(15) == 0 ? 1 : 0))
        }
        return r
    }

    // MARK: RowOrder

    func testEveryPositionReadIsTheFullSortsRow() {
        var noise = Noise(state: 42)
        for trial in 0..<40 {
            let n = [0, 1, 2, 17, 64, 65, 300, 2_000][trial % 8]
            // Few distinct keys: many ties, broken by the row index as the order requires.
            let keys = (0..<n).map { _ in noise.next(max(1, n / 8)) }
            let less: @Sendable (Int, Int) -> Bool = { a, b in keys[a] != keys[b] ? keys[a] < keys[b] : a < b }
            let members = (0..<n).filter { trial % 3 == 0 || $0 % 4 != 1 }
            let want = members.sorted(by: less)
            let order = RowOrder(rows: members, tableCount: n, less: less)
            XCTAssertEqual(order.count, want.count)
            // Ranges and single positions in a random order, as pages, the name width and a selection read them.
            for _ in 0..<12 where !want.isEmpty {
                let lo = noise.next(want.count), len = 1 + noise.next(80)
                if noise.next(2) == 0 {
                    XCTAssertEqual(order.rows(lo..<(lo + len)), Array(want[lo..<min(want.count, lo + len)]),
                                   "n \(n) range \(lo)..<\(lo + len)")
                } else {
                    XCTAssertEqual(order.row(at: lo), want[lo], "n \(n) position \(lo)")
                }
            }
            // Then every position, one by one (a CSV export): past the partition budget it sorts once.
            XCTAssertEqual((0..<want.count).map(order.row(at:)), want, "n \(n) all")
            for (i, r) in want.enumerated() where i % 7 == 0 { XCTAssertEqual(order.position(ofRow: r), i) }
            if members.count < n, let out = (0..<n).first(where: { !members.contains($0) }) {
                XCTAssertNil(order.position(ofRow: out), "a row filtered away has no position")
            }
        }
    }

    func testPositionsNeedNoSort() {
        let n = 5_000
        let less: @Sendable (Int, Int) -> Bool = { a, b in (a * 7919) % n < (b * 7919) % n }
        let order = RowOrder(rows: Array(0..<n), tableCount: n, less: less)
        let want = (0..<n).sorted(by: less)
        XCTAssertEqual(order.position(ofRow: want[3_210]), 3_210)
        XCTAssertEqual(order.rows(4_990..<5_000), Array(want[4_990...]))
        XCTAssertEqual(order.rows(0..<3), Array(want[..<3]))
    }

    // MARK: group tables

    func testLazyGroupRowsAreTheEagerTablesCells() throws {
        let r = hardRollup()
        for dim in [Dimension.apiKey, .feature, .model] {
            let q = ViewQuery(groupBy: dim, window: .minutes(1440), atMs: nil)
            let ordered = try r.rows(q, wallMs: 0)
            var unorderedQuery = q
            unorderedQuery.ordered = false
            let unordered = try r.rows(unorderedQuery, wallMs: 0)
            XCTAssertTrue(ordered.ordered)
            XCTAssertFalse(unordered.ordered)
            XCTAssertEqual(Set(unordered.rows.map(\.id)), Set(ordered.rows.map(\.id)))
            let want = ordered.rows.map { Self.eagerCells($0, withFeatures: dim == .apiKey) }
            let wantIDs = ordered.rows.map { GroupID.rowID(dim, $0.id) }
            for result in [ordered, unordered] {
                let t = ExportView.groupTable(result, dimension: dim)
                XCTAssertEqual(t.rows.count, want.count)
                XCTAssertEqual(t.columns.count, want.first?.count ?? t.columns.count)
                // In view order whichever way the query answered, cell for cell.
                XCTAssertEqual(Array(t.rows), want, "\(dim) ordered \(result.ordered)")
                XCTAssertEqual(Array(t.rowIDs), wantIDs)
                for i in stride(from: 0, to: want.count, by: 13) {
                    for c in 0..<t.columns.count { XCTAssertEqual(t.rows.cell(i, c), want[i][c]) }
                }
            }
        }
    }

    func testArrangedRowsAreTheFullSortOfTheEagerTable() throws {
        let r = hardRollup()
        var q = ViewQuery(groupBy: .apiKey, window: .minutes(1440), atMs: nil)
        let eager = try r.rows(q, wallMs: 0)
        q.ordered = false
        let cells = eager.rows.map { Self.eagerCells($0, withFeatures: true) }
        let ids = eager.rows.map { GroupID.rowID(.apiKey, $0.id) }
        var noise = Noise(state: 3)
        XCTAssertTrue(cells.contains { $0[1] == .empty }, "unpriced keys: empty spend cells")
        // Unordered rows, and the rollup's sums as it holds them (what the console reads).
        let lazyTables = [ExportView.groupTable(try r.rows(q, wallMs: 0), dimension: .apiKey),
                          ViewTable(title: "API keys", groups: try r.groupRows(q, wallMs: 0))]
        for lazy in lazyTables {
        for column in ["spend_usd", "api_key", "requests", "error_pct", "p95_ms", "features", "share_pct"] {
            let c = try XCTUnwrap(lazy.column(column))
            for descending in [true, false] {
                for needle in ["", "1", "…12", "zzz"] {
                    var order = Array(cells.indices)
                    if !needle.isEmpty {
                        order = order.filter { cells[$0][0].text?.lowercased().contains(needle.lowercased()) ?? false }
                    }
                    let want = Self.referenceSort(order, cells, by: c, descending: descending)
                    let t = lazy.arranged(matching: needle, in: [0], sortBy: c, descending: descending)
                    let what = "\(column) desc \(descending) /\(needle)"
                    XCTAssertEqual(t.rows.count, want.count, what)
                    guard !want.isEmpty else { continue }
                    // A page somewhere, then the row a selection would ask for, then a position alone.
                    let lo = noise.next(want.count)
                    let page = lo..<min(want.count, lo + 20)
                    XCTAssertEqual(page.map { t.rows[$0] }, page.map { cells[want[$0]] }, what)
                    XCTAssertEqual(page.map { t.rowIDs[$0] }, page.map { ids[want[$0]] }, what)
                    let pick = want[noise.next(want.count)]
                    XCTAssertEqual(t.rows.position(ofRowID: ids[pick]), want.firstIndex(of: pick), what)
                    let at = noise.next(want.count)
                    XCTAssertEqual(t.rows.cell(at, 0), cells[want[at]][0], what)
                    // And every row, as `e` writes them.
                    if needle == "1" { XCTAssertEqual(Array(t.rows), want.map { cells[$0] }, what) }
                }
            }
        }
        }
    }

    /// The console's panes read the rollup's sums without a `GroupRow` per group (`GroupColumns`, the kept sum's
    /// cells shared): every row, cell, identity and tie order must be the rollup's ordered view's, to the bit, at
    /// the top level and drilled in (a pair's sums); and the counts a rollup keeping no sums has (its spends are
    /// summed in another grouping of the minutes, so they agree to rounding, not to the bit).
    func testRollupsGroupColumnsAreItsViewsRows() throws {
        let r = hardRollup(), plain = hardRollup(keepsSums: false)
        // Key 1 spends in all three features: drilled into, its features are summed from the feature×key pair.
        let raw = "sk-proj-1BBBBBBBBBBBBBBBBBBBB1"
        let key = ViewQuery.Filter(.apiKey, id: GroupID(raw: raw), value: raw)
        // In the newest (unsettled) minute: a key the kept sum holds, and one new since.
        for apiKey in [raw, "sk-proj-newCCCCCCCCCCCCCCCCCCCC9999"] {
            for rollup in [r, plain] {
                rollup.ingest(SpendEvent(timestampMs: 1_795_860_570_000, feature: "chat", apiKey: apiKey,
                                         model: "gpt-4o", usage: TokenUsage(input: 10, output: 1), costUSD: 0.37))
            }
        }
        let keys = try r.groupRows(ViewQuery(groupBy: .apiKey, window: .minutes(1440)), wallMs: 0)
        guard case .columns(let keyColumns) = keys.storage, let index = keyColumns.cells.cellIndex else {
            return XCTFail("a day's keys: the kept sum's cells, shared")
        }
        let kept = keyColumns.cells.keptCells.count
        XCTAssertGreaterThan(kept, 600)
        XCTAssertTrue(index[..<kept].contains { $0 >= 0 }, "a kept key with the newest minutes added")
        XCTAssertTrue(index[..<kept].contains { $0 < 0 }, "kept keys as kept")
        XCTAssertGreaterThan(index.count, kept, "a key new since")
        XCTAssertTrue(index[kept...].allSatisfy { $0 >= 0 })
        let queries: [ViewQuery] = [
            ViewQuery(groupBy: .apiKey, window: .minutes(1440)),
            ViewQuery(groupBy: .feature, window: .minutes(1440)),
            ViewQuery(groupBy: .model, window: .minutes(60)),
            ViewQuery(groupBy: .apiKey, window: .minutes(1440), filters: [.init(.feature, "chat")]),
            ViewQuery(groupBy: .feature, window: .minutes(1440), filters: [key]),
            ViewQuery(groupBy: .model, window: .minutes(1440), filters: [.init(.feature, "chat")]),
        ]
        for q in queries {
            let what = "\(q.groupBy!) by \(q.filters.map(\.dimension))"
            let dim = try XCTUnwrap(q.groupBy)
            let eager = try r.rows(q, wallMs: 0)
            let full = Dictionary(try plain.rows(q, wallMs: 0).rows.map { ($0.id, $0.measures) },
                                  uniquingKeysWith: { a, _ in a })
            let columns = try r.groupRows(q, wallMs: 0)
            XCTAssertFalse(columns.ordered)
            guard case .columns = columns.storage else { return XCTFail("the rollup hands over its sums") }
            XCTAssertGreaterThan(eager.rows.count, 1, what)
            XCTAssertEqual(columns.count, eager.rows.count, what)
            let t = ViewTable(title: dim.title, groups: columns)
            let want = eager.rows.map { Self.eagerCells($0, withFeatures: dim == .apiKey) }
            XCTAssertEqual(Array(t.rows), want, what)
            XCTAssertEqual(Array(t.rowIDs), eager.rows.map { GroupID.rowID(dim, $0.id) }, what)
            // Each row as a GroupRow is the view's row of that group.
            let byID = Dictionary(eager.rows.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for i in 0..<columns.count {
                let row = columns.row(i), ref = try XCTUnwrap(byID[row.id], what)
                XCTAssertEqual(row.name, ref.name, what)
                XCTAssertEqual(row.measures.spend, ref.measures.spend, what)
                XCTAssertEqual(row.measures.requests, ref.measures.requests, what)
                XCTAssertEqual(row.share, ref.share, what)
                XCTAssertEqual(row.featureCount, ref.featureCount, what)
                XCTAssertEqual(row.durationSeconds, ref.durationSeconds, what)
                XCTAssertEqual(columns.row(withID: columns.rowID(i)), i, what)
                let m = try XCTUnwrap(full[row.id], what)
                XCTAssertEqual(row.measures.requests, m.requests, what)
                XCTAssertEqual(row.measures.inputTokens, m.inputTokens, what)
                XCTAssertEqual(row.measures.spend, m.spend, accuracy: 1e-9 * max(1, m.spend), what)
            }
            XCTAssertNil(columns.row(withID: GroupID.rowID(dim, GroupID(raw: "nobody"))))
            XCTAssertEqual(CSVWriter.csv(t), CSVWriter.csv(ExportView.groupTable(eager, dimension: dim)), what)
        }
    }

    func testExportWritesEveryRowOfAnUnorderedResult() throws {
        let r = hardRollup(keys: 300)
        var q = ViewQuery(groupBy: .apiKey, window: .minutes(1440), atMs: nil)
        let eager = CSVWriter.csv(ExportView.groupTable(try r.rows(q, wallMs: 0), dimension: .apiKey))
        q.ordered = false
        let table = ExportView.groupTable(try r.rows(q, wallMs: 0), dimension: .apiKey)
        XCTAssertEqual(CSVWriter.csv(table), eager)
        XCTAssertEqual(eager.split(separator: "\r\n").count, 301, "a header and every key")
    }

    func testRowIDsNamedFindEveryKeyThatMasksAlike() throws {
        let r = Rollup()
        let one = "sk-proj-AAAAAAAAAAAAAAAAAAAAAAAAabcd", two = "sk-proj-BBBBBBBBBBBBBBBBBBBBBBBBabcd"
        for (key, cost) in [(one, 1.0), (two, 2.0), ("prod-web", 3.0)] {
            r.ingest(SpendEvent(timestampMs: 1_795_860_570_000, feature: "chat", apiKey: key, model: "gpt-4o",
                                usage: TokenUsage(input: 10, output: 1), costUSD: cost))
        }
        var q = ViewQuery(groupBy: .apiKey, window: .minutes(5))
        q.ordered = false
        let t = ExportView.groupTable(try r.rows(q, wallMs: 0), dimension: .apiKey)
        let masked = try XCTUnwrap(t.rows.first { $0[0].text != "prod-web" }?[0].text)
        let ids = t.rowIDs(named: masked)
        XCTAssertEqual(Set(ids), Set([one, two].map { GroupID.rowID(.apiKey, GroupID(raw: $0)) }))
        XCTAssertEqual(t.rowIDs(named: "nobody"), [])
    }
}
