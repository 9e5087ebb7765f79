import Foundation
import XCTest

/// Issue 13 point 8: every source path under random bytes, truncated UTF-8, NUL bytes, 100k-deep
/// nesting, a BOM, CRLF and a gigabyte line. Each is a counted reject, never a crash, and every valid
/// line around them is counted exactly (scripts/testservers/hostile.py makes the inputs, seeded).
final class HostileInputE2ETests: XCTestCase {
    var running: [Background] = []

    override func tearDown() {
        for b in running { b.kill() }
        running = []
    }

    struct Made { var good: Int; var spend: Double; var hostile: Int }

    func make(_ kind: String, _ path: String) throws -> Made {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", CLI.packageRoot.appendingPathComponent("scripts/testservers/hostile.py").path, kind, path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let j = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return Made(good: j["good"] as! Int, spend: (j["spend"] as! NSNumber).doubleValue, hostile: j["hostile"] as! Int)
    }

    /// A line of `bytes` bytes that costs no disk: a hole in a sparse file, between two good lines.
    func sparseLine(_ path: String, bytes: Int64) throws -> Int {
        let first = "{\"ts\":\"2026-11-28T11:00:00Z\",\"request_id\":\"before\",\"feature\":\"f0\",\"cost_usd\":0.5}\n"
        try first.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(truncate(path, off_t(first.utf8.count) + off_t(bytes)), 0)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile()
        h.write(Data("\n{\"ts\":\"2026-11-28T11:00:01Z\",\"request_id\":\"after\",\"feature\":\"f0\",\"cost_usd\":0.25}\n".utf8))
        try h.close()
        return 2
    }

    func section(_ out: String, _ name: String) -> String {
        out.components(separatedBy: "source ").first { $0.hasPrefix(name + "\n") } ?? ""
    }

    func number(_ text: String, after label: String) -> Int? {
        guard let r = text.range(of: label) else { return nil }
        return Int(text[r.upperBound...].drop(while: { $0 == " " }).prefix(while: { $0.isNumber }))
    }

    func testFilesOTLPAndAGigabyteLine() throws {
        let dir = try Scratch.directory()
        let jsonl = dir + "/hostile.jsonl", otlp = dir + "/otlp.jsonl", big = dir + "/big.jsonl"
        let a = try make("jsonl", jsonl), o = try make("otlp", otlp)
        let bigGood = try sparseLine(big, bytes: 1 << 30)
        let r = try CLI.run(["check", jsonl, otlp, big])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(number(section(r.stdout, jsonl), after: "events"), a.good, r.stdout)
        XCTAssertEqual(number(section(r.stdout, jsonl), after: "rejected"), a.hostile, r.stdout)
        XCTAssertEqual(number(section(r.stdout, otlp), after: "events"), o.good, r.stdout)
        XCTAssertGreaterThanOrEqual(number(section(r.stdout, otlp), after: "rejected") ?? 0, 10, r.stdout)
        XCTAssertEqual(number(section(r.stdout, big), after: "events"), bigGood, r.stdout)
        XCTAssertTrue(section(r.stdout, big).contains("line too long: 1"), r.stdout)
        let spend = try XCTUnwrap(CheckOutput(text: r.stdout).totalSpend)
        XCTAssertTrue(spend.isFinite && spend > a.spend + 0.75, "the OTLP spans are priced on top: \(spend)")
    }

    func testNDJSONAndSSEStreams() throws {
        let dir = try Scratch.directory()
        let jsonl = dir + "/hostile.jsonl", big = dir + "/big.jsonl", mixed = dir + "/sse.jsonl"
        let a = try make("jsonl", jsonl)
        _ = try sparseLine(big, bytes: 1 << 30)
        let (ndjson, p1) = try Background.server(["ndjson", "--file", big])
        running.append(ndjson)
        let (hostileNDJSON, p2) = try Background.server(["ndjson", "--file", jsonl])
        running.append(hostileNDJSON)
        // SSE: the hostile lines as events, and one event of 64 MB.
        var sse = try Data(contentsOf: URL(fileURLWithPath: jsonl))
        sse.append(Data(repeating: UInt8(ascii: "y"), count: 64 << 20))
        sse.append(Data("\n{\"ts\":\"2026-11-28T12:00:00Z\",\"request_id\":\"sse-last\",\"cost_usd\":1}\n".utf8))
        try sse.write(to: URL(fileURLWithPath: mixed))
        let (sseServer, p3) = try Background.server(["sse-lines", "--file", mixed])
        running.append(sseServer)
        let u1 = "http://127.0.0.1:\(p1)/big", u2 = "http://127.0.0.1:\(p2)/hostile", u3 = "http://127.0.0.1:\(p3)/sse"
        // One run per stream: the SSE events repeat the NDJSON lines' request ids, and one run would dedupe them.
        var r = try CLI.run(["check", u1])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(number(section(r.stdout, u1), after: "events"), 2, r.stdout)
        XCTAssertTrue(section(r.stdout, u1).contains("line too long: 1"), r.stdout)
        r = try CLI.run(["check", u2])
        XCTAssertEqual(number(section(r.stdout, u2), after: "events"), a.good, r.stdout)
        XCTAssertEqual(number(section(r.stdout, u2), after: "rejected"), a.hostile, r.stdout)
        r = try CLI.run(["check", u3])
        // SSE events: the same good lines (a CR ends an SSE line, so a CRLF line is one event) and the last one.
        XCTAssertEqual(number(section(r.stdout, u3), after: "events"), a.good + 1, r.stdout)
        XCTAssertTrue(section(r.stdout, u3).contains("line too long: 1"), r.stdout)
        XCTAssertTrue(section(r.stdout, u3).contains("state           ended"), r.stdout)
    }

