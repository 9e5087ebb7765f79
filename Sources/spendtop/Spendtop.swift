import ArgumentParser
import Foundation
import SpendCore

/// `spendtop [SOURCE ...]`: for now the headless dashboard of the given sources.
struct Spendtop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spendtop",
        abstract: "top for AI inference spend.",
        subcommands: [DashboardCommand.self, ExportCommand.self, CheckCommand.self, DemoCommand.self, BenchAnomalyCommand.self],
        defaultSubcommand: DashboardCommand.self)
}

/// The default command: what the console will show, as plain tables.
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "top", abstract: "Show spend for SOURCEs (the default command).")

    @Argument(help: "JSONL files, or - for stdin.") var sources: [String] = []
    @Option(help: "Window: 1m, 5m, 15m, 1h, 6h, 24h.") var window: String = "5m"
    @Option(help: "LiteLLM-format price file, merged over the bundled table.") var prices: String?

    func run() throws {
        guard !sources.isEmpty else {
            throw UsageError("no source given. Try `spendtop demo`, or `spendtop FILE.jsonl`; `spendtop --help` lists the rest")
        }
        guard let w = TimeWindow(parsing: window) else { throw UsageError("unreadable window '\(window)'") }
        let loader = SourceLoader(prices: try SourceLoader.priceTable(pricesFile: prices), options: Rollup.Options())
        let (rollup, stats) = try loader.load(sources)
        print(Dashboard.render(rollup: rollup, window: w, sources: stats), terminator: "")
    }
}
