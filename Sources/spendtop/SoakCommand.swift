import ArgumentParser
import Foundation
import SpendCore
import SpendIO
import SpendUI

/// Hidden: the console's run loop on a headless ncurses screen over real sources for a long time
/// (`make soak`, scripts/soak.py): RSS sampled every few seconds, every loop iteration timed, and the
/// counts at the end written as JSON for the script to compare with what it wrote.
struct SoakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "soak-console",
                                                    abstract: "Console soak (for make soak).",
                                                    shouldDisplay: false)

    @Argument var sources: [String]
    @Option(help: "Run this long, then quit and report.") var seconds: Double = 1800
    @Option(help: "Stop early once this many events are counted (the writer is done).") var untilEvents: Int64?
    @Option var width = 200
    @Option var height = 60
    @Option(help: "Where the JSON report goes.") var report: String
    @Option var store: String?

    func run() throws {
        var specs: [(SourceSpec, SourceSettings)] = []
        for s in sources {
            var settings = SourceSettings()
            settings.backoffCapSeconds = 2
            specs.append((try SourceSpec(parsing: s), settings))
        }
        var ro = Rollup.Options()
        ro.internAllDimensions = store != nil
        ro.maxFutureMs = 3_600_000
        ro.wallClock = { wallClockMs() }
        let rollup = Rollup(options: ro)
        var o = LiveIngest.Options()
        o.storePath = store
        let ingest = try LiveIngest(sources: specs, rollup: rollup, options: o)
        ingest.start()

        let started = Date()
        let samples = RSSSamples()
        let sampler = Thread {
            while !samples.done {
                samples.add(seconds: Date().timeIntervalSince(started), mb: SoakCommand.rssMB())
                usleep(5_000_000)
            }
        }
        sampler.start()
        let terminal = try TimedTerminal(inner: CursesTerminal.headless(width: width, height: height)) {
            if Date().timeIntervalSince(started) >= seconds { return true }
            if let n = untilEvents, ingest.read({ $0.counters.eventsCounted }) >= n { return true }
            return false
        }
        var options = ConsoleApp.Options()
        options.exportDirectory = NSTemporaryDirectory()
        ConsoleApp(feed: ingest, alerts: nil, terminal: terminal, options: options).run()
        samples.done = true
        ingest.stop()

        let total = try rollup.rows(ViewQuery(groupBy: nil, window: .all), wallMs: wallClockMs()).total
        let loops = terminal.loopMs.sorted()
        let out: [String: Any] = [
            "seconds": Date().timeIntervalSince(started),
            "events": rollup.eventsCounted,
            "spend": total.spend,
            "duplicates": ingest.sources.reduce(0) { $0 + $1.stats.duplicates },
            "rejected": ingest.sources.reduce(0) { $0 + $1.stats.rejected },
            "sources": ingest.sources.map {
                ["name": $0.name, "events": $0.stats.events, "state": "\($0.state)"] as [String: Any]
            },
            "frames": terminal.draws,
            "max_draw_ms": terminal.drawMs.max() ?? 0,
            "max_loop_ms": loops.last ?? 0,
            "p99_loop_ms": loops.isEmpty ? 0 : loops[min(loops.count - 1, Int(Double(loops.count) * 0.99))],
            "loops_over_50ms": loops.filter { $0 > 50 }.count,
            "rss": samples.all.map { [$0.0, $0.1] },
        ]
        let data = try JSONSerialization.data(withJSONObject: out, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: report))
    }

    static func rssMB() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let pages = s.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }
}

final class RSSSamples: @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [(Double, Double)] = []
    private var finished = false
    var done: Bool {
        get { lock.lock(); defer { lock.unlock() }; return finished }
        set { lock.lock(); finished = newValue; lock.unlock() }
    }
    func add(seconds: Double, mb: Double) { lock.lock(); samples.append((seconds, mb)); lock.unlock() }
    var all: [(Double, Double)] { lock.lock(); defer { lock.unlock() }; return samples }
}

/// Times every draw and every run-loop iteration (from one input poll returning to the next poll),
/// which is what a key press waits behind; says `q` when `quit` holds.
final class TimedTerminal: Terminal {
    let inner: CursesTerminal
    let quit: () -> Bool
    var drawMs: [Double] = []
    var loopMs: [Double] = []
    var draws = 0
    var lastReturn: DispatchTime?

    init(inner: CursesTerminal, quit: @escaping () -> Bool) {
        self.inner = inner
        self.quit = quit
    }

    var width: Int { inner.width }
    var height: Int { inner.height }
    var colorDepth: ColorDepth { inner.colorDepth }
    func invalidate() { inner.invalidate() }
    func bell() {}
    func close() { inner.close() }

    func draw(_ canvas: Canvas) {
        let t = DispatchTime.now()
        inner.draw(canvas)
        draws += 1
        drawMs.append(ConsoleBenchCommand.ms(t))
    }

    func nextInput(timeoutMs: Int) -> InputEvent? {
        if let r = lastReturn { loopMs.append(ConsoleBenchCommand.ms(r)) }
        defer { lastReturn = .now() }
        if quit() { return .key(.char("q")) }
        usleep(useconds_t(max(0, min(timeoutMs, 100)) * 1000))
        return nil
    }
}
