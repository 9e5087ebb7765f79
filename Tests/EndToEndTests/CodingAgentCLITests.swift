import Foundation
import XCTest

/// `spendtop export claude:` / `codex:` through the binary, the agents' folders named by the
/// environment as a user would: totals equal the ones worked out by hand from the price table's
/// per-token rates (Tests/SpendCoreTests/CodingAgentLogTests.swift explains each request).
final class CodingAgentCLITests: XCTestCase {
    static let fixtures = CLI.packageRoot.appendingPathComponent("Tests/SpendCoreTests/Fixtures/agents").path
    var sessions: [TmuxSession] = []
    var dirs: [String] = []

    override func tearDown() {
        for s in sessions { s.kill() }
        sessions = []
        for d in dirs { try? FileManager.default.removeItem(atPath: d) }
        dirs = []
    }

    // claude-sonnet-4-5, claude-opus-4-1, claude-haiku-4-5, gpt-5(-codex), gpt-5-mini: USD per token.
    static let sonnet = (input: 3e-6, output: 1.5e-5, read: 3e-7, write: 3.75e-6)
    static let opus = (input: 1.5e-5, output: 7.5e-5, read: 1.5e-6, write: 1.875e-5)
    static let haiku = (input: 1e-6, output: 5e-6, read: 1e-7, write: 1.25e-6)
    static let gpt5 = (input: 1.25e-6, output: 1e-5, read: 1.25e-7)
    static let mini = (input: 2.5e-7, output: 2e-6, read: 2.5e-8)

    /// CSV rows by their first column: (requests, spend_usd, input_tokens, output_tokens, unpriced_requests).
    func table(_ csv: String) throws -> [String: (requests: Int, spend: Double, input: Int, output: Int, unpriced: Int)] {
        let rows = CLI.parseCSV(csv)
        let h = try XCTUnwrap(rows.first)
        let r = try XCTUnwrap(h.firstIndex(of: "requests")), s = try XCTUnwrap(h.firstIndex(of: "spend_usd"))
        let i = try XCTUnwrap(h.firstIndex(of: "input_tokens")), o = try XCTUnwrap(h.firstIndex(of: "output_tokens"))
        let u = try XCTUnwrap(h.firstIndex(of: "unpriced_requests"))
        var out: [String: (Int, Double, Int, Int, Int)] = [:]
        for row in rows.dropFirst() where row.count == h.count {
            // An unpriced group has an empty spend cell (never $0), which reads as 0 here.
            let unpriced = Int(row[u])!, requests = Int(row[r])!
            XCTAssertTrue(!row[s].isEmpty || unpriced == requests, "only a wholly unpriced group has no spend: \(row)")
            out[row[0]] = (requests, Double(row[s]) ?? 0, Int(row[i])!, Int(row[o])!, unpriced)
        }
        return out
    }

    func export(_ source: String, _ view: String, env: [String: String]) throws -> String {
        let r = try CLI.run(["export", source, "--view", view, "--window", "all"], environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "", "no rejected lines")
        return r.stdout
    }

    func testExportClaudeModelsAndFeaturesEqualTheHandTotals() throws {
        let env = ["CLAUDE_CONFIG_DIR": Self.fixtures + "/claude-config"]
        let s = Self.sonnet, o = Self.opus, h = Self.haiku
        // msg A (final of three streaming records; 2183 one-hour cache writes at twice the input rate),
        // msg B (its sidechain copy and a zeroed resume copy dropped), msg C after the compaction.
        let a = 3 * s.input + 2183 * (2 * s.input) + 16457 * s.read + 431 * s.output
        let b = 1 * s.input + 512 * s.write + 18640 * s.read + 88 * s.output
        let c = 9 * s.input + 3000 * s.write + 250 * s.output
        let s1 = 12 * h.input + 1500 * (2 * h.input) + 140 * h.output
        let d = 4 * o.input + 30000 * o.read + 1200 * o.output
        let legacy = 0.0123

        let models = try table(export("claude:", "models", env: env))
        XCTAssertEqual(models.count, 5, "\(models)")
        XCTAssertEqual(models["claude-sonnet-4-5-20250929"]?.requests, 3)
        XCTAssertEqual(models["claude-sonnet-4-5-20250929"]?.spend ?? 0, a + b + c, accuracy: 1e-6)
        XCTAssertEqual(models["claude-sonnet-4-5-20250929"]?.output, 431 + 88 + 250)
        XCTAssertEqual(models["claude-haiku-4-5-20251001"]?.spend ?? 0, s1, accuracy: 1e-6)
        XCTAssertEqual(models["claude-opus-4-1-20250805"]?.spend ?? 0, d, accuracy: 1e-6)
        XCTAssertEqual(models["claude-3-7-sonnet-20250219"]?.spend ?? 0, legacy, accuracy: 1e-6)
        XCTAssertEqual(models["claude-experimental-7"]?.unpriced, 1)
        XCTAssertEqual(models["claude-experimental-7"]?.spend, 0)

        let features = try table(export("claude:", "features", env: env))
        XCTAssertEqual(Set(features.keys), ["webshop", "infra-scripts"])
        XCTAssertEqual(features["webshop"]?.requests, 5)
        XCTAssertEqual(features["webshop"]?.spend ?? 0, a + b + c + s1 + d, accuracy: 1e-6)
        XCTAssertEqual(features["infra-scripts"]?.requests, 2)
        XCTAssertEqual(features["infra-scripts"]?.spend ?? 0, legacy, accuracy: 1e-6)

        // The same folder given after the colon, without the environment.
        let explicit = try table(export("claude:" + Self.fixtures + "/claude-config", "features", env: ["CLAUDE_CONFIG_DIR": ""]))
        XCTAssertEqual(explicit["webshop"]?.spend ?? 0, a + b + c + s1 + d, accuracy: 1e-6)
    }

