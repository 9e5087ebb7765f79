import ArgumentParser
import Foundation
import SpendCore
import SpendIO
import SpendUI

/// Hidden: the console's SPEC §11 figures for `make bench`, on a headless ncurses screen.
/// `frame`: ms per full redraw (and per data refresh) at W×H with N keys in the window.
/// `latency`: key-to-screen latency while the demo feed ingests R events/s, through the real run loop.
struct ConsoleBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-console", abstract: "Console benchmark (for make bench).",
                                                    shouldDisplay: false)

    @Argument(help: "frame or latency") var mode: String
    @Option var width = 200
    @Option var height = 60
    @Option var keys = 10_000
    @Option var frames = 50
    @Option(help: "frame: minutes the events are spread over, and the window shown (1440: the 24 h window).")
    var spanMinutes = 5
    @Option(help: "frame: events per key.") var eventsPerKey = 10
    @Option(help: """
        frame: every N refreshes one event lands a minute after the newest, so a minute rolls over as under live \
        ingest (the kept window sums are re-made); the data then ends an hour ago. 0: never.
        """)
    var minuteEvery = 0
    @Option(help: "Events per second for latency.") var rate: Double = 50_000
    @Option(help: "Key presses for latency.") var presses = 100
    @Option(help: "Latency under real live input: lines of this JSONL file are appended at --rate to a file the console follows through LiveIngest (default: the demo feed).")
    var lines: String?
    @Option(help: "first-frame: the remote engine (postgres://… or promql:…) the console opens.") var source: String?
    @Option(help: "first-frame: the store the console opens alone (read-only, as `spendtop --store PATH`).")
    var store: String?
    @Flag(help: "first-frame --store: replay in the background as the console does (the first frame holds part of the data); also reports when the replay ends.")
    var backgroundReplay = false

    func run() throws {
        switch mode {
        case "frame": try frame()
        case "latency": try latency()
        case "first-frame": try firstFrame()
        default: throw UsageError("mode is frame, latency or first-frame")
        }
    }

    static func ms(_ start: DispatchTime) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6 }

    static func percentile(_ v: [Double], _ p: Double) -> Double {
        let s = v.sorted()
        return s.isEmpty ? 0 : s[min(s.count - 1, Int((p * Double(s.count)).rounded(.up)) - 1)]
    }

    var benchOptions: Rollup.Options {
        var o = Rollup.Options()
        o.compaction = CompactionTier.console  // as the console keeps a day
        o.cachesWindowSums = true  // and keeps sums of settled minutes between refreshes
        return o
    }

    /// A rollup the bench can add events to between refreshes, behind the lock the console reads through.
    final class RollupFeed: SpendFeed {
        let rollup: Rollup
        let lock = NSLock()
        let sources: [SourceStatus] = []

        init(rollup: Rollup) { self.rollup = rollup }

        func read<T>(_ body: (SpendQuery) throws -> T) rethrows -> T {
            lock.lock()
            defer { lock.unlock() }
            return try body(rollup)
        }

        func ingest(_ e: SpendEvent) {
            lock.lock()
            defer { lock.unlock() }
            rollup.ingest(e)
        }
    }

    /// The bench's events as a JSONL file (removed by the caller), ending `endAgoMs` before now: `keys` distinct
    /// keys, `eventsPerKey` events each, spread over `spanMinutes`.
    func benchData(endAgoMs: Int64 = 0) throws -> String {
        let now = wallClockMs() - endAgoMs
        let features = ["support-chat", "rag-search", "code-review", "agent-planner", "search-rerank", "doc-summarize", "sql-assist", "email-draft"]
        let models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "claude-haiku-4-5", "gemini-2.0-flash", "gpt-4.1"]
        var text = ""
        text.reserveCapacity(keys * eventsPerKey * 200)
        let span = Int64(spanMinutes) * 60_000
        for i in 0..<(keys * eventsPerKey) {
            let ts = now - Int64(i) * 7_919 % span
            let k = i % keys
            text += #"{"ts":\#(ts),"request_id":"b\#(i)","feature":"\#(features[i % 8])","api_key":"sk-bench-\#(String(format: "%024d", k))","model":"\#(models[(i / 7) % 6])","input_tokens":\#(1000 + i % 5000),"output_tokens":\#(100 + i % 700),"cache_read_tokens":\#(i % 900),"latency_ms":\#(200 + i % 3000)}"#
            text += "\n"
        }
        let path = NSTemporaryDirectory() + "spendtop-bench-console-\(getpid()).jsonl"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// The console on a remote engine: ms from start to the first frame holding data (the newest minutes, read
    /// first), and to the frame once the whole 24 h window has been read back, with the peak RSS.
    func firstFrame() throws {
        if let store { return try storeFirstFrame(store) }
        let t0 = DispatchTime.now()
        guard let source else { throw UsageError("first-frame needs --source postgres://… or promql:…") }
        let spec = try SourceSpec(parsing: source)
        guard RemoteEngine.isRemote(spec) else { throw UsageError("first-frame measures a remote engine") }
        let config = try ConfigLoader.load(explicitPath: nil)
        let poller = try RemoteEngine.poller(spec, source: try SourceConfig.settings(for: spec, config: config, insecure: false),
                                             config: config)
        let feed = RemoteFeed(poller: poller, retentionMinutes: 24 * 60)
        feed.start()
        defer { feed.stop() }
        let terminal = try CursesTerminal.headless(width: width, height: height)
        let app = ConsoleApp(feed: feed, alerts: nil, terminal: terminal, options: ConsoleApp.Options())
        func waitAndDraw(_ ready: () -> Bool) throws -> Double {
            while !ready() {
                if case .failed = poller.status.state { throw RuntimeError(poller.status.lastError ?? "the source failed") }
                if Self.ms(t0) > 600_000 { throw RuntimeError("no data after 10 minutes") }
                usleep(2_000)
            }
            app.refresh(forced: true)
            terminal.draw(app.renderFrame())
            return Self.ms(t0)
        }
        let first = try waitAndDraw { feed.read { $0.extent.newestMs != nil } }
        let whole = try waitAndDraw { poller.isWindowRead }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print(String(format: "{\"first_frame_ms\": %.1f, \"window_read_ms\": %.1f, \"peak_rss_mb\": %.1f}",
                     first, whole, Double(usage.ru_maxrss) / 1024))
    }

    /// The console on a store alone, as `spendtop --store PATH` opens it: the rollup the console builds, the
    /// store replayed (from its checkpoint when it has one) in `LiveIngest`'s start, then the first frame.
    func storeFirstFrame(_ path: String) throws {
        let t0 = DispatchTime.now()
        let rollup = Rollup(options: .console(keepsStore: true))
        var o = LiveIngest.Options()
        o.storePath = path
        o.retentionDays = 3650  // the bench's data are not today's
        o.checkpointsAfterReplay = true
        o.replaysInBackground = backgroundReplay
        let ingest = try LiveIngest(sources: [], rollup: rollup, options: o)
        ingest.start()
        let terminal = try CursesTerminal.headless(width: width, height: height)
        let app = ConsoleApp(feed: ingest, alerts: nil, terminal: terminal, options: ConsoleApp.Options())
        // In the background, the first frame with data comes once the replay's first page (or checkpoint) is in.
        while backgroundReplay && ingest.read({ $0.counters.eventsCounted }) == 0 && ingest.replayedEvents == 0 {
            usleep(500)
        }
        app.refresh(forced: true)
        terminal.draw(app.renderFrame())
        let first = Self.ms(t0)
        let shownEvents = ingest.read { $0.counters.eventsCounted }
        var replayDone = first
        if backgroundReplay {
            _ = ingest.waitUntilIdle(timeout: 3_600)
            replayDone = Self.ms(t0)
        }
        let events = ingest.read { $0.counters.eventsCounted }
        let stopping = DispatchTime.now()
        ingest.stop()  // waits for the checkpoint a full replay saves
        let stopMs = Self.ms(stopping)
        terminal.close()
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let r = ingest.storeReplay ?? StoreReplaySummary()
        let out: [String: Any] = [
            "first_frame_ms": (first * 10).rounded() / 10, "events": events,
            "checkpoint_minutes": r.checkpointMinutes, "events_after_checkpoint": r.eventsAfterCheckpoint,
            "full_replay_reason": r.fullReplayReason ?? "", "peak_rss_mb": Double(usage.ru_maxrss / 1024),
            "stop_ms": (stopMs * 10).rounded() / 10,
            "first_frame_events": shownEvents, "replay_done_ms": (replayDone * 10).rounded() / 10,
        ]
        let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    func frame() throws {
        let path = try benchData(endAgoMs: minuteEvery > 0 ? 3_600_000 : 0)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let feed: SpendFeed
        var live: RollupFeed?
        if minuteEvery > 0 {
            let rollup = Rollup(options: benchOptions)
            try FileInput.readAll(path, into: EventPipeline(rollup: rollup))
            live = RollupFeed(rollup: rollup)
            feed = live!
        } else {
            feed = try FileFeed(paths: [path], options: benchOptions)
        }
        let terminal = try CursesTerminal.headless(width: width, height: height)
        var o = ConsoleApp.Options()
        o.window = .minutes(spanMinutes)
        let app = ConsoleApp(feed: feed, alerts: nil, terminal: terminal, options: o)
        app.refresh(forced: true)
        app.dispatch(.key(.tab))   // focus the keys pane: the 10k-row table
        var refresh: [Double] = [], full: [Double] = [], render: [Double] = [], incremental: [Double] = []
        var locked: [Double] = []
        var rolled: [Double] = []  // refreshes just after a minute rolled over
        for i in 0..<frames {
            let rolls = minuteEvery > 0 && i > 0 && i % minuteEvery == 0
            if rolls, let live {
                let newest = live.read { $0.extent.newestMs ?? 0 }
                live.ingest(SpendEvent(timestampMs: newest + 60_000, feature: "support-chat",
                                       apiKey: "sk-bench-\(String(format: "%024d", i % keys))", model: "gpt-4o",
                                       usage: TokenUsage(input: 1000, output: 100), latencyMs: 500))
            }
            var t = DispatchTime.now()
            app.refresh(forced: true)
            refresh.append(Self.ms(t))
            if rolls { rolled.append(refresh.last!) }
            locked.append(app.lastSnapshotTimes.lockedMs)
            t = DispatchTime.now()
            let canvas = app.renderFrame()
            render.append(Self.ms(t))
            terminal.invalidate()
            t = DispatchTime.now()
            terminal.draw(canvas)
            full.append(Self.ms(t) + render.last!)
            app.dispatch(.key(i % 2 == 0 ? .down : .up))
            t = DispatchTime.now()
            app.draw()
            incremental.append(Self.ms(t))
        }
        let rows = app.state.shown[.table(.apiKey)]?.rows.count ?? 0
        terminal.close()
        var out: [String: Any] = [
            "width": width, "height": height, "keys_in_window": rows, "frames": frames, "span_minutes": spanMinutes,
            "events": keys * eventsPerKey,
            "full_redraw_ms_p50": Self.percentile(full, 0.5), "full_redraw_ms_p95": Self.percentile(full, 0.95),
            "render_ms_p50": Self.percentile(render, 0.5),
            "key_frame_ms_p50": Self.percentile(incremental, 0.5), "key_frame_ms_p95": Self.percentile(incremental, 0.95),
            "refresh_ms_p50": Self.percentile(refresh, 0.5), "refresh_ms_p95": Self.percentile(refresh, 0.95),
            "refresh_locked_ms_p50": Self.percentile(locked, 0.5), "refresh_locked_ms_p95": Self.percentile(locked, 0.95),
        ]
        if minuteEvery > 0 {
            out["minute_every"] = minuteEvery
            out["minute_rolled_refresh_ms_p50"] = Self.percentile(rolled, 0.5)
            out["minute_rolled_refresh_ms_max"] = rolled.max() ?? 0
        }
        print(String(data: try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]), encoding: .utf8)!)
    }

    func latency() throws {
        if let lines { return try latencyLive(linesPath: lines) }
        var o = DemoTraffic.Options()
        o.eventsPerSecond = rate
        o.keys = keys
        let traffic = DemoTraffic(startMs: wallClockMs(), options: o)
        let feed = DemoFeed(traffic: traffic, speed: 1, historyMinutes: 2)
        feed.start()
        defer { feed.stop() }
        try timeKeyPresses(feed: feed, input: "demo feed")
    }

    /// Runs the real console loop on `feed` with scripted key presses on a headless screen, and
    /// prints the latency report with the ingest rate seen meanwhile.
    /// With `inputEnd`, the ingest rate is taken up to the moment the input ran out (the events counted then, over
    /// the time since the run began) when that came before the run's end: after it there is nothing to ingest, and
    /// counting those seconds would report the writer's shortage as the ingest's.
    func timeKeyPresses(feed: SpendFeed, input: String, inputEnd: InputEnd? = nil) throws {
        let curses = try CursesTerminal.headless(width: width, height: height)
        let terminal = ScriptedTerminal(curses, presses: presses)
        var opts = ConsoleApp.Options()
        opts.window = .minutes(5)
        let app = ConsoleApp(feed: feed, alerts: nil, terminal: terminal, options: opts)
        let before = feed.read { $0.counters.eventsCounted }
        let started = DispatchTime.now()
        app.run()
        var seconds = Self.ms(started) / 1000
        var after = feed.read { $0.counters.eventsCounted }
        var exhausted: Double?
        if let end = inputEnd?.reached, end.atNs > started.uptimeNanoseconds {
            let at = Double(end.atNs - started.uptimeNanoseconds) / 1e9
            if at < seconds { (seconds, after, exhausted) = (at, end.counted, at) }
        }
        try Self.printLatency(app: app, terminal: terminal, width: width, height: height, rate: rate,
                              ingestedPerSecond: Double(after - before) / seconds, input: input,
                              inputExhaustedAfter: exhausted)
    }

    /// When a writer's input ran out, and how many events were counted by then.
    final class InputEnd: @unchecked Sendable {
        private let lock = NSLock()
        private var end: (counted: Int64, atNs: UInt64)?
        /// Called once by the writer after its last line was read: the events counted then, and when.
        func ranOut(counted: Int64, atNs ns: UInt64) {
            lock.lock(); end = (counted, ns); lock.unlock()
        }
        var reached: (counted: Int64, atNs: UInt64)? { lock.lock(); defer { lock.unlock() }; return end }
    }
}

