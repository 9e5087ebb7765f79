import Foundation
import SpendCore
import XCTest

/// `spendtop export --view savings` on the generated sample day, against the formulas of docs/savings.md
/// worked out here request by request from the raw lines (not through the advisor or the rollups).
final class SavingsCLITests: XCTestCase {
    let day = CLI.packageRoot.appendingPathComponent("sample-data/day.jsonl").path

    struct Request {
        var feature: String, model: String
        var usage: TokenUsage
        var cost: Double
        var error: Bool, batch: Bool, eligible: Bool
    }

    /// The day's requests and GPU readings, read with Foundation.
    typealias Readings = [String: [(ms: Int64, util: Double)]]

    func readDay() throws -> (requests: [Request], gpus: Readings, firstMs: Int64, lastMs: Int64) {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var requests: [Request] = [], gpus: Readings = [:]
        var first = Int64.max, last = Int64.min
        for line in try String(contentsOfFile: day, encoding: .utf8).split(separator: "\n") {
            let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let ms = Int64((try XCTUnwrap(iso.date(from: o["ts"] as! String)).timeIntervalSince1970 * 1000).rounded())
            first = min(first, ms)
            last = max(last, ms)
            func int(_ k: String) -> Int64 { (o[k] as? NSNumber)?.int64Value ?? 0 }
            if o["kind"] as? String == "gpu" {
                gpus["\(o["node"]!):\(o["gpu"]!)", default: []].append((ms, (o["util_pct"] as! NSNumber).doubleValue))
                continue
            }
            let status = o["status"]
            let error = (status as? String).map { $0 != "ok" } ?? ((status as? NSNumber)?.intValue ?? 0 >= 400)
            requests.append(Request(feature: o["feature"] as! String, model: o["model"] as! String,
                                    usage: TokenUsage(input: int("input_tokens"), output: int("output_tokens"),
                                                      cacheRead: int("cache_read_tokens"),
                                                      cacheWrite: int("cache_write_tokens"),
                                                      reasoning: int("reasoning_tokens")),
                                    cost: (o["cost_usd"] as! NSNumber).doubleValue, error: error,
                                    batch: (o["batch"] as? NSNumber)?.boolValue ?? false,
                                    eligible: (o["batch_eligible"] as? NSNumber)?.boolValue ?? false))
        }
        return (requests, gpus, first, last)
    }

    /// The savings each formula gives on the day, keyed `kind scope`.
    func expected(gpuPrice: (String) -> Double) throws -> (savings: [String: Double], perMonth: Double) {
        let (requests, gpus, first, last) = try readDay()
        let perMonth = 30 * 86_400 / (Double(last - first) / 1000)
        let table = PriceTable.bundled
        var out: [String: Double] = [:]
        for (feature, rs) in Dictionary(grouping: requests, by: \.feature) {
            out["failed_requests feature=\(feature)"] = rs.filter(\.error).reduce(0) { $0 + $1.cost }
            // batch: eligible requests not sent as batch, at the batch discount the table gives their tokens.
            out["batch feature=\(feature)"] = rs.filter { $0.eligible && !$0.batch && !$0.error }.reduce(0) { sum, r in
                let p = table.price(for: r.model)!, standard = p.cost(r.usage, batch: false)
                return sum + (standard > 0 ? r.cost * (1 - p.cost(r.usage, batch: true) / standard) : 0)
            }
            for (model, pair) in Dictionary(grouping: rs, by: \.model) {
                let ok = pair.filter { !$0.error }
                guard !ok.isEmpty, let price = table.price(for: model) else { continue }
                let n = Double(ok.count), paid = ok.reduce(0) { $0 + $1.cost }
                let output = ok.reduce(0) { $0 + Double($1.usage.output) }
                let input = ok.reduce(0) { $0 + Double($1.usage.input) }
                let read = ok.reduce(0) { $0 + Double($1.usage.cacheRead) }
                if let sibling = DowngradeMap.bundled.sibling(for: model), let sp = table.price(for: sibling),
                   output / n <= 200 {
                    let atSibling = ok.reduce(0) { $0 + sp.cost($1.usage, batch: $1.batch) }
                    out["right_size feature=\(feature) model=\(model)"] = paid - atSibling
                }
                if let cr = price.cacheRead, cr < price.input, input / n >= 1024, read / input < 0.5 {
                    out["prompt_cache feature=\(feature) model=\(model)"] = ok.reduce(0) { sum, r in
                        let above = r.usage.input > 200_000
                        let rateIn = price.cost(TokenUsage(input: 1), batch: r.batch, aboveTier: above)
                        let rateRead = price.cost(TokenUsage(input: 1, cacheRead: 1), batch: r.batch, aboveTier: above)
                        return sum + (0.5 * Double(r.usage.input) - Double(r.usage.cacheRead)) * (rateIn - rateRead)
                    }
                }
            }
        }
        // idle_gpu: minute averages; each sampled minute holds until the next (at most 5), the last until the clock.
        let end = (last + 59_999) / 60_000
        for (gpu, samples) in gpus {
            let minutes = Dictionary(grouping: samples, by: { $0.ms / 60_000 })
                .mapValues { v in v.reduce(0) { $0 + $1.util } / Double(v.count) }
            let sorted = minutes.keys.sorted()
            var idle = 0.0
            for (i, m) in sorted.enumerated() where minutes[m]! < 10 {
                idle += Double(min((i + 1 < sorted.count ? sorted[i + 1] : end) - m, 5))
            }
            out["idle_gpu gpu=\(gpu)"] = idle / 60 * gpuPrice(gpu)
        }
        return (out.filter { $0.value > 0 }, perMonth)
    }

