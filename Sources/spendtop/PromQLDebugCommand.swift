import ArgumentParser
import Foundation
import SpendCore
import SpendIO

/// `spendtop debug-promql` (hidden, temporary): one view's rows read from a `promql:` engine by the pushdown,
/// for the bench and for trying a mapping, until `export promql:…` reads through the query boundary.
struct PromQLDebugCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug-promql",
        abstract: "Rows of one view from a promql: engine (temporary; the bench's code path).",
        shouldDisplay: false)

    @Argument(help: "promql:http(s)://host:port[/prefix]") var source: String
    @Option(help: ArgumentHelp("features, keys, models, teams, providers, users, gateways, gpus, or console "
                               + "(every grouping the console keeps, and the GPUs, in one read)"))
    var view = "features"
    @Option(help: "Window length, e.g. 5m, 24h.") var window = "24h"
    @Option(help: "End of the window: epoch seconds (default: now).") var at: Int64?
    @Option(help: "Config file (for [promql] and [[source]] headers).") var config: String?

    func run() throws {
        let cfg = try ConfigLoader.load(explicitPath: config)
        let spec = try SourceSpec(parsing: source)
        guard case .promql = spec else { throw ValidationError("debug-promql reads a promql: source") }
        let sourceSettings = try SourceConfig.settings(for: spec, config: cfg, insecure: false)
        let settings = try PromQLSettings.load(url: source, config: cfg, source: sourceSettings)
        guard case .minutes(let minutes)? = TimeWindow(parsing: window) else {
            throw ValidationError("--window: e.g. 5m, 24h")
        }
        let end = Rollup.floorDiv(at ?? Int64(Date().timeIntervalSince1970), 60)
        let reader = PromQLReader(settings: settings)
        let grid = reader.grid(fromMinute: end - Int64(minutes), toMinute: end - 1)
        let started = Date()
        do {
            if view == "console" {
                let groupings = Grouping.console.map { g in [g.first, g.second].compactMap { $0 } }
                let read = try reader.read(grid: grid, groupings: groupings)
                print("grouping,groups,cells")
                for (g, dims) in zip(Grouping.console, groupings) {
                    let cells = read.cells[dims] ?? []
                    print("\(g),\(Set(cells.map { $0.values }).count),\(cells.count)")
                }
                print("gpus,\(Set(read.gpus.map(\.gpu)).count),\(read.gpus.count)")
            } else if view == "gpus" {
                var sums: [String: GPUMeasures] = [:]
                for c in try reader.gpuCells(grid: grid) { sums[c.gpu.name, default: GPUMeasures()].merge(c.measures) }
                print("gpu,util_pct,mem_used_mb,mem_total_mb,power_w,queue_depth,kv_cache_pct,prefix_cache_hit_rate")
                for (name, m) in sums.sorted(by: { $0.key < $1.key }) {
                    let cols = [m.utilPct, m.memUsedMB, m.memTotalMB, m.powerW, m.queueDepth, m.kvCachePct,
                                m.prefixCacheHitRate]
                    let fields = [CSVWriter.field(name)] + cols.map { $0.map(CSVWriter.number) ?? "" }
                    print(fields.joined(separator: ","))
                }
            } else {
                guard let d = SpendCore.Dimension(name: view) else {
                    throw ValidationError("--view: unknown view \(view)")
                }
                var rows: [DimensionValue: Measures] = [:]
                for c in try reader.cells(grid: grid, dimensions: [d]) {
                    rows[c.values[0], default: Measures()].merge(c.measures)
                }
                print("\(d.name),spend_usd,requests,input_tokens,output_tokens")
                let sorted = rows.sorted {
                    $0.value.spend > $1.value.spend || ($0.value.spend == $1.value.spend && $0.key.name < $1.key.name)
                }
                for (v, m) in sorted {
                    let fields = [CSVWriter.field(v.name), CSVWriter.number(m.spend), String(m.requests),
                                  String(m.inputTokens), String(m.outputTokens)]
                    print(fields.joined(separator: ","))
                }
            }
        } catch let f as PromQLFailure {
            throw RuntimeError(f.message)
        }
        let c = reader.client
        let summary = String(format: "debug-promql: %d queries, %.1f MB read, %.3f s, step %d s, %d cells\n",
                             c.requests, Double(c.bytesRead) / 1e6, Date().timeIntervalSince(started),
                             grid.stepSeconds, grid.cellCount)
        FileHandle.standardError.write(Data(summary.utf8))
    }
}