extension ConsoleBenchCommand {
    /// A writer thread appends real event lines at `rate` to a file; the console follows it with
    /// `LiveIngest` (no store) while key presses are timed, as in production.
    func latencyLive(linesPath: String) throws {
        guard let fh = FileHandle(forReadingAtPath: linesPath) else { throw RuntimeError("cannot read \(linesPath)") }
        let needed = Int(rate * (Double(presses) * 0.08 + 3)) * 400
        var blob = [UInt8](fh.readData(ofLength: min(needed, 512 << 20)))
        fh.closeFile()
        while let last = blob.last, last != 10 { blob.removeLast() }
        var ends: [Int] = []
        for (i, b) in blob.enumerated() where b == 10 { ends.append(i + 1) }
        guard ends.count > 1000 else { throw RuntimeError("\(linesPath) holds too few lines") }
        let path = NSTemporaryDirectory() + "spendtop-bench-live-\(getpid()).jsonl"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rollup = Rollup(options: Rollup.Options())
        var o = LiveIngest.Options()
        o.follow = true
        let ingest = try LiveIngest(sources: [(.file(path), SourceSettings())], rollup: rollup, options: o)
        ingest.start()
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let stop = StopFlagBox()
        let rate = self.rate
        // The writer thread gets its own copies: the lines are fixed before it starts.
        let lineEnds = ends, bytes = blob
        let inputEnd = InputEnd()
        let writer = Thread {
            // Appends in 10 ms slices, each with the lines due by then.
            let start = DispatchTime.now().uptimeNanoseconds
            var written = 0
            while !stop.isSet && written < lineEnds.count {
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                let due = min(lineEnds.count, Int(elapsed * rate))
                if due > written {
                    let from = written == 0 ? 0 : lineEnds[written - 1]
                    bytes.withUnsafeBytes { out.write(Data($0[from..<lineEnds[due - 1]])) }
                    written = due
                }
                usleep(10_000)
            }
            if written == lineEnds.count {
                // The input's end is when the ingest had read it all: the last time its count moved (a line it does
                // not count, a duplicate say, must not hold the clock), once it has stood still for 100 ms.
                var counted = ingest.read { $0.counters.eventsCounted }, movedAt = DispatchTime.now().uptimeNanoseconds
                while !stop.isSet && counted < Int64(lineEnds.count)
                        && DispatchTime.now().uptimeNanoseconds - movedAt < 100_000_000 {
                    usleep(1_000)
                    let now = ingest.read { $0.counters.eventsCounted }
                    if now != counted { (counted, movedAt) = (now, DispatchTime.now().uptimeNanoseconds) }
                }
                inputEnd.ranOut(counted: counted, atNs: movedAt)
            }
        }
        writer.start()
        defer {
            stop.set()
            ingest.stop()
            try? out.close()
        }
        try timeKeyPresses(feed: ingest, input: "live file", inputEnd: inputEnd)
    }
}

