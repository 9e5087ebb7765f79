import Foundation
import XCTest

/// SPEC §2/§8/§9: a file followed through rename and copytruncate rotations, partial lines and a
/// hard kill of spendtop in the middle; the store brings every event back exactly once.
final class FileFollowTests: XCTestCase {
    var running: [Background] = []

    override func tearDown() {
        for b in running { b.kill() }
        running = []
    }

    struct Totals: Equatable {
        var requests = 0
        var inputTokens: Int64 = 0
        var costMicros: Int64 = 0
    }

    /// Appends native events with stdio buffering (so spendtop sees lines cut at buffer edges) and
    /// writes some lines deliberately in two halves.
    final class Writer {
        let path: String
        var file: UnsafeMutablePointer<FILE>?
        var totals: [String: Totals] = [:]
        let baseMs = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000

        init(path: String) {
            self.path = path
            file = fopen(path, "a")
        }

        func line(_ i: Int) -> String {
            let feature = "feature-\(i % 7)"
            let input = Int64(100 + i % 1000)
            let micros = Int64(1 + (i * 7919) % 5000)
            totals[feature, default: Totals()].requests += 1
            totals[feature, default: Totals()].inputTokens += input
            totals[feature, default: Totals()].costMicros += micros
            return "{\"ts\":\(baseMs + Int64(i)),\"request_id\":\"req-\(i)\",\"feature\":\"\(feature)\",\"api_key\":\"sk-test-\(i % 11)abcdefghijklmnop\",\"model\":\"gpt-4o\",\"input_tokens\":\(input),\"output_tokens\":\(i % 50),\"cost_usd\":\(Double(micros) / 1_000_000),\"latency_ms\":\(i % 900)}\n"
        }

        func write(_ range: Range<Int>) {
            for i in range {
                let l = line(i)
                if i % 997 == 3 {
                    let bytes = Array(l.utf8)
                    let half = bytes.count / 2
                    fwrite(bytes, 1, half, file)
                    fflush(file)
                    if i % 5 == 0 { usleep(3_000) }
                    fwrite(Array(bytes[half...]), 1, bytes.count - half, file)
                } else {
                    fputs(l, file)
                }
                if i % 64 == 0 { fflush(file) }
            }
            fflush(file)
        }

        func rotateByRename(to rotated: String) {
            fclose(file)
            XCTAssertEqual(rename(path, rotated), 0)
            file = fopen(path, "a")
        }

        func copyTruncate(to copy: String) throws {
            fflush(file)
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            XCTAssertEqual(truncate(path, 0), 0)
        }

        deinit { fclose(file) }
    }

    func testRotationsPartialLinesAndRestartCountEveryEventOnce() throws {
        let dir = try Scratch.directory()
        let log = dir + "/app.log"
        let store = dir + "/spend.db"
        let glob = dir + "/app.log*"
        let writer = Writer(path: log)
        let total = 200_000

        writer.write(0..<50_000)
        let first = try Background.spendtop(["check", "--follow", "--store", store, glob])
        running.append(first)
        // Rotate only once the first run is reading (its first commit is in the store), not after a pause.
        let deadline = Date(timeIntervalSinceNow: 60)
        while Date() < deadline {
            let r = try CLI.run(["check", "--store", store])
            if r.status == 0, !r.stdout.contains("replayed        0 events") { break }
            usleep(20_000)
        }
        writer.write(50_000..<60_000)
        writer.rotateByRename(to: dir + "/app.log.1")
        writer.write(60_000..<100_000)
        // A hard stop mid-stream: whatever was not committed with its position must be read again.
        first.kill(SIGKILL)
        writer.write(100_000..<130_000)

        let second = try Background.spendtop(["check", "--follow", "--until-events", "\(total)", "--for", "120", "--store", store, glob])
        running.append(second)
        writer.write(130_000..<150_000)
        try writer.copyTruncate(to: dir + "/app.log.2")
        writer.write(150_000..<total)
        XCTAssertTrue(second.wait(timeout: 150), "spendtop did not reach \(total) events: \(second.stdout)")
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(CheckOutput(text: second.stdout).totalEvents, total, second.stdout)
        XCTAssertTrue(second.stdout.contains("replayed"), second.stdout)

        // The store alone now answers with the writer's totals, per feature.
        let export = try CLI.run(["export", "--store", store, "--view", "features"])
        XCTAssertEqual(export.status, 0, export.stderr)
        let rows = CLI.parseCSV(export.stdout)
        let header = rows[0]
        let fi = header.firstIndex(of: "feature")!, ri = header.firstIndex(of: "requests")!
        let ii = header.firstIndex(of: "input_tokens")!, si = header.firstIndex(of: "spend_usd")!
        var seen: [String: Totals] = [:]
        for r in rows.dropFirst() where r.count == header.count {
            let spend = Double(r[si])!
            seen[r[fi]] = Totals(requests: Int(r[ri])!, inputTokens: Int64(r[ii])!, costMicros: Int64((spend * 1_000_000).rounded()))
        }
        XCTAssertEqual(seen, writer.totals)
    }
}
