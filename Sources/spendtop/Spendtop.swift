import ArgumentParser
import Foundation
import SpendCore
import SpendIO
import SpendUI

/// `spendtop [SOURCE ...]`: the console over the given sources.
struct Spendtop: ParsableCommand {
    /// `spendtop --version`.
    static let version = "0.9.0"

    /// The forms of the command line, as `--help` and the man page show them.
    static let usage = """
        spendtop [SOURCE …] [--window 5m] [--store PATH | --no-store] [--wait-for-source] [--theme NAME] [--wallboard]
        spendtop export [SOURCE …] --view VIEW [--window W|all] [--filter DIM=VALUE …] [-o FILE]
        spendtop check [SOURCE …] [--follow]
        spendtop demo [--speed 60] [--wallboard]
        spendtop --version
        """

    static let configuration = CommandConfiguration(
        commandName: "spendtop",
        abstract: "top for AI inference spend.",
        usage: usage,
        discussion: """
            SOURCE: a JSONL file or 'GLOB', - (stdin, for export and check), http(s)://URL (SSE or NDJSON), \
            sqlite:PATH[?table=NAME] or PATH.db, prom:http://HOST:PORT/metrics, nvidia-smi:-. \
            With no subcommand, spendtop opens the console on the SOURCEs (`spendtop top --help` lists its options). \
            Try `spendtop demo` first; then `spendtop your-gateway-log.jsonl`. Exit codes: 0 ok, 1 runtime error, 2 usage error.
            """,
        version: version,
        subcommands: [DashboardCommand.self, ExportCommand.self, CheckCommand.self, DemoCommand.self,
                      BenchAnomalyCommand.self, ConsoleBenchCommand.self, PostgresExportCommand.self, SoakCommand.self,
                      BenchSavingsCommand.self, PromQLDebugCommand.self],
        defaultSubcommand: DashboardCommand.self)
}

/// The default command: the live console over SOURCEs, with the store, alert rules and delivery.
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top", abstract: "Show spend for SOURCEs in the console (the default command).",
        usage: "spendtop [SOURCE …] [<options>]", version: Spendtop.version)

    @OptionGroup var live: LiveOptions
    @OptionGroup var console: ConsoleOptions
    @OptionGroup var alertOptions: AlertOptions

    func run() throws {
        if let meant = Suggestions.mistypedSubcommand(live.sources) {
            throw UsageError("'\(live.sources[0])' is neither a file nor a command; did you mean `spendtop \(meant)`?")
        }
        let config = try live.loadConfig()
        var options = try ConsoleLauncher.prepare(console, config: config)
        let specs = try live.specs()
        if specs.contains(where: { $0 == .stdin || $0 == .nvidiaSmi }) {
            throw UsageError("the console reads keys from stdin, so `-` cannot be a source here; "
                             + "for events on stdin use `spendtop check -` or `spendtop export - --view features`, or give the file")
        }
        if specs.isEmpty && isatty(STDIN_FILENO) == 0 && isatty(STDOUT_FILENO) != 0 {
            throw UsageError("events piped into the console cannot be read: it takes keys from the terminal. "
                             + "Use `spendtop check -` (counts and rejects) or `spendtop export - --view features` (CSV), "
                             + "or give the file: `spendtop FILE`")
        }
        let resolved = try live.resolved(config: config)
        if let remote = try RemoteSource.alone(resolved, storePath: live.noStore ? nil : live.store) {
            return try runRemote(remote, config: config, options: options)
        }
        let storePath = live.storePath(defaultOn: true, config: config)
        let storeHasData = storePath.map { FileManager.default.fileExists(atPath: $0) } ?? false
        guard !specs.isEmpty || storeHasData else {
            throw UsageError("no source given. Try `spendtop demo`, or `spendtop FILE.jsonl`; `spendtop --help` lists the rest")
        }
        let rules = try alertOptions.ruleSet(config: config)
        let ro = Rollup.Options.console(cardinality: try live.cardinality(config),
                                        dedupe: try live.dedupeHorizon(config), keepsStore: storePath != nil)
        let prices = try SourceLoader.priceTable(pricesFile: console.prices ?? live.pricesFile(config))
        if let reason = ConsoleLauncher.unusableTerminal() { throw RuntimeError(reason) }

        // Read before this run writes to it: history from sources not given now is named in the header.
        if let path = storePath { options.storeNote = StoreSummary.read(path: path)?.note(for: specs) }
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

extension DashboardCommand {
    /// The console over a remote engine: views, drills and alerts read its pushed-down cells (`RemoteFeed`); the
    /// alert log sits in the default state folder, as the store's would.
    func runRemote(_ remote: RemoteSource, config: ConfigValue, options: ConsoleApp.Options) throws {
        let rules = try alertOptions.ruleSet(config: config)
        if let reason = ConsoleLauncher.unusableTerminal() { throw RuntimeError(reason) }
        let poller: RemoteEnginePolling
        do { poller = try RemoteEngine.poller(remote.spec, source: remote.settings, config: config) } catch {
            throw UsageError(TextSanitizer.clean("\(error)"))
        }
        let later = DeferredMessages()
        let logPath = AlertLog.defaultPath(storePath: live.storePath(defaultOn: true, config: config))
        let delivery = AlertDelivery(engine: AlertEngine(rules: rules), logPath: logPath,
                                     hook: alertOptions.hook(log: { _ in }), report: { later.add($0) })
        let feed = RemoteFeed(poller: poller, retentionMinutes: 24 * 60, alerts: delivery)
        feed.start()
        defer {
            feed.stop()
            later.flush()
        }
        try ConsoleLauncher.run(feed: feed, alerts: delivery, options: options)
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