extension ConsoleBenchCommand {
    /// One JSON line with the latency figures, for scripts/bench.py.
    static func printLatency(app: ConsoleApp, terminal: ScriptedTerminal, width: Int, height: Int, rate: Double,
                             ingestedPerSecond: Double, input: String, inputExhaustedAfter: Double? = nil) throws {
        let lat = terminal.latencies
        var out: [String: Any] = [
            "width": width, "height": height, "target_events_per_s": rate, "presses": lat.count, "input": input,
            "ingested_events_per_s": ingestedPerSecond,
            "latency_ms_p50": percentile(lat, 0.5), "latency_ms_p95": percentile(lat, 0.95),
            "latency_ms_max": lat.max() ?? 0, "keys_in_window": app.state.shown[.table(.apiKey)]?.rows.count ?? 0,
        ]
        // Seconds into the run when the writer's lines ran out (the rate above stops there); absent: they lasted.
        if let s = inputExhaustedAfter { out["input_exhausted_after_s"] = s }
        print(String(data: try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]), encoding: .utf8)!)
    }
}

/// A flag a writer thread polls.
final class StopFlagBox: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return flag }
    func set() { lock.lock(); flag = true; lock.unlock() }
}

/// Feeds key presses at random moments to the real run loop and measures how long each takes to
/// reach the screen (the end of the draw that follows it).
final class ScriptedTerminal: Terminal {
    let inner: CursesTerminal
    var pending: [(key: Key, atNs: UInt64)] = []
    var waiting: [UInt64] = []
    var latencies: [Double] = []
    var remaining: Int
    var rng = SystemRandomNumberGenerator()
    var nextAt: UInt64

