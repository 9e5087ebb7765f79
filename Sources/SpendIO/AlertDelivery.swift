import Foundation
import SpendCore

/// The alert engine as the console runs it: every incident that starts or ends goes to the
/// append-only alert log, and every start to the `--on-alert` command (SPEC §7). Delivery failures
/// are reported once through `report` and never stop evaluation.
public final class AlertDelivery: AlertEvaluating {
    public let engine: AlertEngine
    let log: AlertLog?
    let hook: AlertHook?
    let report: (String) -> Void
    var logFailed = false

    public init(engine: AlertEngine, log: AlertLog?, hook: AlertHook?, report: @escaping (String) -> Void) {
        self.engine = engine
        self.log = log
        self.hook = hook
        self.report = report
    }

    public func evaluate(_ rollup: Rollup, nowMs: Int64) -> [AlertEvent] {
        let started = engine.evaluate(rollup, nowMs: nowMs)
        for e in started {
            // An incident can start and end within one call (minutes judged in a batch): it is still
            // delivered as it began, and its end follows from `endedSinceLastCall`.
            var start = e
            start.endedMs = nil
            write(start, event: "start")
            _ = hook?.run(start)
        }
        for e in engine.endedSinceLastCall { write(e, event: "end") }
        return started
    }

    public var active: [AlertEvent] { engine.active }
    public var history: [AlertEvent] { engine.history }

    func write(_ e: AlertEvent, event: String?) {
        guard let log, !logFailed else { return }
        do { try log.append(e, event: event) } catch {
            logFailed = true
            report("\(error); alerts are no longer logged")
        }
    }
}
