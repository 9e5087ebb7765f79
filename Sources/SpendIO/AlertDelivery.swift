import Foundation
import SpendCore

/// Alerting on the ingest side (SPEC §7): the thread that writes the rollup calls `evaluate` after each batch and on
/// idle ticks, with the rollup held; minutes are judged as they close, the result is published for readers
/// (`alertState`), and each incident's start and end go to the append-only alert log and each start to the
/// `--on-alert` command on a delivery queue, off the rollup lock. Delivery failures never stop evaluation: a log that
/// cannot be written holds its lines (bounded) and retries; every problem is published for the `!` screen.
public final class AlertDelivery: AlertSource, @unchecked Sendable {
    public struct Options: Sendable {
        /// Minutes judged per call while catching up on history, so readers get the rollup between slices.
        public var sliceMinutes: Int64 = 20
        /// How often a log that failed is tried again (opened again, held lines written).
        public var logRetrySeconds = 5.0
        /// Log lines held while the log cannot be written; older ones are dropped past this (and counted).
        public var maxHeldLines = 10_000
        public init() {}
    }

    public let engine: AlertEngine
    public let options: Options
    public let logPath: String?
    let hook: AlertHook?
    let report: @Sendable (String) -> Void

    // Caller's thread (the rollup's writer), under its lock.
    struct Session {
        var minutes: Int64 = 0
        var started: [AlertEvent] = []
        var ended: [AlertEvent] = []
    }
    var session: Session?
    var evaluatedOnce = false
    var wasLive = false
    var delivered = Set<String>()
    var startedCount = 0
    var lastRetryCheck = Date.distantPast

    // Delivery queue only.
    let queue = DispatchQueue(label: "spendtop.alert-delivery")
    let pending = DispatchGroup()
    var log: AlertLog?
    var lastOpenAttempt = Date.distantPast
    var held: [AlertRecord] = []
    var droppedLines = 0

    // Shared: the published state and the problems.
    let lock = NSLock()
    var published = AlertState()
    var problems: [(text: String, count: Int)] = []
    var needsRetry = false

    /// `logPath` nil: no alert log (the demo). The log is opened now; if that fails it is tried again later.
    public init(engine: AlertEngine, logPath: String?, hook: AlertHook?, options: Options = Options(),
                report: @escaping @Sendable (String) -> Void = { _ in }) {
        self.engine = engine
        self.options = options
        self.logPath = logPath
        self.hook = hook
        self.report = report
        if let logPath {
            lastOpenAttempt = Date()
            do { log = try AlertLog(path: logPath) } catch {
                note("\(error); alert lines are held and the log is tried again")
                needsRetry = true
            }
        }
        hook?.observe { [weak self] in self?.note($0) }
        // Until the first evaluation (the sources' backlog is being read) nothing has been judged yet: say so.
        published.catchUp = 0
    }

    public var alertState: AlertState {
        lock.lock(); defer { lock.unlock() }
        var s = published
        s.problems = problems.map { $0.count > 1 ? "\($0.text) (×\($0.count))" : $0.text }
        return s
    }

    /// A delivery problem for the `!` screen (and for stderr once the console has exited).
    public func note(_ problem: String) {
        let text = TextSanitizer.clean(problem)
        lock.lock()
        if let i = problems.firstIndex(where: { $0.text == text }) {
            problems[i].count += 1
        } else {
            problems.append((text, 1))
            if problems.count > 20 { problems.removeFirst() }
        }
        lock.unlock()
        report(text)
    }

    /// True while history is being judged slice by slice (call from the caller's thread).
    public var isCatchingUp: Bool { session != nil }

    /// Judges the minutes the rollup's clock has closed since the last call (a slice of them while catching up) and
    /// hands what started or ended to the delivery queue; call it with the rollup held. True when history is left to
    /// judge: call again soon (after letting readers in).
    @discardableResult
    public func evaluate(_ query: SpendQuery, wallMs: Int64) -> Bool {
        retryLogIfDue()
        guard let newest = query.extent.newestMs else {
            if !evaluatedOnce { evaluatedOnce = true; publish(catchUp: nil) }
            return false
        }
        // Data that was live once keeps the wall clock: a source that goes quiet still closes minutes (outages alert).
        if query.isLive(wallMs: wallMs) { wasLive = true }
        let now = wasLive ? max(wallMs, newest) : query.clockMs(wallMs: wallMs)
        let (started, remaining) = engine.advance(query, nowMs: now, maxMinutes: options.sliceMinutes)
        let spanned = engine.spannedInLastCall
        if spanned == 0 && session == nil && evaluatedOnce { return false }
        evaluatedOnce = true
        var s = session ?? Session()
        s.minutes += spanned
        s.started += started
        s.ended += engine.endedSinceLastCall
        if remaining > 0 {
            session = s
            publish(catchUp: Double(s.minutes) / Double(s.minutes + remaining))
            return true
        }
        session = nil
        finish(s)
        return false
    }