    init(_ inner: CursesTerminal, presses: Int) {
        self.inner = inner
        remaining = presses
        nextAt = DispatchTime.now().uptimeNanoseconds + 500_000_000
    }

    var width: Int { inner.width }
    var height: Int { inner.height }
    var colorDepth: ColorDepth { inner.colorDepth }
    func invalidate() { inner.invalidate() }
    func bell() {}
    func close() { inner.close() }

    func draw(_ canvas: Canvas) {
        inner.draw(canvas)
        let now = DispatchTime.now().uptimeNanoseconds
        for t in waiting { latencies.append(Double(now - t) / 1e6) }
        waiting.removeAll()
    }

    func nextInput(timeoutMs: Int) -> InputEvent? {
        if remaining <= 0 && waiting.isEmpty { return .key(.char("q")) }
        let now = DispatchTime.now().uptimeNanoseconds
        let deadline = now + UInt64(timeoutMs) * 1_000_000
        if remaining > 0 && nextAt <= deadline {
            if nextAt > now { usleep(UInt32((nextAt - now) / 1000)) }
            remaining -= 1
            // Measure from when the key was due, so time spent elsewhere in the loop counts.
            waiting.append(nextAt)
            nextAt = nextAt + UInt64.random(in: 20_000_000...120_000_000, using: &rng)
            return .key(remaining % 2 == 0 ? .down : .up)
        }
        if timeoutMs > 0 { usleep(UInt32(timeoutMs) * 1000) }
        return nil
    }
}