    func testExportCodexModelsAndFeaturesEqualTheHandTotals() throws {
        let env = ["CODEX_HOME": Self.fixtures + "/codex-home"]
        let g = Self.gpt5, m = Self.mini
        let p1 = (12127 - 6912) * g.input + 6912 * g.read + 623 * g.output      // gpt-5-codex
        let p2 = (15967 - 4992) * g.input + 4992 * g.read + 364 * g.output      // gpt-5
        let c1 = (30100 - 28000) * g.input + 28000 * g.read + 900 * g.output    // the fork's own call, gpt-5
        let x = (5000 * m.input + 400 * m.output)                               // differences of total_token_usage
            + (1000 * m.input + 3000 * m.read + 500 * m.output)
            + (1000 * m.input + 4000 * m.read + 600 * m.output)

        let models = try table(export("codex:", "models", env: env))
        XCTAssertEqual(models.count, 3, "\(models)")
        XCTAssertEqual(models["gpt-5-codex"]?.requests, 1)
        XCTAssertEqual(models["gpt-5-codex"]?.spend ?? 0, p1, accuracy: 1e-6)
        XCTAssertEqual(models["gpt-5"]?.requests, 2, "the fork's replayed parent history is not counted again")
        XCTAssertEqual(models["gpt-5"]?.spend ?? 0, p2 + c1, accuracy: 1e-6)
        XCTAssertEqual(models["gpt-5-mini"]?.requests, 3)
        XCTAssertEqual(models["gpt-5-mini"]?.spend ?? 0, x, accuracy: 1e-6)
        XCTAssertEqual(models["gpt-5-mini"]?.input, 14000)

        let features = try table(export("codex:", "features", env: env))
        XCTAssertEqual(features["payments-api"]?.requests, 3)
        XCTAssertEqual(features["payments-api"]?.spend ?? 0, p1 + p2 + c1, accuracy: 1e-6)
        XCTAssertEqual(features["legacy-cli"]?.spend ?? 0, x, accuracy: 1e-6)
    }

    func testCheckReportsSupersededSkippedAndDuplicates() throws {
        let r = try CLI.run(["check", "claude:"], environment: ["CLAUDE_CONFIG_DIR": Self.fixtures + "/claude-config"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("events          7"), r.stdout)
        XCTAssertTrue(r.stdout.contains("superseded      3"), r.stdout)
        XCTAssertTrue(r.stdout.contains("duplicates      3"), r.stdout)
        XCTAssertTrue(r.stdout.contains("claude <synthetic> message: 1"), r.stdout)
        XCTAssertTrue(r.stdout.contains("formats         claude 22"), r.stdout)
        XCTAssertTrue(r.stdout.contains("rejected        0"), r.stdout)
        XCTAssertTrue(r.stdout.contains("claude-experimental-7: 1"), r.stdout)
        // Session ids are keys: never shown whole.
        let keys = try CLI.run(["export", "claude:", "--view", "keys"], environment: ["CLAUDE_CONFIG_DIR": Self.fixtures + "/claude-config"])
        XCTAssertFalse(keys.stdout.contains("3f1c2a9e-5b7d"), keys.stdout)
        XCTAssertTrue(keys.stdout.contains("…4a63"), keys.stdout)
    }

    func testNoTranscriptsFailsWithAHint() throws {
        let empty = NSTemporaryDirectory() + "spendtop-noclaude-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        dirs.append(empty)
        let r = try CLI.run(["export", "claude:", "--view", "models"], environment: ["CLAUDE_CONFIG_DIR": empty])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("no Claude Code transcripts at \(empty)/projects (from CLAUDE_CONFIG_DIR)"), r.stderr)
    }

