import Foundation
import XCTest

/// HTTP, SQLite and Prometheus sources against real local servers and a real writer process.
final class StreamSourceTests: XCTestCase {
    var running: [Background] = []

    override func tearDown() {
        for b in running { b.kill() }
        running = []
    }

    func server(_ args: [String]) throws -> Int {
        let (b, port) = try Background.server(args)
        running.append(b)
        return port
    }

    /// The server drops the first connection mid-event, answers 503 twice, then resumes from
    /// Last-Event-ID: every event is counted exactly once, and the credential never shows.
    func testSSEReconnectsAndResumesFromLastEventID() throws {
        let dir = try Scratch.directory()
        let log = dir + "/connections.jsonl"
        let port = try server(["sse", "--events", "300", "--drop-after", "100", "--fail", "2", "--log", log])
        let config = dir + "/config.toml"
        try """
            [[source]]
            url = "http://127.0.0.1:\(port)/"
            header_env = { Authorization = "SPENDTOP_TEST_TOKEN" }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let token = "Bearer sk-live-secret-0123456789abcdef"
        let r = try CLI.run(["check", "--config", config, "http://127.0.0.1:\(port)/events?token=hidden-query"],
                            environment: ["SPENDTOP_TEST_TOKEN": token])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        let out = CheckOutput(text: r.stdout)
        XCTAssertEqual(out.totalEvents, 300, r.stdout)
        let expected = (1...300).reduce(0.0) { $0 + Double($1 % 13) / 1000 }
        XCTAssertEqual(out.totalSpend ?? -1, expected, accuracy: 1e-9, r.stdout)
        XCTAssertFalse(r.stdout.contains("duplicates"), "resumed exactly after the last event: \(r.stdout)")
        XCTAssertTrue(r.stdout.contains("state           ended"), r.stdout)
        XCTAssertFalse((r.stdout + r.stderr).contains("sk-live-secret"), "the credential is never printed")
        XCTAssertFalse((r.stdout + r.stderr).contains("hidden-query"), "the query string is not shown")

        let connections = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        XCTAssertEqual(connections.count, 4)
        XCTAssertTrue(connections[0]["last_event_id"] is NSNull)
        XCTAssertEqual(connections[1]["last_event_id"] as? String, "100")
        XCTAssertEqual(connections[3]["last_event_id"] as? String, "100")
        XCTAssertTrue(connections.allSatisfy { $0["authorization"] as? String == token })
    }

    /// A server's `retry:` of 11 days is honoured only up to the backoff cap: a followed stream
    /// that ends cleanly comes back within the cap, and nothing is counted twice.
    func testServerRetryIsCappedByTheBackoffCap() throws {
        let dir = try Scratch.directory()
        let log = dir + "/connections.jsonl"
        let port = try server(["sse", "--events", "20", "--drop-after", "1000", "--fail", "0",
                               "--retry-ms", "999999999", "--log", log])
        let config = dir + "/config.toml"
        try "[sources]\nbackoff_cap = \"1s\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let r = try CLI.run(["check", "--config", config, "--follow", "--for", "4s", "http://127.0.0.1:\(port)/"])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        XCTAssertEqual(CheckOutput(text: r.stdout).totalEvents, 20, r.stdout)
        let connections = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        XCTAssertGreaterThanOrEqual(connections.count, 3, "reconnected about once a second, not after 11 days")
    }

    /// A LiteLLM proxy's SpendLogs table, written by another process while spendtop follows it
    /// read-only; the file is untouched by spendtop.
    func testSpendLogsFollowedReadOnlyWhileAnotherProcessWrites() throws {
        let dir = try Scratch.directory()
        let db = dir + "/litellm.db"
        let fixture = CLI.packageRoot.appendingPathComponent("Tests/SpendCoreTests/Fixtures/litellm-spendlogs-rows.jsonl").path
        let script = CLI.packageRoot.appendingPathComponent("scripts/testservers/spendlogs_writer.py").path
        let writer = try Background(URL(fileURLWithPath: "/usr/bin/env"),
                                    ["python3", script, "--db", db, "--fixture", fixture, "--rows", "600", "--batch", "40", "--pause", "0.03"])
        running.append(writer)
        let deadline = Date(timeIntervalSinceNow: 10)
        while !FileManager.default.fileExists(atPath: db) && Date() < deadline { usleep(5_000) }
        let follower = try Background.spendtop(["check", "--follow", "--until-events", "600", "--for", "60", "sqlite:" + db])
        running.append(follower)
        XCTAssertTrue(writer.wait(timeout: 60))
        XCTAssertTrue(follower.wait(timeout: 60))
        XCTAssertEqual(follower.status, 0, follower.stderr)
        let written = try JSONSerialization.jsonObject(with: Data(writer.stdout.utf8)) as! [String: Any]
        let out = CheckOutput(text: follower.stdout)
        XCTAssertEqual(out.totalEvents, 600, follower.stdout)
        XCTAssertEqual(out.totalSpend ?? -1, written["spend"] as! Double, accuracy: 1e-6)
        XCTAssertTrue(follower.stdout.contains("litellm-spendlogs 600"), follower.stdout)

        // Read-only: bytes and mtime unchanged by a further read; no journal files of ours.
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        let mtime = try FileManager.default.attributesOfItem(atPath: db)[.modificationDate] as! Date
        let again = try CLI.run(["check", db])
        XCTAssertEqual(CheckOutput(text: again.stdout).totalEvents, 600, again.stdout)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: db)), before)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: db)[.modificationDate] as? Date, mtime)
        for suffix in ["-wal", "-shm", "-journal"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: db + suffix), suffix)
        }
    }

    /// DCGM and vLLM metrics from a served page become GPU rows with the page's values.
    func testPrometheusPageBecomesGPURows() throws {
        let page = CLI.packageRoot.appendingPathComponent("Tests/SpendCoreTests/Fixtures/dcgm-vllm-metrics.prom").path
        let port = try server(["prom", "--page", page])
        let r = try CLI.run(["export", "prom:http://127.0.0.1:\(port)/metrics", "--view", "gpus"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = CLI.parseCSV(r.stdout)
        let h = rows[0]
        func row(_ name: String) -> [String: String]? {
            rows.dropFirst().first { $0.first == name }.map { Dictionary(uniqueKeysWithValues: zip(h, $0)) }
        }
        let g0 = try XCTUnwrap(row("h100-a:0"), r.stdout)
        XCTAssertEqual(g0["util_pct"], "87")
        XCTAssertEqual(g0["mem_used_mb"], "71234")
        XCTAssertEqual(g0["mem_total_mb"], "81559")
        XCTAssertEqual(g0["power_w"], "612.41")
        let g1 = try XCTUnwrap(row("h100-a:1"))
        XCTAssertEqual(g1["util_pct"], "3")
        let engine = try XCTUnwrap(row("h100-a:vllm0"), r.stdout)
        XCTAssertEqual(engine["queue_depth"], "7")
        XCTAssertEqual(engine["running"], "42")
        XCTAssertEqual(engine["kv_cache_pct"], "63")
        XCTAssertEqual(engine["prefix_cache_hit_pct"], "", "one scrape has no counter rate yet")
    }

    /// Random bytes, a 50 MB line, an HTTP server sending garbage and a SQLite file of the wrong
    /// schema: each a counted, readable error while the good source is counted in full.
    func testBadInputIsCountedAndOtherSourcesGoOn() throws {
        let dir = try Scratch.directory()
        var rng = SystemRandomNumberGenerator()
        let random = dir + "/random.jsonl"
        try Data((0..<300_000).map { _ in UInt8.random(in: 0...255, using: &rng) }).write(to: URL(fileURLWithPath: random))
        let long = dir + "/long.jsonl"
        let good = "{\"ts\":\"2026-11-28T10:00:00Z\",\"request_id\":\"a\",\"feature\":\"x\",\"model\":\"gpt-4o\",\"cost_usd\":0.5}\n"
        var longData = Data(good.utf8)
        longData.append(Data(repeating: UInt8(ascii: "x"), count: 50 << 20))
        longData.append(Data("\n{\"ts\":\"2026-11-28T10:00:01Z\",\"request_id\":\"b\",\"feature\":\"x\",\"model\":\"gpt-4o\",\"cost_usd\":0.25}\n".utf8))
        try longData.write(to: URL(fileURLWithPath: long))
        let wrong = dir + "/wrong.db"
        let mk = try CLI.runTool("/usr/bin/env", ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table foo(a,b)'); c.commit()", wrong])
        XCTAssertEqual(mk, 0)
        let port = try server(["garbage", "--type", "application/x-ndjson"])
        let sample = CLI.packageRoot.appendingPathComponent("sample-data/day.jsonl").path

        let r = try CLI.run(["check", random, long, wrong, "http://127.0.0.1:\(port)/stream", sample])
        XCTAssertEqual(r.status, 1, "a source that cannot be read at all fails check, after the report")
        XCTAssertTrue(r.stderr.contains("neither a LiteLLM_SpendLogs table nor a spendtop store"), r.stderr)
        let sections = r.stdout.components(separatedBy: "source ")
        func section(_ name: String) -> String { sections.first { $0.hasPrefix(name) } ?? "" }
        XCTAssertTrue(section(random).contains("rejected"), r.stdout)
        XCTAssertFalse(section(random).contains("rejected        0\n"), r.stdout)
        XCTAssertTrue(section(long).contains("line too long: 1"), r.stdout)
        XCTAssertTrue(section(long).contains("events          2"), r.stdout)
        XCTAssertTrue(section("sqlite:" + wrong).contains("state           failed"), r.stdout)
        XCTAssertTrue(section("http://127.0.0.1:\(port)/stream").contains("state           ended"), r.stdout)
        XCTAssertFalse(section("http://127.0.0.1:\(port)/stream").contains("rejected        0\n"), r.stdout)
        XCTAssertTrue(section(sample).contains("events          9000"), r.stdout)
        XCTAssertEqual(CheckOutput(text: r.stdout).totalEvents, 9002, r.stdout)
    }

    /// An NDJSON stream over HTTP is read to its end like a file.
    func testNDJSONStreamIsReadToItsEnd() throws {
        let sample = CLI.packageRoot.appendingPathComponent("sample-data/day.jsonl").path
        let port = try server(["ndjson", "--file", sample])
        let viaHTTP = try CLI.run(["export", "http://127.0.0.1:\(port)/events", "--view", "features"])
        let viaFile = try CLI.run(["export", sample, "--view", "features"])
        XCTAssertEqual(viaHTTP.status, 0, viaHTTP.stderr)
        XCTAssertEqual(viaHTTP.stdout, viaFile.stdout)
        XCTAssertEqual(CLI.parseCSV(viaHTTP.stdout).count, 11, "ten features and the header: \(viaHTTP.stdout)")
    }

    /// `nvidia-smi --format=csv` on stdin becomes GPU rows; `[N/A]` stays missing.
    func testNvidiaSmiCSVOnStdin() throws {
        let csv = try String(contentsOfFile: CLI.packageRoot.appendingPathComponent("Tests/SpendCoreTests/Fixtures/nvidia-smi.csv").path, encoding: .utf8)
        let r = try CLI.run(["export", "nvidia-smi:-", "--view", "gpus"], stdin: csv)
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = CLI.parseCSV(r.stdout)
        let h = rows[0]
        XCTAssertEqual(rows.count, 3, r.stdout)
        let g1 = Dictionary(uniqueKeysWithValues: zip(h, try XCTUnwrap(rows.first { $0[0].hasSuffix(":1") })))
        XCTAssertEqual(g1["util_pct"], "0", "the [N/A] reading is left out of the average, not counted as 0")
        XCTAssertEqual(g1["power_w"], "69.8")
        XCTAssertEqual(g1["samples"], "2")
    }

    func testStoreOptionsAreCheckedAndAStoreAloneCanBeExported() throws {
        let dir = try Scratch.directory()
        let conflict = try CLI.run(["check", "--store", dir + "/s.db", "--no-store", "x.jsonl"])
        XCTAssertEqual(conflict.status, 2)
        XCTAssertTrue(conflict.stderr.contains("--no-store"), conflict.stderr)
        XCTAssertEqual(try CLI.run(["check", "ftp://x/y"]).status, 2)
        let notAStore = dir + "/plain.db"
        XCTAssertEqual(try CLI.runTool("/usr/bin/env", ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(a)'); c.commit()", notAStore]), 0)
        let refused = try CLI.run(["check", "--store", notAStore, "sample-data/day.jsonl"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("not a spendtop store"), refused.stderr)
        let store = dir + "/spend.db"
        // The sample day is from 2026-11: a long retention keeps it in the store whatever today's date.
        let config = dir + "/config.toml"
        try "[store]\nretention = \"3650d\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        XCTAssertEqual(try CLI.run(["check", "--config", config, "--store", store, "sample-data/day.jsonl"]).status, 0)
        let fromStore = try CLI.run(["export", "--config", config, "--store", store, "--view", "keys"])
        let fromFile = try CLI.run(["export", "sample-data/day.jsonl", "--view", "keys"])
        XCTAssertEqual(fromStore.stdout, fromFile.stdout, "a restart from the store shows the same history")
        XCTAssertGreaterThan(CLI.parseCSV(fromStore.stdout).count, 2)
    }

    /// TLS is verified: a self-signed server is refused with a readable error unless --insecure.
    func testTLSVerificationIsOnUnlessInsecure() throws {
        let dir = try Scratch.directory()
        let cert = dir + "/cert.pem", key = dir + "/key.pem"
        XCTAssertEqual(try CLI.runTool("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                                                            "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]), 0)
        let sample = CLI.packageRoot.appendingPathComponent("sample-data/day.jsonl").path
        let port = try server(["ndjson", "--file", sample, "--tls-cert", cert, "--tls-key", key])
        let config = dir + "/config.toml"
        try "[sources]\nbackoff_cap = \"0.1s\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let refused = try CLI.run(["check", "--config", config, "https://127.0.0.1:\(port)/events"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stdout.contains("state           failed"), refused.stdout)
        XCTAssertTrue(refused.stderr.lowercased().contains("certificate"), refused.stderr)
        let insecure = try CLI.run(["check", "--config", config, "--insecure", "https://127.0.0.1:\(port)/events"])
        XCTAssertEqual(insecure.status, 0, insecure.stderr)
        XCTAssertEqual(CheckOutput(text: insecure.stdout).totalEvents, 9000, insecure.stdout)
    }
}
