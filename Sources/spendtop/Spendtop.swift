import ArgumentParser
import Foundation
import SpendCore
import SpendIO

/// `spendtop [SOURCE ...]`: the console over the given sources.
struct Spendtop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spendtop",
        abstract: "top for AI inference spend.",
        subcommands: [DashboardCommand.self, ExportCommand.self, CheckCommand.self, DemoCommand.self,
                      BenchAnomalyCommand.self, ConsoleBenchCommand.self, PromQLDebugCommand.self],
        defaultSubcommand: DashboardCommand.self)
}

/// The default command: the live console over SOURCEs, with the store, alert rules and delivery.
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "top", abstract: "Show spend for SOURCEs in the console (the default command).")

    @OptionGroup var live: LiveOptions
    @OptionGroup var console: ConsoleOptions
    @OptionGroup var alertOptions: AlertOptions

    func run() throws {
        let config = try live.loadConfig()
        let options = try ConsoleLauncher.prepare(console, config: config)
        let specs = try live.specs()
        if specs.contains(where: { $0 == .stdin || $0 == .nvidiaSmi }) {
            throw UsageError("the console reads keys from stdin, so `-` cannot be a source here; give a file, or use `spendtop export -`")
        }
        let storePath = live.storePath(defaultOn: true, config: config)
        let storeHasData = storePath.map { FileManager.default.fileExists(atPath: $0) } ?? false
        guard !specs.isEmpty || storeHasData else {
            throw UsageError("no source given. Try `spendtop demo`, or `spendtop FILE.jsonl`; `spendtop --help` lists the rest")
        }
        let rules = try alertOptions.ruleSet(config: config)
        var ro = Rollup.Options()
        ro.cardinality = try live.cardinality(config)
        ro.internAllDimensions = storePath != nil  // the store keeps every field of an event
        // Live data from more than an hour ahead is clock skew or a bad line: refused and counted.
        ro.maxFutureMs = 3_600_000
        ro.wallClock = { wallClockMs() }
        let prices = try SourceLoader.priceTable(pricesFile: console.prices ?? live.pricesFile(config))
        if let reason = ConsoleLauncher.unusableTerminal() { throw RuntimeError(reason) }

        let rollup = Rollup(options: ro, prices: prices)
        // Messages while curses owns the screen would garble it: they are shown after the console exits (and
        // delivery problems in `!` meanwhile).
        let later = DeferredMessages()
        // Alerts are judged on the ingest side: the whole replayed window on start (quietly: only what still holds
        // is delivered), then each minute as it closes, whether the console is paused or busy.
        let delivery = AlertDelivery(engine: AlertEngine(rules: rules), logPath: AlertLog.defaultPath(storePath: storePath),
                                     hook: alertOptions.hook(log: { _ in }), report: { later.add($0) })
        let ingest = try live.makeIngest(config: config, rollup: rollup, follow: true, storeByDefault: true, alerts: delivery)
        ingest.start()
        defer {
            ingest.stop()
            later.flush()
        }
        try ConsoleLauncher.run(feed: ingest, alerts: delivery, options: options)
    }
}

/// Warnings held back while the console draws, printed to stderr once it has exited.
final class DeferredMessages: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []

    func add(_ m: String) {
        lock.lock()
        defer { lock.unlock() }
        if messages.count < 100 { messages.append(m) }
    }

    func flush() {
        lock.lock()
        defer { lock.unlock() }
        for m in messages { FileHandle.standardError.write(Data("spendtop: \(TextSanitizer.clean(m))\n".utf8)) }
        messages.removeAll()
    }
}
