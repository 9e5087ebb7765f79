import ArgumentParser
import Foundation
import SpendCore
import SpendIO

/// `spendtop [SOURCE ...]`: the console over the given sources.
struct Spendtop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spendtop",
        abstract: "top for AI inference spend.",
        subcommands: [DashboardCommand.self, ExportCommand.self, CheckCommand.self, DemoCommand.self, ConsoleBenchCommand.self],
        defaultSubcommand: DashboardCommand.self)
}

/// The default command: the live console over SOURCEs.
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "top", abstract: "Show spend for SOURCEs in the console (the default command).")

    @Argument(help: "JSONL files, or - for stdin.") var sources: [String] = []
    @OptionGroup var console: ConsoleOptions

    func run() throws {
        guard !sources.isEmpty else {
            throw UsageError("no source given. Try `spendtop demo`, or `spendtop FILE.jsonl`; `spendtop --help` lists the rest")
        }
        let options = try ConsoleLauncher.prepare(console)
        try SourceLoader.validate(sources)
        if sources.contains("-") {
            throw UsageError("the console reads keys from stdin, so `-` cannot be a source here; give a file, or use `spendtop export -`")
        }
        let prices = try SourceLoader.priceTable(pricesFile: console.prices)
        if let reason = ConsoleLauncher.unusableTerminal() { throw RuntimeError(reason) }
        let feed: FileFeed
        do { feed = try FileFeed(paths: sources, prices: prices) } catch { throw RuntimeError("\(error)") }
        try ConsoleLauncher.run(feed: feed, alerts: nil, options: options)
    }
}