    func testCopilotOTelFolderAsASource() throws {
        let r = try CLI.run(["export", Self.fixtures + "/copilot-home/otel", "--view", "models"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let models = try table(r.stdout)
        let s = Self.sonnet, m = Self.mini
        XCTAssertEqual(models["claude-sonnet-4-5"]?.spend ?? 0, 3452 * s.input + 16000 * s.read + 281 * s.output, accuracy: 1e-6)
        XCTAssertEqual(models["gpt-5-mini"]?.spend ?? 0, 1100 * m.input + 19000 * m.read + 640 * m.output, accuracy: 1e-6)
        XCTAssertEqual(models.values.reduce(0) { $0 + $1.requests }, 2, "the agent span and the log record repeat the calls")
    }

    // MARK: - the console following a transcript folder

    static func record(_ ms: Int64, session: String, message: String, model: String, cwd: String,
                       usage: String) -> String {
        let ts = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
        return #"{"parentUuid":null,"isSidechain":false,"userType":"external","cwd":"\#(cwd)","sessionId":"\#(session)","version":"2.0.31","message":{"model":"\#(model)","id":"\#(message)","type":"message","role":"assistant","content":[{"type":"text","text":"…"}],"stop_reason":null,"usage":\#(usage)},"requestId":"req_\#(message)","type":"assistant","uuid":"\#(UUID().uuidString)","timestamp":"\#(ts)"}"# + "\n"
    }

    func append(_ path: String, _ text: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile()
        h.write(Data(text.utf8))
        try h.close()
    }

    /// The console on `claude:` while Claude Code writes: a streaming record is replaced by its
    /// final one, then a second session file appears. Each state's totals are on screen.
    func testConsoleFollowsTranscriptsWhileTheyAreWritten() throws {
        let config = NSTemporaryDirectory() + "spendtop-claude-\(UUID().uuidString)"
        dirs.append(config)
        let now = Int64(Date().timeIntervalSince1970 * 1000) - 120_000
        let alpha = config + "/projects/-home-dev-src-alpha-app/11111111-2222-4333-8444-555555555555.jsonl"
        // Opus, streamed: 40 uncached, 100,000 cache reads, output 1 then 20,000.
        func opus(_ output: Int) -> String {
            #"{"input_tokens":40,"cache_creation_input_tokens":0,"cache_read_input_tokens":100000,"output_tokens":\#(output)}"#
        }
        try append(alpha, Self.record(now, session: "11111111-2222-4333-8444-555555555555", message: "msg_01Live1",
                                      model: "claude-opus-4-1-20250805", cwd: "/home/dev/src/alpha-app", usage: opus(1)))
        let s = try TmuxSession(width: 150, height: 40, args: ["claude:", "--no-store", "--window", "1h"],
                                env: ["CLAUDE_CONFIG_DIR": config])
        sessions.append(s)
        let o = Self.opus, so = Self.sonnet
        let placeholder = 40 * o.input + 100_000 * o.read + 1 * o.output          // $0.150675
        let final = 40 * o.input + 100_000 * o.read + 20_000 * o.output           // $1.6506
        let beta = 10 * so.input + 10_000 * (2 * so.input) + 4_000 * so.output    // $0.12003 (1 h cache writes)
        XCTAssertEqual(String(format: "%.2f", placeholder), "0.15")
        // The header's source counts and the rollup are read a moment apart: wait for both.
        var screen = s.wait("the placeholder counted") {
            $0.contains("alpha-app") && $0.contains("$0.15") && $0.contains("Features 1") && $0.contains("● 1 live")
        }
        XCTAssertFalse(screen.contains("no new lines"), screen)

        try append(alpha, Self.record(now + 9_000, session: "11111111-2222-4333-8444-555555555555", message: "msg_01Live1",
                                      model: "claude-opus-4-1-20250805", cwd: "/home/dev/src/alpha-app", usage: opus(20_000)))
        screen = s.wait("the final record replacing the placeholder") { $0.contains("$1.65") && !$0.contains("$1.80") }
        XCTAssertEqual(String(format: "%.2f", final), "1.65")
        XCTAssertTrue(lines(screen, "alpha-app").contains { $0.contains("$1.65") }, screen)

        let betaFile = config + "/projects/-home-dev-src-beta-svc/99999999-8888-4777-8666-555555555555.jsonl"
        try append(betaFile, Self.record(now + 30_000, session: "99999999-8888-4777-8666-555555555555", message: "msg_01Live2",
                                         model: "claude-sonnet-4-5-20250929", cwd: "/home/dev/src/beta-svc",
                                         usage: #"{"input_tokens":10,"cache_creation_input_tokens":10000,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":10000},"output_tokens":4000}"#))
        XCTAssertEqual(String(format: "%.2f", final + beta), "1.77")
        screen = s.wait("the new session file counted") { $0.contains("Features 2") && $0.contains("beta-svc") && $0.contains("$1.77") }
        XCTAssertTrue(lines(screen, "beta-svc").contains { $0.contains("$0.12") }, screen)
        XCTAssertTrue(lines(screen, "Spend 1h").isEmpty == false, screen)
        s.send("q")
        s.waitFor("EXITED:0")
    }

    func lines(_ screen: String, _ s: String) -> [String] { screen.split(separator: "\n").map(String.init).filter { $0.contains(s) } }
}
