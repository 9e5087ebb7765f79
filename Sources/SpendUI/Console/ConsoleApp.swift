import Foundation
import SpendCore

/// Runs the console: input, ticks and data become actions for `ConsoleState.reduce`; effects are
/// carried out here; each frame is drawn into a canvas and the terminal writes what changed.
public final class ConsoleApp {
    public struct Options {
        public var window: TimeWindow = .minutes(5)
        public var themes: [Theme] = [.builtIn]
        public var themeIndex = 0
        public var bell = true
        public var exportDirectory = "."
        /// Rotate the wallboard this often; nil runs the interactive console.
        public var wallboardRotateMs: Int64?
        /// How often the data is read again while nothing else asks for it.
        public var refreshMs: Int64 = 250
        /// One GPU-hour in USD (`[gpu] hourly_price_usd`): the GPU tile shows idle GPUs' cost per hour.
        public var gpuHourlyUSD: Double?
        /// The savings advisor's settings (`[savings]`, `[gpu]` in config); nil leaves the Savings pane empty.
        public var savings: SavingsSettings? = SavingsSettings()
        /// Shown in the header when the store holds other runs' history.
        public var storeNote: String?
        public var wallClock: () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
        public init() {}
    }

    let feed: SpendFeed
    /// What the ingest side has published about alerts; the console only reads it (and rings the bell).
    let alerts: AlertSource?
    public let terminal: Terminal
    public var options: Options
    public private(set) var state: ConsoleState
    var lastRefreshMs: Int64 = 0
    /// Snapshots are built on this queue while the run loop keeps answering keys.
    let worker = DispatchQueue(label: "spendtop.snapshot")
    let inbox = NSLock()
    var delivered: [(snapshot: ConsoleSnapshot, alerts: AlertState?, forced: Bool)] = []
    var inFlight = 0
    /// The savings advisor's findings, kept while the data is unchanged (snapshots are built on `worker` and, for
    /// an export of a view still being read, on the run loop: the cache locks).
    let savingsCache = SavingsCache()
    /// Paths of the snapshots written by `e`, newest last.
    public private(set) var exports: [String] = []

    public init(feed: SpendFeed, alerts: AlertSource?, terminal: Terminal, options: Options) {
        self.feed = feed
        self.alerts = alerts
        self.terminal = terminal
        self.options = options
        state = ConsoleState(width: terminal.width, height: terminal.height, window: options.window)
        state.themeCount = options.themes.count
        state.themeNames = options.themes.map(\.name)
        state.storeNote = options.storeNote
        state.themeIndex = min(options.themeIndex, max(0, options.themes.count - 1))
        state.bellOn = options.bell
        // Drill levels are known before the first snapshot arrives.
        state.capabilities = feed.read { $0.capabilities }
        if let r = options.wallboardRotateMs {
            state.wallboard = WallboardState(rotateMs: r)
            state.exportAllowed = false
        }
    }

    public var theme: Theme {
        let t = options.themes.isEmpty ? Theme.builtIn : options.themes[state.themeIndex % options.themes.count]
        return terminal.colorDepth == .mono ? t.monochrome : t
    }

    /// Until `q`, Ctrl-C or SIGTERM; the terminal is restored on the way out.
    public func run() {
        defer { terminal.close() }
        refresh(forced: true)
        draw()
        background = true
        defer { background = false }
        var nextTick = options.wallClock()
        while !state.quit {
            let now = options.wallClock()
            var dirty = takeDelivered()
            // While a snapshot is being built, look for it often so that a drill or a window change shows at once.
            let wait = inFlightCount > 0 ? min(10, max(0, nextTick - now)) : max(0, min(100, nextTick - now))
            if let ev = terminal.nextInput(timeoutMs: Int(wait)) {
                handle(ev)
                dirty = true
                // Take everything already typed before drawing once (key repeat, pasted filters).
                var n = 0
                while n < 256, !state.quit, let more = terminal.nextInput(timeoutMs: 0) {
                    handle(more)
                    n += 1
                }
            }
            let t = options.wallClock()
            if t >= nextTick {
                nextTick = t + 100
                dispatch(.tick(nowMs: t))
                if t - lastRefreshMs >= options.refreshMs { refresh(forced: false) }
                dirty = true
            }
            if dirty && !state.quit { draw() }
        }
    }

    public func handle(_ ev: InputEvent) {
        switch ev {
        case .key(let k): dispatch(.key(k))
        case .resize(let w, let h): dispatch(.resize(width: w, height: h))
        case .click(let x, let y): dispatch(.click(x: x, y: y))
        case .interrupt: dispatch(.key(.char("q")))
        }
    }

    public func dispatch(_ a: Action) {
        for effect in ConsoleState.reduce(&state, a) {
            switch effect {
            case .quit: break
            case .refresh: refresh(forced: true)
            case .redrawAll: terminal.invalidate()
            case .bell: terminal.bell()
            case .export(let pane): export(pane)
            }
        }
    }

    /// Minutes the chart needs for the current size and window.
    var chartMinutes: Int {
        let layout = Layout.compute(width: state.width, height: state.height)
        let plot = max(10, (layout.chart?.width ?? 0) - 11)   // border and axis labels, as ConsoleScreen.chart
        var window = 60
        if case .minutes(let m) = state.window { window = m }
        return min(1440, max(window, plot))
    }

    /// In `run`, snapshots are built off the input thread; tests and the bench build them in place.
    var background = false

    var inFlightCount: Int { inbox.lock(); defer { inbox.unlock() }; return inFlight }

