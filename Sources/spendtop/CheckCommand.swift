import ArgumentParser
import Foundation
import SpendCore
import SpendIO

/// `spendtop check`: read sources to the end and say what was in them.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Read sources to the end; print counts, rejects by reason, unpriced models, the time range, each source's state and last error.",
        discussion: """
            Files are read to their current end, SQLite sources to their last row, an HTTP stream until it ends \
            or is idle ([sources] idle_timeout, default 2s), a Prometheus page once. With --follow the sources are \
            followed as the console follows them (headless, for scripts and the bench) until --until-events \
            events are counted, --for has passed, every source ended, or SIGINT/SIGTERM. With --follow and \
            --alert, --on-alert or config rules, alerts are judged as minutes close and delivered headless to the \
            alert log and --on-alert (no bell): spendtop as an alerting daemon.
            """)

    @OptionGroup var live: LiveOptions
    @Option(help: "LiteLLM-format price file, merged over the bundled table.") var prices: String?
    @Flag(help: "Follow the sources (tail -F, reconnecting streams) instead of reading to their end.") var follow = false
    @Option(help: ArgumentHelp("With --follow: stop once this many events are counted (store history included).", valueName: "n"))
    var untilEvents: Int64?
    @Option(name: .customLong("for"), help: ArgumentHelp("With --follow: stop after this long (e.g. 30s, 5m).", valueName: "duration"))
    var duration: String?
    @OptionGroup var alertOptions: AlertOptions

    func run() throws {
        let config = try live.loadConfig()
        let specs = try live.resolved(config: config)
        let storePath = live.storePath(defaultOn: false, config: config)
        guard !specs.isEmpty || storePath != nil else { throw UsageError("check needs a SOURCE (a file, -, a URL, sqlite:PATH, prom:URL) or --store PATH") }
        if !follow && (untilEvents != nil || duration != nil) { throw UsageError("--until-events and --for go with --follow") }
        var limit: SourceLoader.FollowLimit?
        if follow {
            var seconds: Double?
            if let duration {
                guard let d = SourceConfig.parseDuration(duration) else { throw UsageError("unreadable --for '\(duration)'") }
                seconds = d
            }
            limit = SourceLoader.FollowLimit(events: untilEvents, seconds: seconds)
        }
        let rules = try alertOptions.ruleSet(config: config)
        if !follow && (!alertOptions.alerts.isEmpty || alertOptions.onAlert != nil) {
            throw UsageError("--alert and --on-alert go with --follow; `spendtop export SOURCE --view alerts` lists a replay's alerts")
        }
        if let remote = try RemoteSource.alone(specs, storePath: storePath) {
            guard !follow else {
                throw UsageError("--follow reads events; \(remote.spec.name) is polled by the console (`spendtop \(remote.spec.name)`)")
            }
            return try checkRemote(remote, config: config)
        }
        var options = Rollup.Options()
        options.groupings = [.total, .by(.model)]
        options.retentionMinutes = nil
        options.cardinality = try live.cardinality(config)
        options.dedupe = try live.dedupeHorizon(config)
        var delivery: AlertDelivery?
        if follow && (!rules.isEmpty || alertOptions.onAlert != nil) {
            // An alerting daemon: what the console judges, over the console's 24 h, delivered to the log and the hook.
            options.groupings = Grouping.console
            options.retentionMinutes = 24 * 60
            options.compaction = CompactionTier.console
            options.cachesWindowSums = true
            let report: @Sendable (String) -> Void = { FileHandle.standardError.write(Data("spendtop: \($0)\n".utf8)) }
            delivery = AlertDelivery(engine: AlertEngine(rules: rules), logPath: AlertLog.defaultPath(storePath: storePath),
                                     hook: alertOptions.hook(log: { _ in }), report: report)
        }
        var loader = SourceLoader(prices: try SourceLoader.priceTable(pricesFile: prices ?? live.pricesFile(config)), options: options)
        loader.mappings = try live.mappings(config)
        let loaded = try loader.load(specs, storePath: storePath,
                                     retentionDays: try live.retentionDays(config), follow: limit, alerts: delivery)
        var text = CheckReport.render(query: loaded.rollup, statuses: loaded.statuses, loaded: loaded)
        if let delivery {
            delivery.waitForHooks()
            text += CheckReport.alerts(delivery.alertState, logPath: delivery.logPath)
        }
        print(text, terminator: "")
        try SourceLoader.failOnBrokenSource(loaded)
    }
}