    func testExportListsEveryKindWithTheFormulasMoney() throws {
        let dir = NSTemporaryDirectory() + "spendtop-savings-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[gpu]\nhourly_price_usd = 2.49\n[gpu.prices]\nh100-b = 3.1\n"
            .write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
        let r = try CLI.run(["export", day, "--view", "savings", "--config", dir + "/config.toml"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = CLI.parseCSV(r.stdout)
        XCTAssertEqual(rows.first, ["kind", "scope", "evidence", "spend_usd", "saving_usd", "saving_per_month_usd",
                                    "assumption"])
        var got: [String: (saving: Double, perMonth: Double)] = [:]
        for row in rows.dropFirst() {
            got["\(row[0]) \(row[1])"] = (try XCTUnwrap(Double(row[4]), "\(row)"),
                                           try XCTUnwrap(Double(row[5]), "\(row)"))
        }
        let savings = rows.dropFirst().map { Double($0[4])! }
        XCTAssertEqual(savings, savings.sorted(by: >), "largest saving first")
        XCTAssertEqual(Set(rows.dropFirst().map { $0[0] }), Set(OpportunityKind.allCases.map(\.rawValue)),
                       "every kind on the day")

        let (want, perMonth) = try expected(gpuPrice: { $0.hasPrefix("h100-b") ? 3.1 : 2.49 })
        // Rows under $1 a month are left out; around that line 1% either way is allowed.
        for (key, saving) in want where saving * perMonth >= 1.01 {
            let g = try XCTUnwrap(got[key], "\(key) gives \(saving) by the formula but is not listed")
            XCTAssertEqual(g.saving, saving, accuracy: 0.01 * saving, key)
            XCTAssertEqual(g.perMonth, saving * perMonth, accuracy: 0.01 * saving * perMonth, key)
        }
        for key in got.keys {
            XCTAssertGreaterThanOrEqual((want[key] ?? 0) * perMonth, 0.99, "\(key) is listed; the formula gives less")
        }
        // The incidents the sample day is made with: the idle GPU's hour, the batch-eligible summarizer.
        XCTAssertEqual(got["idle_gpu gpu=h100-b:2"]?.saving ?? 0, 3.1, accuracy: 0.031)
        XCTAssertNotNil(got["batch feature=summarizer"])
    }

    /// A drill path narrows the list to its scope; a key is not a savings scope.
    func testFilterKeepsTheScopeAndBadConfigIsAUsageError() throws {
        let r = try CLI.run(["export", day, "--view", "savings", "--filter", "feature=search-rerank"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = CLI.parseCSV(r.stdout).dropFirst()
        XCTAssertFalse(rows.isEmpty)
        XCTAssertTrue(rows.allSatisfy { $0[1].hasPrefix("feature=search-rerank") }, "\(rows)")
        XCTAssertTrue(rows.contains { $0[0] == "right_size" })
        let keyed = try CLI.run(["export", day, "--view", "savings", "--filter", "api_key=prod-web"])
        XCTAssertEqual(keyed.status, 0, keyed.stderr)
        XCTAssertEqual(CLI.parseCSV(keyed.stdout).count, 1, "only the header")
        let bad = try CLI.temporaryFile("[savings]\ncache_target_ratio = 7\n", suffix: ".toml")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let refused = try CLI.run(["export", day, "--view", "savings", "--config", bad])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("[savings] cache_target_ratio must be a ratio"), refused.stderr)
    }
}