    /// Hands finished snapshots to the reducer (on the run loop's thread); true when there were any.
    func takeDelivered() -> Bool {
        inbox.lock()
        let items = delivered
        delivered = []
        inbox.unlock()
        for item in items {
            // Alerts apply even while paused: the header, the alerts pane and the bell never hold.
            if let a = item.alerts { dispatch(.alerts(a)) }
            // A snapshot for a question that has changed since it was asked is dropped.
            if item.snapshot.window == state.window && item.snapshot.path == state.path {
                dispatch(.data(item.snapshot, forced: item.forced))
            }
        }
        return !items.isEmpty
    }

    /// Reads the query into a new snapshot, and the alerts the ingest side published. While paused only a
    /// changed question (`forced`) replaces the data shown; alerts still update and ring.
    public func refresh(forced: Bool) {
        lastRefreshMs = options.wallClock()
        guard background else {
            let (snap, alertState) = buildSnapshot()
            if let a = alertState { dispatch(.alerts(a)) }
            dispatch(.data(snap, forced: forced))
            return
        }
        inbox.lock()
        // One refresh in the queue is enough; a forced one still goes through.
        if inFlight > 0 && !forced { inbox.unlock(); return }
        inFlight += 1
        inbox.unlock()
        let request = snapshotRequest()
        worker.async { [self] in
            let (snap, alertState) = buildSnapshot(request)
            inbox.lock()
            delivered.append((snap, alertState, forced))
            inFlight -= 1
            inbox.unlock()
        }
    }

    struct SnapshotRequest {
        var window: TimeWindow
        var path: [ViewQuery.Filter]
        var chartMinutes: Int
        var wallMs: Int64
    }

    func snapshotRequest() -> SnapshotRequest {
        SnapshotRequest(window: state.window, path: state.path, chartMinutes: chartMinutes, wallMs: options.wallClock())
    }

    /// The last snapshot's ms under the feed's lock and ms formatting after it (for `bench-console`).
    public var lastSnapshotTimes: (lockedMs: Double, formatMs: Double) {
        inbox.lock()
        defer { inbox.unlock() }
        return snapshotTimes
    }
    private var snapshotTimes: (lockedMs: Double, formatMs: Double) = (0, 0)

    func buildSnapshot(_ request: SnapshotRequest? = nil) -> (ConsoleSnapshot, AlertState?) {
        let r = request ?? snapshotRequest()
        let wall = r.wallMs
        let sources = feed.sources
        let window = r.window, path = r.path, minutes = r.chartMinutes
        let gpuPrice = options.gpuHourlyUSD
        let savings = options.savings
        let alertState = alerts?.alertState
        // Ingest waits while the query is read; the rows become table cells after the lock is let go.
        let started = DispatchTime.now().uptimeNanoseconds
        let pending = feed.read { q in
            SnapshotBuilder.read(q, window: window, path: path, chartMinutes: minutes, sources: sources, wallMs: wall,
                                 savings: savings, savingsCache: savingsCache)
        }
        let read = DispatchTime.now().uptimeNanoseconds
        var snap = SnapshotBuilder.finish(pending)
        let times = (Double(read - started) / 1e6, Double(DispatchTime.now().uptimeNanoseconds - read) / 1e6)
        inbox.lock()
        snapshotTimes = times
        inbox.unlock()
        snap.gpuHourlyUSD = gpuPrice
        snap.storeStatus = feed.storeStatus
        return (snap, alertState)
    }

    public func renderFrame() -> Canvas { ConsoleScreen.render(state, theme: theme) }

    public func draw() { terminal.draw(renderFrame()) }

    /// Writes the focused pane exactly as shown (all rows, filter and sort applied) with the export writer.
    func export(_ pane: PaneID) {
        // The file must hold the current view: if its data is still being read, read it here first.
        if state.isStale {
            let (snap, alertState) = buildSnapshot()
            if let a = alertState { dispatch(.alerts(a)) }
            dispatch(.data(snap, forced: true))
        }
        guard let table = state.shown[pane] else { dispatch(.exportFailed("no data yet")); return }
        let name = ConsoleApp.snapshotName(pane: pane, path: state.path, window: state.window, wallMs: options.wallClock())
        let dir = options.exportDirectory.isEmpty ? "." : options.exportDirectory
        let file = (dir as NSString).appendingPathComponent(name)
        do {
            try CSVWriter.csv(table).write(toFile: file, atomically: true, encoding: .utf8)
            exports.append(file)
            dispatch(.exported(path: file, rows: table.rows.count))
        } catch {
            dispatch(.exportFailed("cannot write \(file): \(error.localizedDescription)"))
        }
    }

    /// `spendtop-keys-feature=support-chat-15m-20261128-143205.csv`: view, drill path, window, UTC time.
    public static func snapshotName(pane: PaneID, path: [ViewQuery.Filter], window: TimeWindow, wallMs: Int64) -> String {
        var parts = [pane.viewName]
        for f in path { parts.append("\(f.dimension.name)=\(f.value)") }
        parts.append(window.description)
        let t = Timestamp.format(ms: wallMs)     // 2026-11-28T14:32:05Z
        let stamp = t.prefix(19).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
            .replacingOccurrences(of: "T", with: "-")
        parts.append(stamp)
        let raw = "spendtop-" + parts.joined(separator: "-") + ".csv"
        return String(raw.unicodeScalars.map { u -> Character in
            let ok = (u.value >= 48 && u.value <= 57) || (u.value >= 65 && u.value <= 90) || (u.value >= 97 && u.value <= 122)
                || u == "-" || u == "." || u == "=" || u == "_"
            return ok ? Character(u) : "_"
        })
    }
}
