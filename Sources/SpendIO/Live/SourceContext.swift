import Foundation
import SpendCore

/// What a source thread may do: hand batches to the ingest, report its state, read its saved
/// position, and sleep in a way that `stop()` interrupts.
final class SourceContext {
    let index: Int
    let name: String
    /// Follow for new data (console) or read to the current end and stop (check, export).
    let follow: Bool
    let settings: SourceSettings
    let queue: BoundedQueue<SourceBatch>
    let savedPositions: [String: String]
    private let stop: StopFlag
    private let report: (Int, SourceState?, String??, Bool?) -> Void
    let pushed: () -> Void
    private let liveMeansCaughtUp: Bool
    private let caughtUp: (Int) -> Void
    private var saidCaughtUp = false

    init(index: Int, name: String, follow: Bool, settings: SourceSettings, queue: BoundedQueue<SourceBatch>,
         savedPositions: [String: String], stop: StopFlag,
         report: @escaping (Int, SourceState?, String??, Bool?) -> Void, pushed: @escaping () -> Void,
         liveMeansCaughtUp: Bool = true, caughtUp: @escaping (Int) -> Void = { _ in }) {
        self.liveMeansCaughtUp = liveMeansCaughtUp
        self.caughtUp = caughtUp
        self.index = index
        self.name = name
        self.follow = follow
        self.settings = settings
        self.queue = queue
        self.savedPositions = savedPositions
        self.stop = stop
        self.report = report
        self.pushed = pushed
    }

    var isStopping: Bool { stop.isSet }

    /// Blocks while the queue is full; false once the ingest is stopping.
    @discardableResult
    func emit(_ payload: SourceBatch.Payload, stream: String = "", position: String? = nil, forget: Bool = false) -> Bool {
        let batch = SourceBatch(source: index, stream: stream, payload: payload, position: position, forget: forget)
        pushed()
        return queue.push(batch, cost: batch.cost)
    }

    func setState(_ state: SourceState) {
        report(index, state, nil, nil)
        switch state {
        case .connecting: break
        case .live: if liveMeansCaughtUp { markCaughtUp() }
        case .retrying, .ended, .failed: markCaughtUp()
        }
    }

    /// The source has read what it already had (its backlog): alerts may now judge the history in one go.
    func markCaughtUp() {
        guard !saidCaughtUp else { return }
        saidCaughtUp = true
        caughtUp(index)
    }

    /// Sets (or with nil clears) the last error; it is sanitised before anyone sees it.
    func setError(_ message: String?) { report(index, nil, .some(message.map { TextSanitizer.clean($0) }), nil) }

    /// Marks the source stalled (connected but silent past the idle timeout) until data flows again.
    func setStalled(_ stalled: Bool) { report(index, nil, nil, stalled) }

    /// Marks the source stalled and says why in one update, so no reader sees a stall without its reason.
    func setStalled(reason: String) { report(index, nil, .some(TextSanitizer.clean(reason)), true) }

    /// Sleeps up to `seconds`; false when woken by `stop()`. A source sleeps when it has nothing more to read
    /// for now, so the first sleep also says its backlog is read.
    func sleep(_ seconds: Double) -> Bool {
        markCaughtUp()
        return stop.sleep(seconds)
    }
}
