import ArgumentParser
import Foundation
import SpendCore
import SpendIO

/// `spendtop export`: one view as CSV, headless, for cron and CI.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write one view as CSV (RFC 4180), headless.",
        discussion: "Views: \(ExportView.allCases.map(\.rawValue).joined(separator: ", ")). "
            + "Columns: docs/export.md; savings formulas: docs/savings.md.")

    @OptionGroup var live: LiveOptions
    @Option(help: "features, keys, models, teams, providers, gpus, series, alerts or savings.") var view: String
    @Option(help: "Window: 1m, 5m, 15m, 1h, 6h, 24h, any Nm/Nh/Nd, or all.") var window: String = "all"
    @Option(help: "Window end (RFC 3339 or epoch); default: the newest event.") var at: String?
    @Option(name: .customLong("filter"), help: "DIM=VALUE, e.g. feature=support-chat (repeatable).") var filters: [String] = []
    @Option(name: .shortAndLong, help: "Output file (default: stdout).") var output: String?
    @Option(help: "LiteLLM-format price file, merged over the bundled table.") var prices: String?
    @OptionGroup var alertOptions: AlertOptions

    func run() throws {
        let config = try live.loadConfig()
        let specs = try live.resolved(config: config)
        let storePath = live.storePath(defaultOn: false, config: config)
        guard !specs.isEmpty || storePath != nil else { throw UsageError("export needs a SOURCE (a file, -, a URL, sqlite:PATH, prom:URL) or --store PATH") }
        guard let v = ExportView(rawValue: view.lowercased()) else {
            let views = ExportView.allCases.map(\.rawValue).joined(separator: ", ")
            throw UsageError("unknown view '\(view)'; one of \(views)")
        }
        if v == .alerts { return try runAlerts(config: config, specs: specs, storePath: storePath) }
        let w = try ExportCommand.window(window)
        var atMs: Int64? = nil
        if let at {
            guard let t = parseTime(at) else { throw UsageError("unreadable --at '\(at)'") }
            atMs = t
        }
        let parsedFilters = try filters.map { f -> ViewQuery.Filter in
            guard let pf = ViewQuery.Filter(parsing: f) else {
                let dims = Dimension.requestDimensions.map(\.name).joined(separator: ", ")
                guard let eq = f.firstIndex(of: "=") else {
                    throw UsageError("unreadable filter '\(KeyMask.redact(f))'; use DIM=VALUE with DIM one of \(dims)")
                }
                throw UsageError("cannot filter by '\(KeyMask.redact(String(f[..<eq])))' (in '\(KeyMask.redact(f))'); "
                                 + "filters are DIM=VALUE with DIM one of \(dims)")
            }
            return pf
        }
        let advisor = v == .savings ? try savingsSettings(config) : SavingsSettings()
        if let remote = try RemoteSource.alone(specs, storePath: storePath) {
            let groupings = GroupingPlanner.groupings(for: v, filters: parsedFilters).map(\.dimensions)
            let query = try remote.snapshot(config: config, groupings: groupings, window: w, atMs: atMs,
                                            perMinute: v == .series)
            return try write(try table(v, query, window: w, atMs: atMs, filters: parsedFilters, savings: advisor))
        }
        var options = Rollup.Options()
        options.groupings = GroupingPlanner.groupings(for: v, filters: parsedFilters)
        options.typicalRequests = false  // read by the anomaly detector alone (`--view alerts`, below)
        options.retentionMinutes = nil
        options.cardinality = try live.cardinality(config)
        options.dedupe = try live.dedupeHorizon(config)
        var loader = SourceLoader(prices: try SourceLoader.priceTable(pricesFile: prices ?? live.pricesFile(config)), options: options)
        loader.mappings = try live.mappings(config)
        let loaded = try loader.load(specs, storePath: storePath,
                                     retentionDays: try live.retentionDays(config), follow: nil)
        try SourceLoader.failOnBrokenSource(loaded)
        let query: SpendQuery = loaded.rollup, stats = loaded.sourceStats
        try write(try table(v, query, window: w, atMs: atMs, filters: parsedFilters, savings: advisor))
        let rejected = stats.reduce(0) { $0 + $1.1.rejected }
        if rejected > 0 {
            FileHandle.standardError.write(Data("spendtop: \(rejected) lines rejected (run `spendtop check` for reasons)\n".utf8))
        }
    }

    func table(_ v: ExportView, _ query: SpendQuery?, window w: TimeWindow, atMs: Int64?,
               filters: [ViewQuery.Filter], savings: SavingsSettings = SavingsSettings()) throws -> ViewTable {
        // An engine holding no requests answers like an empty file: the header row alone.
        guard let query else { return try v.table(CellQuery(), window: w, atMs: atMs, filters: [], wallMs: wallClockMs()) }
        do {
            return try v.table(query, window: w, atMs: atMs, filters: filters, wallMs: wallClockMs(), savings: savings)
        } catch {
            throw UsageError("\(error)")
        }
    }

    /// The CSV to `-o FILE` or stdout.
    func write(_ table: ViewTable) throws {
        let csv = CSVWriter.csv(table)
        if let output {
            do { try OutputFile.write(csv, to: output) } catch {
                throw RuntimeError("cannot write \(output): \(error.localizedDescription)")
            }
        } else {
            FileHandle.standardOutput.write(Data(csv.utf8))
        }
    }

    /// `[savings]` and `[gpu]` settings; a bad value is a usage error naming it.
    func savingsSettings(_ config: ConfigValue) throws -> SavingsSettings {
        do { return try SavingsConfig.settings(config) } catch { throw UsageError("\(error)") }
    }

    /// `--window`: a duration or `all`; a hostile one is a usage error, never a trap.
    static func window(_ text: String) throws -> TimeWindow {
        switch TimeWindow.parse(text) {
        case .success(let w): return w
        case .failure(let e): throw UsageError("unreadable window: \(e.description)")
        }
    }

    /// Replays the sources minute by minute through the alert engine and lists every incident.
    func runAlerts(config: ConfigValue, specs: [(SourceSpec, SourceSettings)], storePath: String?) throws {
        let rules = try alertOptions.ruleSet(config: config)
        var windowEnd: Int64? = nil
        let w = try ExportCommand.window(window)
        if let at {
            guard let t = parseTime(at) else { throw UsageError("unreadable --at '\(at)'") }
            windowEnd = t
        }
        guard filters.isEmpty else { throw UsageError("--filter does not apply to --view alerts; give the scope in --alert rules") }
        if let remote = try RemoteSource.alone(specs, storePath: storePath) {
            // Alerts are judged on every minute the engine holds, then listed for the window, as for files.
            let query = try remote.snapshot(config: config, groupings: RemoteEngine.consoleGroupings, window: .all,
                                            atMs: windowEnd, perMinute: true) ?? CellQuery()
            return try listAlerts(query, rules: rules, window: w, windowEnd: windowEnd, stats: [])
        }
        var options = Rollup.Options()
        options.groupings = GroupingPlanner.groupings(for: .alerts, filters: [])
        options.retentionMinutes = nil
        options.cardinality = try live.cardinality(config)
        options.dedupe = try live.dedupeHorizon(config)
        var loader = SourceLoader(prices: try SourceLoader.priceTable(pricesFile: prices ?? live.pricesFile(config)), options: options)
        loader.mappings = try live.mappings(config)
        let loaded = try loader.load(specs, storePath: storePath, retentionDays: try live.retentionDays(config), follow: nil)
        try SourceLoader.failOnBrokenSource(loaded)
        try listAlerts(loaded.rollup, rules: rules, window: w, windowEnd: windowEnd, stats: loaded.sourceStats)
    }

    /// Replays `query` through the alert engine and writes the incidents that started in the window.
    func listAlerts(_ query: SpendQuery, rules: AlertRuleSet, window w: TimeWindow, windowEnd: Int64?,
                    stats: [(String, SourceStats)]) throws {
        var windowStart: Int64? = nil
        var events = AlertEngine(rules: rules).replay(query)
        let end = windowEnd ?? query.clockMs(wallMs: wallClockMs())
        if case .minutes(let m) = w { windowStart = end - Int64(m) * 60_000 }
        events = events.filter { e in
            (windowStart.map { e.startedMs > $0 } ?? true) && e.startedMs <= end + 60_000
        }
        var replayed = AlertState()
        replayed.history = events
        let table = try ExportView.alerts.table(query, window: w, atMs: end, filters: [], wallMs: wallClockMs(),
                                                alerts: replayed)
        try write(table)
        if let hook = alertOptions.hook() {
            for e in events {
                hook.waitForSlot(seconds: hook.timeout + 2)
                hook.run(e)
            }
            hook.waitUntilIdle(seconds: hook.timeout + 2)
        }
        let rejected = stats.reduce(0) { $0 + $1.1.rejected }
        if rejected > 0 {
            FileHandle.standardError.write(Data("spendtop: \(rejected) lines rejected (run `spendtop check` for reasons)\n".utf8))
        }
    }
}
