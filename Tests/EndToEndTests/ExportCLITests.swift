import Foundation
import TestSupport
import XCTest

final class ExportCLITests: XCTestCase {
    /// `-o` naming something that is not a regular file (`/dev/null`, a FIFO) is written in place: renaming a
    /// temporary file over it would replace the device or pipe with a plain file (as root, `/dev/null` itself).
    func testOutputToAFIFOWritesThroughItAndLeavesItAFIFO() throws {
        let events = try CLI.temporaryFile(#"{"ts":"2026-11-28T10:00:00Z","feature":"chat","cost_usd":1.5}"# + "\n")
        defer { try? FileManager.default.removeItem(atPath: events) }
        let fifo = NSTemporaryDirectory() + "spendtop-export-fifo-\(UUID().uuidString)"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        defer { try? FileManager.default.removeItem(atPath: fifo) }
        // The reader opens the pipe and reads to its end (the writer's close) on its own thread.
        let received = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var text = ""
        Thread {
            if let h = FileHandle(forReadingAtPath: fifo) { text = String(decoding: h.readDataToEndOfFile(), as: UTF8.self) }
            received.signal()
        }.start()
        let r = try CLI.run(["export", events, "--view", "features", "-o", fifo])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(received.wait(timeout: .now() + 30), .success)
        XCTAssertTrue(text.hasPrefix("feature,"), text)
        XCTAssertTrue(text.contains("chat,1.5"), text)
        var info = stat()
        XCTAssertEqual(stat(fifo, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO, "still a FIFO")
    }

    func testExportShowsOnlyMaskedKeys() throws {
        let rawKeys = ["sk-proj-Zq8TbW3kLmN5pQrStUvWxYz0a1b2", "sk-ant-api03-AAAABBBBCCCCDDDDEEEE9f3c",
                       "23bab6b17bf6fb64a66212a8afd5af79892ac5cf0e0c354a4033f0997ad93219"]
        var lines: [String] = []
        for (i, k) in rawKeys.enumerated() {
            lines.append(#"{"ts":"2026-11-28T10:00:0\#(i)Z","feature":"chat","api_key":"\#(k)","model":"gpt-4o","cost_usd":1.5}"#)
        }
        lines.append(#"{"ts":"2026-11-28T10:00:09Z","feature":"chat","api_key":"prod-web","model":"gpt-4o","cost_usd":0.5}"#)
        let path = try CLI.temporaryFile(lines.joined(separator: "\n") + "\n")
        for view in ["keys", "features", "models", "series"] {
            let r = try CLI.run(["export", path, "--view", view, "--window", "all"])
            XCTAssertEqual(r.status, 0, r.stderr)
            for k in rawKeys {
                XCTAssertFalse(r.stdout.contains(String(k.dropFirst(3).prefix(10))), "\(view) leaks \(k)")
                XCTAssertFalse(r.stderr.contains(String(k.dropFirst(3).prefix(10))))
            }
        }
        let keys = CLI.parseCSV(try CLI.run(["export", path, "--view", "keys"]).stdout)
        XCTAssertEqual(keys[0][0], "api_key")
        XCTAssertEqual(Set(keys.dropFirst().map { $0[0] }), ["sk-…a1b2", "sk-…9f3c", "…3219", "prod-web"])
    }

    func testFormulaAndEscapeSequencesAreNeutralised() throws {
        let lines = [
            #"{"ts":"2026-11-28T10:00:00Z","feature":"=HYPERLINK(\"http://x\")","cost_usd":2}"#,
            #"{"ts":"2026-11-28T10:00:01Z","feature":"evil\u001b[2J\u001b]0;pwned\u0007name","cost_usd":1}"#,
        ]
        let path = try CLI.temporaryFile(lines.joined(separator: "\n"))
        let r = try CLI.run(["export", path, "--view", "features"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stdout.contains("\u{1B}"))
        XCTAssertFalse(r.stdout.contains("\u{07}"))
        let rows = CLI.parseCSV(r.stdout)
        XCTAssertEqual(rows[1][0], "'=HYPERLINK(\"http://x\")")
        XCTAssertEqual(rows[2][0], "evilname")
        XCTAssertTrue(r.stdout.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), r.stdout)
    }

    /// The sample day through the binary equals an independent reading of the same file with Foundation.
    func testFeatureTotalsMatchAnIndependentReading() throws {
        let path = CLI.packageRoot.appendingPathComponent("sample-data/day.jsonl").path
        var spend = [String: Double](), requests = [String: Int](), input = [String: Int]()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for line in text.split(separator: "\n") {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            if o["kind"] as? String == "gpu" { continue }
            let f = o["feature"] as? String ?? "(none)"
            spend[f, default: 0] += (o["cost_usd"] as? NSNumber)?.doubleValue ?? 0
            requests[f, default: 0] += 1
            input[f, default: 0] += (o["input_tokens"] as? NSNumber)?.intValue ?? 0
        }
        let csv = ScratchFiles.shared.track(NSTemporaryDirectory() + "day-features-\(UUID().uuidString).csv")
        let out = try CLI.run(["export", path, "--view", "features", "--window", "all", "-o", csv])
        XCTAssertEqual(out.status, 0, out.stderr)
        let rows = CLI.parseCSV(try String(contentsOfFile: csv, encoding: .utf8))
        let header = rows[0]
        let si = try XCTUnwrap(header.firstIndex(of: "spend_usd")), ri = try XCTUnwrap(header.firstIndex(of: "requests"))
        let ii = try XCTUnwrap(header.firstIndex(of: "input_tokens"))
        XCTAssertEqual(rows.count - 1, spend.count)
        for row in rows.dropFirst() {
            let f = row[0]
            XCTAssertEqual(Double(row[si])!, spend[f]!, accuracy: 1e-6 * max(1, spend[f]!), f)
            XCTAssertEqual(Int(row[ri]), requests[f], f)
            XCTAssertEqual(Int(row[ii]), input[f], f)
        }
    }

    func testWindowAtAndFilter() throws {
        var lines: [String] = []
        for m in 0..<30 {
            lines.append(#"{"ts":"2026-11-28T10:\#(String(format: "%02d", m)):30Z","feature":"\#(m % 2 == 0 ? "a" : "b")","api_key":"k\#(m % 3)","cost_usd":1}"#)
        }
        let path = try CLI.temporaryFile(lines.joined(separator: "\n"))
        let w = CLI.parseCSV(try CLI.run(["export", path, "--view", "features", "--window", "5m"]).stdout)
        XCTAssertEqual(w.dropFirst().map { Double($0[1])! }.reduce(0, +), 5)
        let at = CLI.parseCSV(try CLI.run(["export", path, "--view", "features", "--window", "10m", "--at", "2026-11-28T10:09:59Z"]).stdout)
        XCTAssertEqual(at.dropFirst().map { Double($0[1])! }.reduce(0, +), 10)
        let f = CLI.parseCSV(try CLI.run(["export", path, "--view", "keys", "--filter", "feature=a"]).stdout)
        XCTAssertEqual(f.dropFirst().map { Double($0[1])! }.reduce(0, +), 15)
        XCTAssertEqual(Set(f.dropFirst().map { $0[0] }), ["k0", "k1", "k2"])
        let s = CLI.parseCSV(try CLI.run(["export", path, "--view", "series", "--window", "30m"]).stdout)
        XCTAssertEqual(s.count, 31)
        XCTAssertEqual(s[1][0], "2026-11-28T10:00Z")
    }

    func testStdinSourceAndCheck() throws {
        let fixture = try Data(contentsOf: CLI.packageRoot.appendingPathComponent("Tests/SpendCoreTests/Fixtures/mixed-with-garbage.jsonl"))
        let r = try CLI.run(["check", "-"], stdinData: fixture)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("rejected        13"), r.stdout)
        XCTAssertTrue(r.stdout.contains("invalid JSON: 2"), r.stdout)
        XCTAssertTrue(r.stdout.contains("missing or unreadable timestamp: 3"), r.stdout)
        let payloads = try CLI.run(["check", "sample-data/litellm-payloads.jsonl"])
        XCTAssertTrue(payloads.stdout.contains("formats         litellm "), payloads.stdout)
        XCTAssertTrue(payloads.stdout.contains("rejected        0"), payloads.stdout)
    }

    func testUnpricedModelsAreNamedByCheck() throws {
        let path = try CLI.temporaryFile(#"{"ts":"2026-11-28T10:00:00Z","model":"my-finetune-7b","input_tokens":10,"output_tokens":5}"# + "\n")
        let r = try CLI.run(["check", path])
        XCTAssertTrue(r.stdout.contains("unpriced        1 requests in 1 models"), r.stdout)
        XCTAssertTrue(r.stdout.contains("my-finetune-7b: 1"), r.stdout)
        let priced = try CLI.run(["check", path, "--prices", "sample-data/prices.json"])
        XCTAssertTrue(priced.stdout.contains("unpriced        1 requests"), "a price file without that model leaves it unpriced")
    }

    func testExitCodes() throws {
        XCTAssertEqual(try CLI.run([]).status, 2)
        XCTAssertTrue(try CLI.run([]).stderr.contains("spendtop demo"))
        XCTAssertEqual(try CLI.run(["export", "x.jsonl", "--view", "nope"]).status, 2)
        XCTAssertEqual(try CLI.run(["export", "--view", "features"]).status, 2)
        XCTAssertEqual(try CLI.run(["export", "--bogus"]).status, 2)
        // A source that cannot be opened at start is a usage error (issue 9 point 2).
        let missing = try CLI.run(["export", "/nonexistent.jsonl", "--view", "features"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stderr, "spendtop: no such file: /nonexistent.jsonl (to wait for it to appear, add --wait-for-source)\n")
        XCTAssertEqual(try CLI.run(["--help"]).status, 0)
        XCTAssertEqual(try CLI.run(["export", "--help"]).status, 0)
    }
}

final class ConfigCLITests: XCTestCase {
    func testMappingAndCardinalityFromConfig() throws {
        let config = try CLI.temporaryFile("""
        [general]
        cardinality = 2

        [[mapping]]
        name = "acme"
        match = "source=acme"
        ts = "when"
        feature = "meta.feature"
        cost_usd = "billing.usd"
        """, suffix: ".toml")
        var lines: [String] = []
        for i in 0..<4 {
            lines.append(#"{"source":"acme","when":"2026-11-28T10:00:0\#(i)Z","meta":{"feature":"f\#(i)"},"billing":{"usd":1}}"#)
        }
        let data = try CLI.temporaryFile(lines.joined(separator: "\n") + "\n")
        let check = try CLI.run(["check", data, "--config", config])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertTrue(check.stdout.contains("acme 4"), check.stdout)
        let rows = CLI.parseCSV(try CLI.run(["export", data, "--config", config, "--view", "features"]).stdout)
        XCTAssertEqual(rows.dropFirst().map { $0[0] }, ["(other)", "f0", "f1"], "two features, then the fold")
        XCTAssertEqual(rows[1][1], "2")
        let bad = try CLI.temporaryFile("[[mapping]]\nname = \"x\"\nmatch = \"a\"\n", suffix: ".toml")
        let r = try CLI.run(["check", data, "--config", bad])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("[[mapping]] x: needs a 'ts' path"), r.stderr)
    }

    /// `[general] dedupe_horizon` and `dedupe_keep_ids` reach the rollup, and `check` says what the horizon forgot.
    /// Issue 12 point 1 end to end: `check --store` says whether start-up read the store's checkpoint.
    func testCheckSaysWhetherTheStoreWasReadFromItsCheckpoint() throws {
        let dir = try Scratch.directory()
        let store = dir + "/spend.db"
        var text = ""
        // Two hours ago, on a minute: inside the store's retention whatever the day the test runs.
        let startMs = (Int64(Date().timeIntervalSince1970) / 60 - 120) * 60_000
        for i in 0..<3_000 {
            text += #"{"ts":\#(startMs + Int64(i) * 1_500),"request_id":"c\#(i)","feature":"f\#(i % 3)","#
                + #""model":"gpt-4o","input_tokens":\#(100 + i),"output_tokens":10}"# + "\n"
        }
        let data = try CLI.temporaryFile(text)
        let first = try CLI.run(["check", "--store", store, data])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("  start-up        every event replayed (no checkpoint)\n"), first.stdout)
        // The same settings, the store alone: its checkpoint, nothing replayed, the same totals.
        let again = try CLI.run(["check", "--store", store])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("  start-up        from a checkpoint of "), again.stdout)
        XCTAssertTrue(again.stdout.contains(" minutes, then 0 events after it\n"), again.stdout)
        XCTAssertTrue(again.stdout.contains("  events          3000\n"), again.stdout)
        // Other prices: the checkpoint does not fit, every event is replayed, and check says why.
        let prices = try CLI.temporaryFile(#"{"gpt-4o": {"input_cost_per_token": 0.00001, "output_cost_per_token": 0.00002}}"#,
                                           suffix: ".json")
        let repriced = try CLI.run(["check", "--store", store, "--prices", prices])
        XCTAssertEqual(repriced.status, 0, repriced.stderr)
        XCTAssertTrue(repriced.stdout.contains("every event replayed (the price table changed since the checkpoint)"),
                      repriced.stdout)
    }

    func testDedupeHorizonFromConfigAndItsCountInCheck() throws {
        // 70,000 requests one every 200 ms (about 3.9 h), then the first ten again: with a 30-minute horizon and
        // no ids kept beyond it, those ten count again; the default keeps them, so the replay is exact.
        var text = ""
        let start: Int64 = 1_795_910_400
        for i in 0..<70_000 {
            text += #"{"ts":\#(start * 1000 + Int64(i) * 200),"request_id":"r\#(i)","feature":"f","cost_usd":0.5}"# + "\n"
        }
        for i in 0..<10 { text += #"{"ts":\#(start * 1000 + Int64(i) * 200),"request_id":"r\#(i)","feature":"f","cost_usd":0.5}"# + "\n" }
        let data = try CLI.temporaryFile(text)
        let config = try CLI.temporaryFile("[general]\ndedupe_horizon = \"30m\"\ndedupe_keep_ids = 0\n", suffix: ".toml")
        let short = try CLI.run(["check", data, "--config", config])
        XCTAssertEqual(short.status, 0, short.stderr)
        XCTAssertTrue(short.stdout.contains("  events          70010\n"), short.stdout)
        XCTAssertTrue(short.stdout.contains("request ids forgotten: older than 30 min"), short.stdout)
        let exact = try CLI.run(["check", data])
        XCTAssertTrue(exact.stdout.contains("  events          70000\n"), exact.stdout)
        XCTAssertTrue(exact.stdout.contains("duplicates      10"), exact.stdout)
        XCTAssertFalse(exact.stdout.contains("forgotten"), exact.stdout)
        let bad = try CLI.temporaryFile("[general]\ndedupe_horizon = \"10s\"\n", suffix: ".toml")
        let r = try CLI.run(["check", data, "--config", bad])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("dedupe_horizon must be at least 1m"), r.stderr)
    }

    /// Issue 12 point 4 end to end: a file large enough to be cut is read on two threads, and every view and
    /// `check` say what the one-thread read says (`SPENDTOP_THREADS=1`, one part), and what the live sources'
    /// read of the same bytes from standard input says.
    func testParallelExportEqualsSequentialExport() throws {
        let path = ScratchFiles.shared.track(NSTemporaryDirectory() + "spendtop-e2e-\(UUID().uuidString).jsonl")
        let bytes = HardTraffic(seed: 1205).bytes(count: 45_000)
        try bytes.write(to: URL(fileURLWithPath: path))
        let one = ["SPENDTOP_THREADS": "1"], two = ["SPENDTOP_THREADS": "2"]
        let parallelCheck = try CLI.run(["check", path], environment: two)
        XCTAssertEqual(parallelCheck.status, 0, parallelCheck.stderr)
        XCTAssertTrue(parallelCheck.stdout.hasPrefix("read in parallel 2 parts; requests an earlier part held: 1 part read again (0 whole"),
                      parallelCheck.stdout)
        let sequentialCheck = try CLI.run(["check", path], environment: one)
        XCTAssertFalse(sequentialCheck.stdout.contains("read in parallel"), sequentialCheck.stdout)
        XCTAssertEqual(parallelCheck.stdout.split(separator: "\n").dropFirst(), sequentialCheck.stdout.split(separator: "\n")[...])
        XCTAssertTrue(sequentialCheck.stdout.contains("duplicates"), sequentialCheck.stdout)
        for view in ["features", "keys", "series"] {
            let a = try CLI.run(["export", path, "--view", view], environment: two)
            let b = try CLI.run(["export", path, "--view", view], environment: one)
            let live = try CLI.run(["export", "-", "--view", view], stdinData: bytes)
            XCTAssertEqual(a.status, 0, a.stderr)
            XCTAssertEqual(live.status, 0, live.stderr)
            let rowsA = a.stdout.components(separatedBy: "\r\n"), rowsB = b.stdout.components(separatedBy: "\r\n")
            XCTAssertGreaterThan(rowsA.count, 3, view)
            // Rows of equal spend and equal masked name may come in either order.
            XCTAssertEqual(rowsA.sorted(), rowsB.sorted(), view)
            XCTAssertEqual(rowsA.sorted(), live.stdout.components(separatedBy: "\r\n").sorted(), view)
            XCTAssertEqual(a.stderr, b.stderr, view)
        }
        // `check` of standard input: the same report but for the source's name.
        let liveCheck = try CLI.run(["check", "-"], stdinData: bytes)
        XCTAssertEqual(liveCheck.stdout.split(separator: "\n").dropFirst(),
                       sequentialCheck.stdout.split(separator: "\n").dropFirst(), liveCheck.stdout)
    }
}
