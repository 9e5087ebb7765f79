import ArgumentParser
import Foundation
import SpendCore
import SpendIO

/// The source-related options shared by the console, `check` and `export` (SPEC §2).
struct LiveOptions: ParsableArguments {
    @Argument(help: ArgumentHelp(
        "Sources: FILE or 'GLOB' (JSONL, followed like tail -F), - (stdin), http(s)://URL (SSE or NDJSON), sqlite:PATH[?table=NAME] or PATH.db, prom:URL (Prometheus scrape), nvidia-smi:- (CSV on stdin).",
        valueName: "source"))
    var sources: [String] = []

    @Option(help: "Config file (default: $XDG_CONFIG_HOME/spendtop/config.toml).")
    var config: String?

    @Option(help: ArgumentHelp("Store file for history and source positions (the console's default: $XDG_STATE_HOME/spendtop/spend.db).", valueName: "path"))
    var store: String?

    @Flag(help: "Keep everything in memory: no store is read or written.")
    var noStore = false

    @Flag(help: "Do not verify TLS certificates of https sources.")
    var insecure = false

    @Flag(help: "Wait for a SOURCE file that does not exist (or cannot be read) yet, instead of a usage error.")
    var waitForSource = false

    @Option(name: .customLong("idle-timeout"),
            help: ArgumentHelp("Reconnect a followed stream that sends nothing (no byte, comment or heartbeat) "
                                   + "for this long (default: [sources] idle_timeout, else 90s).",
                               valueName: "duration"))
    var idleTimeout: String?

    func validate() throws {
        if store != nil && noStore { throw ValidationError("--store and --no-store exclude each other") }
    }

    /// `--idle-timeout` in seconds, nil when not given; zero or unreadable is a usage error.
    func idleTimeoutSeconds() throws -> Double? {
        guard let idleTimeout else { return nil }
        guard case .success(let ms) = DurationText.milliseconds(idleTimeout, bareUnit: .seconds), ms > 0 else {
            throw UsageError("unreadable --idle-timeout '\(idleTimeout)'; use e.g. 90s")
        }
        return Double(ms) / 1000
    }

    /// The parsed SOURCE arguments; a malformed one is a usage error.
    func specs() throws -> [SourceSpec] {
        var out: [SourceSpec] = []
        var stdinUsers = 0
        for s in sources {
            do { out.append(try SourceSpec(parsing: s)) } catch { throw UsageError("\(error)") }
            if out.last == .stdin || out.last == .nvidiaSmi { stdinUsers += 1 }
        }
        if stdinUsers > 1 { throw UsageError("only one source can read stdin (- or nvidia-smi:-)") }
        if !waitForSource { for spec in out { try LiveOptions.checkOpenable(spec) } }
        return out
    }