extension CheckCommand {
    /// A remote engine: can it be read, and what it holds (counted by the engine; nothing is copied). Exit 1 when
    /// it cannot be read or holds no requests, as for a source whose every line was rejected.
    func checkRemote(_ remote: RemoteSource, config: ConfigValue) throws {
        let models = [[SpendCore.Dimension](), [.model]]
        let query = try remote.snapshot(config: config, groupings: models, window: .all, atMs: nil, perMinute: false)
        var status = SourceStatus(name: remote.spec.name, state: .ended)
        if let e = query?.extent, let a = e.oldestMs, let b = e.newestMs {
            status.stats.firstMs = a
            status.stats.lastMs = b
        }
        status.stats.events = query?.counters.eventsCounted ?? 0
        print(CheckReport.render(query: query ?? CellQuery(), statuses: [status]), terminator: "")
        if query == nil { throw RuntimeError("\(remote.spec.name): the table holds no requests") }
    }
}

/// The text `check` prints; a separate type so tests can read it.
enum CheckReport {
    static func render(query: SpendQuery, statuses: [SourceStatus], loaded: SourceLoader.Loaded? = nil) -> String {
        var out = ""
        if let loaded, let path = loaded.storePath {
            out += "store \(TextSanitizer.clean(path))\n"
            out += "  replayed        \(loaded.replayed) events\n"
            if let r = loaded.storeReplay { out += "  start-up        \(TextSanitizer.clean(r.text))\n" }
            if let e = loaded.storeError { out += "  error           \(TextSanitizer.clean(e))\n" }
        }
        if let p = loaded?.parallel {
            let cuts = p.cuts == 0 ? "" : " (and \(p.cuts) cut off a part still being read, for a thread that was done)"
            out += "read in parallel \(p.parts) parts\(cuts); requests an earlier part held: \(p.rereads) part"
                + (p.rereads == 1 ? "" : "s") + " read again (\(p.whole) whole, the rest their first sixteenth)\n"
        }
        for status in statuses {
            let s = status.stats
            out += "source \(TextSanitizer.clean(status.name))\n"
            out += "  state           \(describe(status.state))\n"
            if let e = status.lastError { out += "  last error      \(TextSanitizer.clean(e))\n" }
            out += "  lines read      \(s.lines)\n"
            out += "  events          \(s.events)\n"
            if s.bytes > 0 { out += "  bytes           \(s.bytes)\n" }
            if s.gpuSamples > 0 { out += "  gpu samples     \(s.gpuSamples)\n" }
            if s.duplicates > 0 { out += "  duplicates      \(s.duplicates) (same request_id, counted once)\n" }
            if s.superseded > 0 {
                out += "  superseded      \(s.superseded) (a later record of a request replaced the counted one)\n"
            }
            if !s.skipped.isEmpty {
                out += "  skipped         \(s.skipped.values.reduce(0, +))\n"
                for (reason, n) in s.skipped.sorted(by: { $0.key < $1.key }) { out += "    \(reason.rawValue): \(n)\n" }
            }
            if !s.formats.isEmpty {
                out += "  formats         " + s.formats.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
            }
            out += "  rejected        \(s.rejected)\n"
            for (reason, n) in s.rejects.sorted(by: { $0.key < $1.key }) {
                out += "    \(reason.rawValue): \(n)\n"
            }
            if let a = s.firstMs, let b = s.lastMs {
                out += "  time range      \(Timestamp.format(ms: a)) … \(Timestamp.format(ms: b))\n"
            }
        }
        let total = (try? query.rows(ViewQuery(groupBy: nil, window: .all), wallMs: wallClockMs()))?.total ?? Measures()
        let counters = query.counters
        out += "total\n"
        out += "  events          \(counters.eventsCounted)\n"
        out += String(format: "  spend           $%.6f", total.spend)
            + (query.capabilities.retentionMinutes.map { " (the last \($0 / 60) h)" } ?? "") + "\n"
        if let h = counters.dedupeHorizon, counters.dedupeForgotten > 0 {
            out += "  dedupe horizon  \(counters.dedupeForgotten) request ids forgotten: older than \(h.timeText)"
                + " and not among the newest \(h.keepLast) (a later duplicate of one counts again)\n"
        }
        let unpriced = counters.unpricedModels
        out += "  unpriced        \(counters.unpricedRequests) requests in \(unpriced.count) models\n"
        for u in unpriced { out += "    \(u.model): \(u.requests)\n" }
        return out
    }
}

extension CheckReport {
    /// What a followed `check` alerted on: incidents started, still active, and any delivery problem.
    static func alerts(_ a: AlertState, logPath: String?) -> String {
        var out = "alerts\n"
        out += "  started         \(a.started)\n"
        out += "  active          \(a.active.count)\n"
        if let logPath { out += "  log             \(TextSanitizer.clean(logPath))\n" }
        for p in a.problems { out += "  ! \(TextSanitizer.clean(p))\n" }
        return out
    }
}

/// A source state in words, as `check` and the diagnostics print it.
func describe(_ state: SourceState) -> String {
    switch state {
    case .connecting: return "connecting"
    case .live: return "live"
    case .retrying(let at):
        let s = max(0, Double(at - wallClockMs()) / 1000)
        return String(format: "retrying in %.0f s", s.rounded(.up))
    case .ended: return "ended"
    case .failed: return "failed"
    }
}
