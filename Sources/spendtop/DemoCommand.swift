import ArgumentParser
import Foundation
import SpendCore
import SpendUI

/// `spendtop demo`: the bundled day of sample traffic. Until the console lands it prints the
/// headless tables that the console's panes will show.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Show spendtop on bundled sample data.")

    @Option(help: "Window: 1m, 5m, 15m, 1h, 6h, 24h.") var window: String = "24h"
    @Option(help: "Sample file (default: sample-data/day.jsonl).") var data: String?

    func run() throws {
        guard let w = TimeWindow(parsing: window) else { throw UsageError("unreadable window '\(window)'") }
        let path = try data ?? DemoCommand.findSampleData()
        let (rollup, stats) = try SourceLoader(prices: .bundled, options: Rollup.Options()).load([path])
        print(Dashboard.render(rollup: rollup, window: w, sources: stats), terminator: "")
    }

    static func findSampleData() throws -> String {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var candidates = ["sample-data/day.jsonl"]
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(dir.appendingPathComponent("sample-data/day.jsonl").path)
            dir = dir.deletingLastPathComponent()
        }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw RuntimeError("sample-data/day.jsonl not found; run from the spendtop folder or pass --data FILE")
        }
        return found
    }
}

/// The headless dashboard: a header line and the main tables in plain text.
enum Dashboard {
    static func render(rollup: Rollup, window: TimeWindow, sources: [(String, SourceStats)]) -> String {
        let wall = wallClockMs()
        let clock = rollup.clockMs(wallMs: wall)
        var out = " spendtop   \(sources.count) source\(sources.count == 1 ? "" : "s")   window \(window)   \(Timestamp.format(ms: clock))"
        out += "   unpriced \(rollup.unpricedModels.count)\n\n"
        let cols = ["spend_usd", "share_pct", "spend_per_hour", "requests_per_s", "tokens_in_per_s", "tokens_out_per_s",
                    "cache_hit_pct", "error_pct", "retry_pct", "p95_ms"]
        for (view, dim) in [(ExportView.features, Dimension.feature), (.keys, .apiKey), (.models, .model)] {
            guard let t = try? view.table(rollup, window: window, atMs: nil, filters: [], wallMs: wall) else { continue }
            out += "\(t.title) \(t.rows.count)\n"
            out += PlainTable.render(t, columns: [dim.name] + cols + (view == .keys ? ["features"] : []), limit: 10) + "\n"
        }
        if let g = try? ExportView.gpus.table(rollup, window: window, atMs: nil, filters: [], wallMs: wall), !g.rows.isEmpty {
            out += "GPUs \(g.rows.count)\n" + PlainTable.render(g) + "\n"
        }
        return out
    }
}
