import Foundation
import SpendCore
import SpendIO

/// Reads sources headless into one rollup through `LiveIngest`: to their current end (files to
/// EOF, SQLite to the last row, an HTTP stream until it ends or idles, a scrape once), or, with
/// `follow`, until a count or a time limit is reached.
struct SourceLoader {
    var prices: PriceTable
    var options: Rollup.Options
    /// Formats described in config (`[[mapping]]`).
    var mappings: [FieldMapping] = []

    static func priceTable(pricesFile: String?) throws -> PriceTable {
        guard let path = pricesFile else { return .bundled }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RuntimeError("cannot read prices file \(path)")
        }
        do {
            return PriceTable.bundled.merging(try PriceTable.litellmJSON(data))
        } catch {
            throw RuntimeError("prices file \(path): \(error)")
        }
    }

    /// When a followed read stops.
    struct FollowLimit {
        var events: Int64?
        var seconds: Double?
    }

    struct Loaded {
        var rollup: Rollup
        var statuses: [SourceStatus]
        var replayed: Int
        var storePath: String?
        var storeError: String?
        var storeReplay: StoreReplaySummary?
        /// Set when the files were read in parts on several threads (`ParallelFileRead`).
        var parallel: (parts: Int, cuts: Int, rereads: Int, whole: Int)?
        var stats: [(String, SourceStatus)] { statuses.map { ($0.name, $0) } }
        var sourceStats: [(String, SourceStats)] { statuses.map { ($0.name, $0.stats) } }
        var failures: [SourceStatus] { statuses.filter { $0.state == .failed } }
    }

    /// Plain JSONL files and stdin, no store: what `demo` reads.
    func load(_ sources: [String]) throws -> (Rollup, [(String, SourceStats)]) {
        let specs = try sources.map { s -> (SourceSpec, SourceSettings) in
            do { return (try SourceSpec(parsing: s), SourceSettings()) } catch { throw UsageError("\(error)") }
        }
        let loaded = try load(specs, storePath: nil, retentionDays: 7, follow: nil)
        try SourceLoader.failOnBrokenSource(loaded)
        return (loaded.rollup, loaded.sourceStats)
    }

    func load(_ specs: [(SourceSpec, SourceSettings)], storePath: String?, retentionDays: Double,
              follow: FollowLimit?, alerts: AlertDelivery? = nil) throws -> Loaded {
        if follow == nil, storePath == nil, alerts == nil, let loaded = loadInParallel(specs) { return loaded }
        var ro = options
        ro.internAllDimensions = storePath != nil
        let rollup = Rollup(options: ro, prices: prices)
        var o = LiveIngest.Options()
        o.follow = follow != nil
        o.storePath = storePath
        o.retentionDays = retentionDays
        o.mappings = mappings
        let ingest: LiveIngest
        do { ingest = try LiveIngest(sources: specs, rollup: rollup, options: o, alerts: alerts) } catch { throw RuntimeError("\(error)") }
        ingest.start()
        if let follow {
            let stop = StopSignal.install()
            let deadline = follow.seconds.map { Date(timeIntervalSinceNow: $0) }
            while !stop.raised {
                if let d = deadline, Date() >= d { break }
                if let n = follow.events, ingest.read({ $0.counters.eventsCounted }) >= n { break }
                if ingest.sources.allSatisfy({ $0.state == .ended || $0.state == .failed }) && ingest.waitUntilIdle(timeout: 0.01) { break }
                usleep(20_000)
            }
        } else {
            while !ingest.waitUntilIdle(timeout: 3600) {}
        }
        ingest.stop()
        return Loaded(rollup: rollup, statuses: ingest.sources, replayed: ingest.replayedEvents,
                      storePath: ingest.storePath, storeError: ingest.storeError, storeReplay: ingest.storeReplay)
    }

    /// Plain files read to their end on every core, or as one part (`ParallelFileRead`); nil for anything else,
    /// or input that would not merge exactly, which the sequential read below then takes.
    func loadInParallel(_ specs: [(SourceSpec, SourceSettings)]) -> Loaded? {
        var paths: [String] = []
        for (spec, _) in specs {
            guard case .file(let p) = spec, !p.contains(where: { "*?[".contains($0) }) else { return nil }
            paths.append(p)
        }
        guard !paths.isEmpty,
              let r = ParallelFileRead.read(paths: paths, options: options, prices: prices, mappings: mappings,
                                            maxLineBytes: specs.map(\.1.maxLineBytes))
        else { return nil }
        let statuses = zip(specs, r.stats).map { SourceStatus(name: $0.0.0.name, state: .ended, stats: $0.1) }
        return Loaded(rollup: r.rollup, statuses: statuses, replayed: 0, storePath: nil, storeError: nil,
                      parallel: r.parts + r.cutParts > 1
                        ? (r.parts, r.cutParts, r.rereadParts, r.rereadWholeParts) : nil)
    }

    /// A source that could not be read at all fails the command (after `check` printed its report).
    static func failOnBrokenSource(_ loaded: Loaded) throws {
        if let f = loaded.failures.first {
            throw RuntimeError("cannot read \(f.name): \(f.lastError ?? "unknown error")")
        }
        // Lines but not one valid event: the wrong file or the wrong format, not an empty result.
        for status in loaded.statuses {
            let s = status.stats
            guard s.rejected > 0, s.events + s.gpuSamples + s.duplicates + s.expired == 0 else { continue }
            let reasons = s.rejects.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
            let lines = max(s.lines, s.rejected)
            throw RuntimeError("\(status.name): \(lines) line\(lines == 1 ? "" : "s"), none valid (\(reasons)); spendtop reads "
                               + "JSON lines: its own schema, LiteLLM, OpenAI, Anthropic, OpenTelemetry, or a [[mapping]] in config")
        }
    }
}

/// SIGINT/SIGTERM end a followed headless read cleanly (the store is committed on the way out);
/// a second one exits at once.
final class StopSignal {
    private static var shared: StopSignal?
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var flag = false

    var raised: Bool { lock.lock(); defer { lock.unlock() }; return flag }

    static func install() -> StopSignal {
        if let s = shared { return s }
        let s = StopSignal()
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            src.setEventHandler { [weak s] in
                guard let s else { return }
                s.lock.lock()
                let again = s.flag
                s.flag = true
                s.lock.unlock()
                // A second Ctrl-C does not wait for the store to be committed.
                if again { exit(130) }
            }
            src.resume()
            s.sources.append(src)
        }
        shared = s
        return s
    }
}

/// `--at` accepts RFC 3339 or an epoch number.
func parseTime(_ text: String) -> Int64? {
    if let ms = Timestamp.parseRFC3339(text) { return ms }
    if let v = Double(text) { return Timestamp.epochToMs(v) }
    return nil
}

func wallClockMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