    func testSQLitePrometheusAndNvidiaSmi() throws {
        let dir = try Scratch.directory()
        let db = dir + "/spendlogs.db", page = dir + "/metrics.prom", csv = dir + "/smi.csv"
        let s = try make("spendlogs", db)
        _ = try make("prom", page)
        let n = try make("nvsmi", csv)
        let r = try CLI.run(["check", "sqlite:" + db])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(CheckOutput(text: r.stdout).totalEvents, s.good, r.stdout)
        XCTAssertEqual(number(r.stdout, after: "rejected"), s.hostile, r.stdout)
        XCTAssertEqual(CheckOutput(text: r.stdout).totalSpend ?? -1, s.spend, accuracy: 1e-6, r.stdout)

        // A file of random bytes and a SpendLogs file cut in half, as `sqlite:` sources: a readable
        // failure each (no crash), while the whole table beside them is counted.
        let junk = dir + "/junk.db", cut = dir + "/cut.db"
        var state: UInt64 = 13
        try Data((0..<200_000).map { _ -> UInt8 in state = state &* 6364136223846793005 &+ 1442695040888963407; return UInt8(state >> 56) })
            .write(to: URL(fileURLWithPath: junk))
        let whole = try Data(contentsOf: URL(fileURLWithPath: db))
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: cut))
        let broken = try CLI.run(["check", "sqlite:" + junk, "sqlite:" + db])
        XCTAssertEqual(broken.status, 1, "a source that cannot be read fails check, after the report: \(broken.stderr)")
        XCTAssertTrue(section(broken.stdout, "sqlite:" + junk).contains("state           failed"), broken.stdout)
        XCTAssertEqual(number(section(broken.stdout, "sqlite:" + db), after: "events"), s.good, broken.stdout)
        let halved = try CLI.run(["check", "sqlite:" + cut])
        XCTAssertTrue([0, 1].contains(halved.status), "no crash on a truncated database: \(halved.status) \(halved.stderr)")
        XCTAssertLessThanOrEqual(CheckOutput(text: halved.stdout).totalEvents ?? 0, s.good)

        let (server, port) = try Background.server(["prom", "--page", page])
        running.append(server)
        let prom = try CLI.run(["export", "prom:http://127.0.0.1:\(port)/metrics", "--view", "gpus"])
        XCTAssertEqual(prom.status, 0, prom.stderr)
        let rows = CLI.parseCSV(prom.stdout)
        guard let h = rows.first else { return XCTFail("no CSV: \(prom.stderr)") }
        let g0 = try XCTUnwrap(rows.first { $0.first == "h100-a:0" }.map { Dictionary(uniqueKeysWithValues: zip(h, $0)) }, prom.stdout)
        XCTAssertEqual(g0["util_pct"], "87", "the fixture's readings come through the hostile lines")
        XCTAssertEqual(g0["mem_used_mb"], "71234")
        XCTAssertFalse(prom.stdout.contains("h100-z"), "a reading of 1e999999 or a cut line is not a GPU")
        let promCheck = try CLI.run(["check", "prom:http://127.0.0.1:\(port)/metrics"])
        XCTAssertGreaterThan(number(promCheck.stdout, after: "unreadable metric line:") ?? 0, 5, promCheck.stdout)

        let smi = try CLI.run(["check", "nvidia-smi:-"], stdinData: try Data(contentsOf: URL(fileURLWithPath: csv)))
        XCTAssertEqual(smi.status, 0, smi.stderr)
        XCTAssertEqual(number(smi.stdout, after: "gpu samples"), n.good, "a BOM before the header and CRLF are read: \(smi.stdout)")
        XCTAssertEqual(number(smi.stdout, after: "rejected"), n.hostile, smi.stdout)
    }
}