    /// Delivers a judged stretch: all of it as it happened when it was short (live), only what still holds when it
    /// was long (a start-up or a burst of history: a restart does not ring for yesterday).
    func finish(_ s: Session) {
        let quiet = s.minutes > engine.options.catchUpQuietMinutes
        let holding = Set(engine.active.map(\.identity))
        var lines: [(ms: Int64, record: AlertRecord)] = []
        var starts: [AlertEvent] = []
        for e in s.started where !quiet || holding.contains(e.identity) {
            guard delivered.insert(e.identity).inserted else { continue }
            // An incident that started and ended within the stretch is still delivered as it began.
            var start = e
            start.endedMs = nil
            starts.append(start)
            lines.append((start.startedMs, AlertRecord(start, event: "start")))
        }
        for e in s.ended where delivered.contains(e.identity) {
            lines.append((e.endedMs ?? e.startedMs, AlertRecord(e, event: "end")))
        }
        if delivered.count > 4 * engine.options.maxHistory {
            delivered.formIntersection(engine.history.map(\.identity))
        }
        startedCount += starts.count
        publish(catchUp: nil)
        guard !lines.isEmpty else { return }
        let ordered = lines.enumerated().sorted { ($0.element.ms, $0.offset) < ($1.element.ms, $1.offset) }.map(\.element.record)
        queue.async(group: pending) { [self] in
            for r in ordered { write(r) }
            for e in starts { _ = hook?.run(e) }
        }
    }

    func publish(catchUp: Double?) {
        var s = AlertState()
        s.active = engine.active
        s.history = engine.history
        s.budgets = engine.budgets
        s.started = startedCount
        s.judgedThroughMs = engine.lastMinute.map { ($0 + 1) * 60_000 }
        s.catchUp = catchUp
        lock.lock()
        published = s
        lock.unlock()
    }

    /// Waits until every line and hook handed over so far has been dealt with (hooks started, not finished).
    @discardableResult
    public func waitUntilDelivered(timeout: Double) -> Bool {
        pending.wait(timeout: .now() + timeout) == .success
    }

    /// Waits for the `--on-alert` commands still running (a headless run before it exits).
    public func waitForHooks() {
        guard let hook else { return }
        hook.waitUntilIdle(seconds: hook.timeout + 2)
    }

    // MARK: the log (delivery queue)

    func write(_ r: AlertRecord) {
        held.append(r)
        if held.count > options.maxHeldLines {
            droppedLines += held.count - options.maxHeldLines
            held.removeFirst(held.count - options.maxHeldLines)
        }
        flushHeld()
    }

    /// Writes the held lines in order; on a failure keeps the rest and says so once per kind of failure.
    func flushHeld() {
        guard !held.isEmpty, let logPath else { held = []; return }
        if log == nil {
            guard Date().timeIntervalSince(lastOpenAttempt) >= options.logRetrySeconds else {
                setRetry(true)
                return
            }
            lastOpenAttempt = Date()
            do { log = try AlertLog(path: logPath) } catch {
                note("\(error); alert lines are held and the log is tried again")
                setRetry(true)
                return
            }
        }
        let hadFailed = needsRetryValue
        var written = 0
        while let r = held.first {
            do { try log!.append(r) } catch {
                note("\(error); alert lines are held and the log is tried again")
                // Opened again on the retry: the path may point elsewhere by then (a file moved aside, a new disk).
                log = nil
                lastOpenAttempt = Date()
                setRetry(true)
                return
            }
            held.removeFirst()
            written += 1
        }
        if hadFailed {
            let lost = droppedLines > 0 ? "; \(droppedLines) older lines were dropped" : ""
            note("alert log \(logPath) writable again: \(written) held line\(written == 1 ? "" : "s") written\(lost)")
            droppedLines = 0
        }
        setRetry(false)
    }

    var needsRetryValue: Bool { lock.lock(); defer { lock.unlock() }; return needsRetry }

    func setRetry(_ v: Bool) {
        lock.lock()
        needsRetry = v
        lock.unlock()
    }

    /// From the caller's thread: held lines are tried again every `logRetrySeconds`, data or not.
    func retryLogIfDue() {
        guard Date().timeIntervalSince(lastRetryCheck) >= options.logRetrySeconds else { return }
        lastRetryCheck = Date()
        guard needsRetryValue else { return }
        queue.async(group: pending) { [self] in flushHeld() }
    }
}