    /// A file source that cannot be opened now (missing, a folder, not readable) is a usage error, so a
    /// typo never opens an empty console that looks healthy. Globs may match later; `--wait-for-source` waits.
    static func checkOpenable(_ spec: SourceSpec) throws {
        let path: String
        switch spec {
        case .file(let p):
            if p.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) { return }
            path = p
        case .sqlite(let p, _): path = p
        case .agentLogs(let logs) where logs.agent == .directory:
            // A folder of JSONL logs (`~/.copilot/otel`) is followed; one without any is a mistake, not an empty console.
            if logs.hasNoLogFiles {
                let shown = logs.roots.first ?? logs.name
                throw UsageError("\(shown) is a folder with no *.jsonl files in it; give its files, e.g. '\(shown)/*.jsonl'"
                                 + " (quoted, so spendtop follows new ones), or add --wait-for-source")
            }
            return
        default: return
        }
        let shown = path
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT {
                throw UsageError("no such file: \(shown) (to wait for it to appear, add --wait-for-source)")
            }
            throw UsageError("cannot open \(shown): \(String(cString: strerror(errno)).lowercased())")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw UsageError("\(shown) is a folder; give its files, e.g. '\(shown)/*.jsonl' (quoted, so spendtop follows new ones)")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let reason = errno == EACCES ? "permission denied" : String(cString: strerror(errno)).lowercased()
            throw UsageError("cannot read \(shown): \(reason) (add --wait-for-source to wait until it can be)")
        }
        close(fd)
    }

    /// `[[mapping]]` formats from config; a bad one is a usage error naming it.
    func mappings(_ config: ConfigValue) throws -> [FieldMapping] {
        do { return try FieldMapping.all(from: config) } catch { throw UsageError("\(error)") }
    }

    /// `[general] cardinality`: distinct values per dimension before `(other)`.
    func cardinality(_ config: ConfigValue) throws -> Int {
        guard let v = config.at("general.cardinality") else { return Rollup.Options().cardinality }
        guard let n = v.int, n > 0 else { throw UsageError("config [general] cardinality must be a positive whole number") }
        return Int(n)
    }

    /// `[general] dedupe_horizon` (a duration, at least a minute) and `dedupe_keep_ids`: how long request
    /// ids are remembered for dedupe (`DedupeHorizon`).
    func dedupeHorizon(_ config: ConfigValue) throws -> DedupeHorizon {
        var h = DedupeHorizon()
        do {
            let horizon = config.at("general.dedupe_horizon")
            if let seconds = try SourceConfig.duration(horizon, "[general] dedupe_horizon") {
                guard seconds >= 60 else { throw UsageError("config [general] dedupe_horizon must be at least 1m") }
                h.minutes = Int64((seconds / 60).rounded(.up))  // 90 s remembers 2 minutes, not 1
            }
        } catch let e as UsageError { throw e } catch { throw UsageError("config \(error)") }
        if let v = config.at("general.dedupe_keep_ids") {
            guard let n = v.int, n >= 0, n <= 1_000_000_000 else {
                throw UsageError("config [general] dedupe_keep_ids must be a whole number from 0 to 1000000000")
            }
            h.keepLast = Int(n)
        }
        return h
    }

    /// `[prices] file` from config, relative paths taken from the working folder.
    func pricesFile(_ config: ConfigValue) -> String? {
        config.at("prices.file")?.string.map { ($0 as NSString).expandingTildeInPath }
    }

    func loadConfig() throws -> ConfigValue {
        do { return try ConfigLoader.load(explicitPath: config) } catch { throw RuntimeError("\(error)") }
    }

    /// The store to use: `--store`, else (when `defaultOn`) `[store] path` or the default path;
    /// nil with `--no-store`. Headless commands pass `defaultOn: false`, so `check FILE` run twice
    /// reads FILE twice instead of resuming after it.
    func storePath(defaultOn: Bool, config: ConfigValue) -> String? {
        if noStore { return nil }
        if let store { return (store as NSString).expandingTildeInPath }
        guard defaultOn else { return nil }
        return SourceConfig.storePath(config) ?? ConfigLoader.stateDirectory() + "/spend.db"
    }

    /// `[store] retention` in days.
    func retentionDays(_ config: ConfigValue) throws -> Double {
        do { return try SourceConfig.retentionDays(config) } catch { throw RuntimeError("\(error)") }
    }

    /// Each source with its settings from config and flags.
    func resolved(config: ConfigValue) throws -> [(SourceSpec, SourceSettings)] {
        let idle = try idleTimeoutSeconds()
        return try specs().map { spec in
            do {
                var settings = try SourceConfig.settings(for: spec, config: config, insecure: insecure)
                if let idle { settings.idleTimeoutSeconds = idle }
                return (spec, settings)
            } catch {
                throw RuntimeError("\(error)")
            }
        }
    }

    /// The live feed for these options, not yet started: what the console calls. The rollup must
    /// intern every dimension when a store is used (`Grouping.console` does).
    func makeIngest(config: ConfigValue, rollup: Rollup, follow: Bool, storeByDefault: Bool,
                    alerts: AlertDelivery? = nil) throws -> LiveIngest {
        var o = LiveIngest.Options()
        o.follow = follow
        o.storePath = storePath(defaultOn: storeByDefault, config: config)
        o.retentionDays = try retentionDays(config)
        o.mappings = try mappings(config)
        // The console opened on a store alone saves the checkpoint its replay built, for the next start.
        o.checkpointsAfterReplay = true
        // It draws while a long replay (a changed price table, no checkpoint) reads the store, and says so.
        o.replaysInBackground = true
        let sources = try resolved(config: config)
        do { return try LiveIngest(sources: sources, rollup: rollup, options: o, alerts: alerts) } catch {
            throw RuntimeError("\(error)")
        }
    }
}

extension Rollup.Options {
    /// The console's rollup. `bench-console first-frame` builds the same, so the checkpoint it measures is the one
    /// the console would load (its shape must match).
    static func console(cardinality: Int = Rollup.Options().cardinality, dedupe: DedupeHorizon = DedupeHorizon(),
                        keepsStore: Bool) -> Rollup.Options {
        var ro = Rollup.Options()
        ro.cardinality = cardinality
        ro.dedupe = dedupe
        ro.internAllDimensions = keepsStore  // the store keeps every field of an event
        ro.compaction = CompactionTier.console
        ro.cachesWindowSums = true
        // Live data from more than an hour ahead is clock skew or a bad line: refused and counted.
        ro.maxFutureMs = 3_600_000
        ro.wallClock = { wallClockMs() }
        return ro
    }
}
