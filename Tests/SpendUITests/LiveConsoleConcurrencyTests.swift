import Foundation
import XCTest
import SpendCore
@testable import SpendIO
@testable import SpendUI

/// The console's run loop (snapshots built on its worker queue) over a real `LiveIngest` whose file
/// is appended by another thread while a store is written: the concurrency `make tsan` checks
/// (issue 13 point 10). It ends on events, not on time: once every line is counted and drawn.
final class LiveConsoleConcurrencyTests: XCTestCase {
    /// Answers "nothing typed" (waiting up to 5 ms, as a terminal would) until `quitWhen` holds.
    final class PacedTerminal: Terminal, @unchecked Sendable {
        var width = 140, height = 40
        var colorDepth: ColorDepth = .indexed256
        let lock = NSLock()
        var frames: [Canvas] = []
        var quitWhen: () -> Bool = { true }
        func draw(_ canvas: Canvas) { lock.lock(); frames.append(canvas); if frames.count > 4 { frames.removeFirst() }; lock.unlock() }
        func invalidate() {}
        func nextInput(timeoutMs: Int) -> InputEvent? {
            if quitWhen() { return .key(.char("q")) }
            usleep(useconds_t(min(max(timeoutMs, 0), 5) * 1000))
            return nil
        }
        func bell() {}
        func close() {}
        var last: String { lock.lock(); defer { lock.unlock() }; return frames.last?.text ?? "" }
    }

    func testConsoleReadsWhileTheIngestWritesRollupAndStore() throws {
        let dir = NSTemporaryDirectory() + "spendtop-race-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/live.jsonl"
        FileManager.default.createFile(atPath: file, contents: nil)
        var ro = Rollup.Options()
        ro.internAllDimensions = true
        ro.wallClock = { Int64(Date().timeIntervalSince1970 * 1000) }
        let rollup = Rollup(options: ro)
        var o = LiveIngest.Options()
        o.storePath = dir + "/spend.db"
        o.commitIntervalSeconds = 0.02
        var settings = SourceSettings()
        settings.pollSeconds = 0.005
        let ingest = try LiveIngest(sources: [(.file(file), settings)], rollup: rollup, options: o)
        ingest.start()
        defer { ingest.stop() }

        let total = 20_000
        let writer = Thread {
            let h = FileHandle(forWritingAtPath: file)!
            let now = Int64(Date().timeIntervalSince1970 * 1000) - 120_000
            for batch in 0..<40 {
                var text = ""
                for i in (batch * total / 40)..<((batch + 1) * total / 40) {
                    text += "{\"ts\":\(now + Int64(i)),\"request_id\":\"r\(i)\",\"feature\":\"f\(i % 3)\",\"api_key\":\"k\(i % 50)\",\"model\":\"gpt-4o\",\"cost_usd\":0.001}\n"
                }
                h.write(Data(text.utf8))
                usleep(2_000)
            }
            h.closeFile()
        }
        writer.start()

        let terminal = PacedTerminal()
        var options = ConsoleApp.Options()
        options.exportDirectory = dir
        let app = ConsoleApp(feed: ingest, alerts: nil, terminal: terminal, options: options)
        terminal.quitWhen = { ingest.read { $0.counters.eventsCounted } == Int64(total) && terminal.last.contains("Features 3") }
        app.run()
        XCTAssertEqual(ingest.read { $0.counters.eventsCounted }, Int64(total))
        XCTAssertTrue(terminal.last.contains("Features 3"), terminal.last)
        XCTAssertNil(ingest.storeStatus)
    }
}
