import Foundation
import SpendCore
@testable import SpendUI

/// A fixed rollup: three features (one with wide characters), masked and alias keys, two models,
/// two GPUs, spread over ten minutes ending 2026-11-28T10:09:30Z.
enum Fixture {
    static let rawKey = "sk-proj-AAAABBBBCCCCDDDDEEEEFFFF1a2b"
    static let wall: Int64 = 4_102_444_800_000   // 2100: far from the data, so the clock is its newest event
    static let endMs: Int64 = 1_795_860_570_000  // 2026-11-28T10:09:30Z

    static func rollup() -> Rollup {
        let r = Rollup()
        for m in 0..<10 {
            let base = endMs - Int64(9 - m) * 60_000 - 30_000
            func ev(_ feature: String, _ key: String, _ model: String, _ cost: Double, _ input: Int64, cache: Int64 = 0,
                    error: Bool = false, retry: Int = 0, latency: Double = 400) -> SpendEvent {
                SpendEvent(timestampMs: base + Int64(feature.count * 100), feature: feature, apiKey: key, model: model,
                           usage: TokenUsage(input: input, output: input / 10, cacheRead: cache), costUSD: cost,
                           latencyMs: latency, isError: error, retry: retry)
            }
            r.ingest(ev("support-chat", rawKey, "claude-sonnet-4-5", 1.0, 10_000, cache: 6_000))
            r.ingest(ev("support-chat", "prod-web", "gpt-4o", 0.5, 4_000, cache: 1_000))
            r.ingest(ev("研究-検索", "prod-web", "gpt-4o", 0.2 * Double(m + 1), 2_000, error: m == 9))
            r.ingest(ev("code-review", "ci", "claude-sonnet-4-5", 2.0, 20_000, cache: 10_000, retry: m >= 8 ? 1 : 0, latency: 2500))
            for g in 0..<2 {
                r.ingest(GPUSample(timestampMs: base, node: "h100-a", gpu: "\(g)", utilPct: g == 0 ? 80 : 3, memUsedMB: 70_000,
                                   memTotalMB: 81_920, powerW: 400, queueDepth: 2))
            }
        }
        return r
    }

    static func snapshot(_ r: SpendQuery, window: TimeWindow = .minutes(5), path: [ViewQuery.Filter] = [],
                         chartMinutes: Int = 60) -> ConsoleSnapshot {
        SnapshotBuilder.build(r, window: window, path: path, chartMinutes: chartMinutes,
                              sources: [SourceStatus(name: "fixture.jsonl", state: .ended)], wallMs: wall)
    }

    static func state(width: Int, height: Int, window: TimeWindow = .minutes(5), path: [ViewQuery.Filter] = [],
                      alerts: AlertState? = nil) -> ConsoleState {
        var s = ConsoleState(width: width, height: height, window: window)
        s.path = path
        if let alerts { _ = ConsoleState.reduce(&s, .alerts(alerts)) }
        _ = ConsoleState.reduce(&s, .data(snapshot(rollup(), window: window, path: path), forced: true))
        return s
    }

    /// Alert state holding `started` (and `ended`, ended) incidents, as the ingest side would publish it.
    static func alerts(active: [AlertEvent], ended: [AlertEvent] = [], budgets: [BudgetStatus] = []) -> AlertState {
        var a = AlertState()
        a.active = active
        a.history = ended + active
        a.budgets = budgets
        a.started = active.count + ended.count
        a.judgedThroughMs = endMs + 30_000
        return a
    }
}

/// A test-only alert source: each read publishes the next state it was given (the last one stays).
final class ScriptedAlerts: AlertSource {
    var queue: [AlertState]
    private(set) var reads = 0

    init(_ queue: [AlertState]) { self.queue = queue }

    var alertState: AlertState {
        reads += 1
        return queue.count > 1 ? queue.removeFirst() : queue.first ?? AlertState()
    }
}

/// A terminal double that records frames and bells (the ncurses backend has its own tests).
final class RecordingTerminal: Terminal {
    var width: Int
    var height: Int
    var colorDepth: ColorDepth = .indexed256
    var frames: [Canvas] = []
    var bells = 0
    var inputs: [InputEvent?] = []
    var closed = false

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    func draw(_ canvas: Canvas) { frames.append(canvas) }
    func invalidate() {}
    func nextInput(timeoutMs: Int) -> InputEvent? { inputs.isEmpty ? .key(.char("q")) : inputs.removeFirst() }  // nil: nothing typed this time
    func bell() { bells += 1 }
    func close() { closed = true }
}

/// A feed over a fixed rollup.
final class FixedFeed: SpendFeed {
    let rollup: Rollup
    init(_ r: Rollup) { rollup = r }
    func read<T>(_ body: (SpendQuery) throws -> T) rethrows -> T { try body(rollup) }
    var sources: [SourceStatus] { [SourceStatus(name: "fixture.jsonl", state: .ended)] }
}

/// Compares a canvas with a stored text snapshot; `SPENDTOP_RECORD=1` rewrites the snapshot.
func assertSnapshot(_ text: String, named name: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
    let url = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("Snapshots/\(name).txt")
    if ProcessInfo.processInfo.environment["SPENDTOP_RECORD"] == "1" {
        try? text.write(to: url, atomically: true, encoding: .utf8)
        return nil
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else { return "missing snapshot \(url.path)" }
    if expected == text { return nil }
    let a = expected.split(separator: "\n", omittingEmptySubsequences: false), b = text.split(separator: "\n", omittingEmptySubsequences: false)
    for i in 0..<max(a.count, b.count) where (i < a.count ? a[i] : "") != (i < b.count ? b[i] : "") {
        return "snapshot \(name) differs at line \(i + 1):\n  expected: \(i < a.count ? a[i] : "")\n  actual:   \(i < b.count ? b[i] : "")"
    }
    return "snapshot \(name) differs"
}
