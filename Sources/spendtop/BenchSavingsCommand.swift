import ArgumentParser
import Foundation
import SpendCore

/// `spendtop bench-savings FILE` (hidden): the cost of computing the savings view on loaded rollups,
/// against the features view's query on the same rollups in the same run (`make bench`, section savings).
struct BenchSavingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-savings",
        abstract: "Time the savings advisor on a file's rollups (make bench).",
        shouldDisplay: false)

    @Argument(help: "A JSONL file.") var file: String
    @Option(help: "Timed runs of each query.") var runs = 20
    @Option(help: "Window: 1m … 24h, or all.") var window = "all"

    func run() throws {
        let w = try ExportCommand.window(window)
        guard runs > 0 else { throw UsageError("--runs must be positive") }
        var options = Rollup.Options()
        options.groupings = Grouping.console  // what the console keeps, classes included
        options.retentionMinutes = nil
        let t0 = Date()
        let (rollup, _) = try SourceLoader(prices: .bundled, options: options).load([file])
        let loadSeconds = Date().timeIntervalSince(t0)
        let advisor = SavingsAdvisor(for: rollup)
        let wall = wallClockMs()
        func timed(_ body: () throws -> Void) rethrows -> [Double] {
            try (0..<runs).map { _ in
                let t = DispatchTime.now().uptimeNanoseconds
                try body()
                return Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6
            }.sorted()
        }
        var found = 0
        let savings = try timed { found = try advisor.advise(rollup, window: w, wallMs: wall).opportunities.count }
        let features = try timed { _ = try rollup.rows(ViewQuery(groupBy: .feature, window: w), wallMs: wall) }
        func p(_ v: [Double], _ q: Double) -> Double { v[min(v.count - 1, Int(Double(v.count - 1) * q))] }
        let out: [String: Any] = [
            "events": rollup.eventsCounted, "load_s": (loadSeconds * 1000).rounded() / 1000, "runs": runs,
            "opportunities": found, "savings_ms_p50": p(savings, 0.5), "savings_ms_p95": p(savings, 0.95),
            "features_ms_p50": p(features, 0.5),
            "ratio_savings_to_features": p(savings, 0.5) / max(p(features, 0.5), 1e-6),
        ]
        let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
