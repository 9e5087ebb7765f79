import Foundation
import XCTest
import SpendCore
@testable import SpendIO

/// `claude:` and `codex:` over real folders and a real store: locations, following, restarts.
final class AgentLogSourceTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = root.appendingPathComponent("Tests/SpendCoreTests/Fixtures/agents").path
    var ingests: [LiveIngest] = []
    var dirs: [String] = []

    // Bundled per-token rates, as in CodingAgentLogTests.
    static let sonnetIn = 3e-6, sonnetOut = 1.5e-5, sonnetRead = 3e-7, sonnetWrite1h = 2 * 3e-6
    static let miniIn = 2.5e-7, miniRead = 2.5e-8, miniOut = 2e-6

    override func tearDown() {
        for i in ingests { i.stop() }
        ingests = []
        for d in dirs { try? FileManager.default.removeItem(atPath: d) }
        dirs = []
    }

    func scratch() throws -> String {
        let d = NSTemporaryDirectory() + "spendtop-agents-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        dirs.append(d)
        return d
    }

    func rollup() -> Rollup {
        var o = Rollup.Options()
        o.retentionMinutes = nil
        o.internAllDimensions = true
        return Rollup(options: o)
    }

    func start(_ specs: [SourceSpec], rollup: Rollup, store: String? = nil, follow: Bool) throws -> LiveIngest {
        var o = LiveIngest.Options()
        o.follow = follow
        o.storePath = store
        o.retentionDays = 100_000
        var settings = SourceSettings()
        settings.rescanSeconds = 0.1
        let ingest = try LiveIngest(sources: specs.map { ($0, settings) }, rollup: rollup, options: o)
        ingests.append(ingest)
        ingest.start()
        return ingest
    }

    func waitFor(_ timeout: Double = 15, _ condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline { if condition() { return true }; usleep(5_000) }
        return condition()
    }

    func total(_ r: SpendQuery) throws -> Measures { try r.rows(ViewQuery(groupBy: nil, window: .all), wallMs: 0).total }

    func append(_ path: String, _ text: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: path, contents: nil)
        }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile()
        h.write(Data(text.utf8))
        try h.close()
    }

    /// A streaming record of one message: same ids, output growing.
    static func record(output: Int, at ts: String, session: String = "5e551011-aaaa-4bbb-8ccc-000000000001",
                       message: String = "msg_01Restart", cwd: String = "/home/dev/src/webshop") -> String {
        #"{"parentUuid":null,"isSidechain":false,"userType":"external","cwd":"\#(cwd)","sessionId":"\#(session)","version":"2.0.31","message":{"model":"claude-sonnet-4-5-20250929","id":"\#(message)","type":"message","role":"assistant","content":[{"type":"text","text":"..."}],"stop_reason":null,"usage":{"input_tokens":3,"cache_creation_input_tokens":2000,"cache_read_input_tokens":10000,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":2000},"output_tokens":\#(output)}},"requestId":"req_\#(message)","type":"assistant","uuid":"\#(UUID().uuidString)","timestamp":"\#(ts)"}"# + "\n"
    }

    static func cost(output: Int) -> Double {
        3 * sonnetIn + 2000 * sonnetWrite1h + 10000 * sonnetRead + Double(output) * sonnetOut
    }

    // MARK: - locations

    func testLocationsFromTheEnvironment() throws {
        let home = try scratch()
        for d in ["/.config/claude/projects/p", "/.claude/projects/q", "/alt/projects/r", "/codex/sessions/2026", "/.codex/sessions"] {
            try FileManager.default.createDirectory(atPath: home + d, withIntermediateDirectories: true)
        }
        let defaults = AgentLogs.resolve(.claude, path: nil, environment: [:], home: home)
        XCTAssertEqual(defaults.roots, [home + "/.config/claude/projects", home + "/.claude/projects"])
        XCTAssertEqual(defaults.name, "claude:")
        let xdg = AgentLogs.resolve(.claude, path: nil, environment: ["XDG_CONFIG_HOME": home + "/alt2"], home: home)
        XCTAssertEqual(xdg.roots.first, home + "/alt2/claude/projects")
        // When set, only the listed folders (comma-separated, spaces trimmed, ~ expanded).
        let listed = AgentLogs.resolve(.claude, path: nil, environment: ["CLAUDE_CONFIG_DIR": "\(home)/alt , ~/.claude,"], home: home)
        XCTAssertEqual(listed.roots, [home + "/alt/projects", home + "/.claude/projects"])
        // A projects folder, a file or a glob given after the colon is read as given.
        XCTAssertEqual(AgentLogs.resolve(.claude, path: home + "/alt/projects/r", environment: [:], home: home).roots,
                       [home + "/alt/projects/r"])
        XCTAssertEqual(AgentLogs.resolve(.codex, path: nil, environment: ["CODEX_HOME": home + "/codex"], home: home).roots,
                       [home + "/codex/sessions", home + "/codex/archived_sessions"])
        XCTAssertEqual(AgentLogs.resolve(.codex, path: nil, environment: [:], home: home).roots,
                       [home + "/.codex/sessions", home + "/.codex/archived_sessions"])
        XCTAssertEqual(try SourceSpec(parsing: "claude:").name, "claude:")
        XCTAssertEqual(try SourceSpec(parsing: "codex:" + home + "/codex").name, "codex:" + home + "/codex")
        guard case .agentLogs(let d) = try SourceSpec(parsing: home + "/alt") else { return XCTFail("a directory is walked") }
        XCTAssertEqual(d.agent, .directory)
    }

    func testNoTranscriptsIsAFailedSourceWithAHint() throws {
        let home = try scratch()
        let logs = AgentLogs.resolve(.claude, path: nil, environment: [:], home: home)
        let ingest = try start([.agentLogs(logs)], rollup: rollup(), follow: false)
        XCTAssertTrue(ingest.waitUntilIdle(timeout: 10))
        XCTAssertEqual(ingest.sources[0].state, .failed)
        XCTAssertTrue(ingest.sources[0].lastError?.contains("CLAUDE_CONFIG_DIR") == true, "\(ingest.sources[0])")
    }

    /// Two config folders in CLAUDE_CONFIG_DIR, one holding a copy of a session from the other
    /// (another inode): every request counted once, by hand.
    func testConfigFoldersAreReadTogetherAndCopiesMeet() throws {
        let other = try scratch()
        let fixture = Self.fixtures + "/claude-config"
        let session = "/projects/-home-dev-src-webshop/3f1c2a9e-5b7d-4e21-9c0a-7d2e8b1f4a63.jsonl"
        try FileManager.default.createDirectory(atPath: other + "/projects/-home-dev-src-webshop", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture + session, toPath: other + session)
        let logs = AgentLogs.resolve(.claude, path: nil, environment: ["CLAUDE_CONFIG_DIR": fixture + "," + other])
        let r = rollup()
        let ingest = try start([.agentLogs(logs)], rollup: r, follow: false)
        XCTAssertTrue(ingest.waitUntilIdle(timeout: 20))
        ingest.stop()
        let s = ingest.sources[0].stats
        XCTAssertEqual(ingest.sources[0].state, .ended)
        XCTAssertEqual(s.rejected, 0)
        XCTAssertEqual(s.events, 7)
        XCTAssertEqual(s.formats["claude"], 22 + 12)
        XCTAssertEqual(r.eventsCounted, 7)
        XCTAssertEqual(s.skipped[.syntheticMessage], 2)
    }

    /// `claude:GLOB` reads the matching files only; a plain folder as SOURCE walks everything below it.
    func testGlobsAndFoldersAsSources() throws {
        func events(_ spec: SourceSpec) throws -> (Int64, SourceStats) {
            let r = rollup()
            let ingest = try start([spec], rollup: r, follow: false)
            XCTAssertTrue(ingest.waitUntilIdle(timeout: 20))
            ingest.stop()
            return (r.eventsCounted, ingest.sources[0].stats)
        }
        let projects = Self.fixtures + "/claude-config/projects"
        // The sessions but not their subagents: A, B, C, then D, the legacy line and the unknown model.
        let (globbed, stats) = try events(.agentLogs(AgentLogs.resolve(.claude, path: projects + "/*/*.jsonl", environment: [:])))
        XCTAssertEqual(globbed, 6)
        XCTAssertEqual(stats.lines, 12 + 4 + 2)
        let (walked, _) = try events(try SourceSpec(parsing: Self.fixtures + "/claude-config"))
        XCTAssertEqual(walked, 7)
    }

    /// Transcript lines without usage are not parsed, but a line cut short is still a counted reject.
    func testDamagedTranscriptLinesAreRejected() throws {
        let dir = try scratch()
        let file = dir + "/projects/p/s.jsonl"
        try append(file, Self.record(output: 7, at: "2026-11-30T10:00:01.000Z")
                   + #"{"type":"user","sessionId":"s","message":{"role":"user","content":"hi"},"uuid":"u1"}"# + "\n"
                   + #"{"type":"assistant","sessionId":"s","message":{"usage":{"input_tokens":1"# + "\n"
                   + #"{"type":"user","sessionId":"s","message":{"role":"user","cont"#)
        let r = rollup()
        let ingest = try start([.agentLogs(AgentLogs.resolve(.claude, path: dir, environment: [:]))], rollup: r, follow: false)
        XCTAssertTrue(ingest.waitUntilIdle(timeout: 10))
        ingest.stop()
        let s = ingest.sources[0].stats
        XCTAssertEqual(s.events, 1)
        XCTAssertEqual(s.rejects, [.invalidJSON: 2])
        XCTAssertEqual(s.formats["claude"], 2)
    }

    // MARK: - following

    /// A session file grows record by record, a second session file appears, a transcript is rewritten.
    func testFollowedFolderSeesNewFilesAppendsAndSupersession() throws {
        let dir = try scratch()
        let a = dir + "/projects/-home-dev-src-webshop/a.jsonl"
        try append(a, Self.record(output: 1, at: "2026-11-30T10:00:01.000Z"))
        let r = rollup()
        let ingest = try start([.agentLogs(AgentLogs.resolve(.claude, path: dir, environment: [:]))], rollup: r, follow: true)
        XCTAssertTrue(waitFor { ingest.read { $0.counters.eventsCounted } == 1 })
        try append(a, Self.record(output: 300, at: "2026-11-30T10:00:09.000Z"))
        XCTAssertTrue(waitFor { ingest.read { $0.counters.superseded } == 1 })
        XCTAssertEqual(try ingest.read { try self.total($0) }.spend, Self.cost(output: 300), accuracy: 1e-12)
        let b = dir + "/projects/-home-dev-src-infra/b.jsonl"
        try append(b, Self.record(output: 50, at: "2026-11-30T10:05:00.000Z", message: "msg_01Other", cwd: "/home/dev/src/infra"))
        XCTAssertTrue(waitFor { ingest.read { $0.counters.eventsCounted } == 2 })
        let t = try ingest.read { try self.total($0) }
        XCTAssertEqual(t.requests, 2)
        XCTAssertEqual(t.spend, Self.cost(output: 300) + Self.cost(output: 50), accuracy: 1e-12)
        XCTAssertEqual(ingest.sources[0].state, .live)
    }

    // MARK: - restarts

    /// The placeholder is counted and stored; spendtop stops; the final record arrives; the next run
    /// replays the store and lets the final record replace the stored placeholder, once.
    func testSupersedingRecordAfterARestart() throws {
        let dir = try scratch()
        let store = dir + "/spend.db"
        let file = dir + "/projects/p/session.jsonl"
        let logs = AgentLogs.resolve(.claude, path: dir, environment: [:])
        try append(file, Self.record(output: 2, at: "2026-11-30T10:00:01.000Z"))
        let first = rollup()
        let a = try start([.agentLogs(logs)], rollup: first, store: store, follow: true)
        XCTAssertTrue(waitFor { a.read { $0.counters.eventsCounted } == 1 })
        XCTAssertTrue(a.waitUntilCaughtUp(timeout: 5))
        a.stop()
        XCTAssertEqual(try total(first).spend, Self.cost(output: 2), accuracy: 1e-12)

        try append(file, Self.record(output: 640, at: "2026-11-30T10:00:20.000Z"))
        let second = rollup()
        let b = try start([.agentLogs(logs)], rollup: second, store: store, follow: false)
        XCTAssertEqual(b.replayedEvents, 1)
        XCTAssertTrue(b.waitUntilIdle(timeout: 10))
        b.stop()
        XCTAssertEqual(b.sources[0].stats.lines, 1, "resumed after the stored line")
        XCTAssertEqual(b.sources[0].stats.superseded, 1)
        let t = try total(second)
        XCTAssertEqual(t.requests, 1)
        XCTAssertEqual(t.outputTokens, 640)
        XCTAssertEqual(t.spend, Self.cost(output: 640), accuracy: 1e-12)
        XCTAssertEqual(second.oldestMs, Timestamp.parseRFC3339("2026-11-30T10:00:01.000Z"), "the request's first sighting")

        // The store alone now says the same.
        let third = rollup()
        let c = try start([], rollup: third, store: store, follow: false)
        XCTAssertTrue(c.waitUntilIdle(timeout: 10))
        c.stop()
        XCTAssertEqual(try total(third).requests, 1)
        XCTAssertEqual(try total(third).spend, Self.cost(output: 640), accuracy: 1e-12)
        XCTAssertEqual(third.superseded, 1)
    }

    /// A Codex session resumed mid-file keeps its model and running total (saved with the position).
    func testCodexResumeKeepsTheSessionContext() throws {
        let home = try scratch()
        let store = home + "/spend.db"
        let file = home + "/sessions/2026/11/30/rollout-2026-11-30T16-00-00-s.jsonl"
        func count(_ total: [Int], _ ts: String) -> String {
            #"{"timestamp":"\#(ts)","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":\#(total[0]),"cached_input_tokens":\#(total[1]),"output_tokens":\#(total[2]),"reasoning_output_tokens":0,"total_tokens":\#(total[0] + total[2])}}}}"# + "\n"
        }
        try append(file, #"{"timestamp":"2026-11-30T16:00:00Z","type":"session_meta","payload":{"id":"0198f1aa-7b3c-7e41-a2d4-9c0b1e2f3a4b","cwd":"/home/dev/src/legacy-cli","model_provider":"openai"}}"# + "\n"
                       + #"{"timestamp":"2026-11-30T16:00:01Z","type":"turn_context","payload":{"model":"gpt-5-mini","cwd":"/home/dev/src/legacy-cli"}}"# + "\n"
                       + count([5000, 0, 400], "2026-11-30T16:00:09Z"))
        let logs = AgentLogs.resolve(.codex, path: nil, environment: ["CODEX_HOME": home])
        let first = rollup()
        let a = try start([.agentLogs(logs)], rollup: first, store: store, follow: true)
        XCTAssertTrue(waitFor { a.read { $0.counters.eventsCounted } == 1 })
        XCTAssertTrue(a.waitUntilCaughtUp(timeout: 5))
        a.stop()

        try append(file, count([9000, 3000, 900], "2026-11-30T16:01:09Z"))
        let second = rollup()
        let b = try start([.agentLogs(logs)], rollup: second, store: store, follow: false)
        XCTAssertTrue(b.waitUntilIdle(timeout: 10))
        b.stop()
        XCTAssertEqual(b.sources[0].stats.lines, 1)
        let models = try second.rows(ViewQuery(groupBy: .model, window: .all), wallMs: 0)
        XCTAssertEqual(models.rows.map(\.name), ["gpt-5-mini"], "the model came back with the position")
        // 5000/0/400, then the difference of the totals: +4000 input (3000 cached), +500 output.
        XCTAssertEqual(models.total.spend, 5000 * Self.miniIn + 400 * Self.miniOut
                       + (4000 - 3000) * Self.miniIn + 3000 * Self.miniRead + 500 * Self.miniOut, accuracy: 1e-12)
        XCTAssertEqual(models.total.inputTokens, 9000)
        let features = try second.rows(ViewQuery(groupBy: .feature, window: .all), wallMs: 0)
        XCTAssertEqual(features.rows.map(\.name), ["legacy-cli"])
    }

    /// A store written before the rank and 1-hour columns existed opens, gains them and replays.
    func testOlderStoreGainsTheNewColumns() throws {
        let dir = try scratch()
        let path = dir + "/old.db"
        let db = try SQLiteDatabase(path: path, readOnly: false)
        try db.execute("""
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO meta VALUES('schema', 'spendtop-store 1');
            CREATE TABLE dims(dim INTEGER NOT NULL, id INTEGER NOT NULL, hash INTEGER NOT NULL, name TEXT NOT NULL, PRIMARY KEY(dim, id)) WITHOUT ROWID;
            CREATE TABLE events(ts INTEGER NOT NULL, req INTEGER NOT NULL, feature INTEGER NOT NULL, api_key INTEGER NOT NULL,
                model INTEGER NOT NULL, team INTEGER NOT NULL, provider INTEGER NOT NULL, user INTEGER NOT NULL, gateway INTEGER NOT NULL,
                input INTEGER NOT NULL, output INTEGER NOT NULL, cache_read INTEGER NOT NULL, cache_write INTEGER NOT NULL,
                reasoning INTEGER NOT NULL, cost REAL, latency_ms REAL, ttft_ms REAL, retry INTEGER NOT NULL, flags INTEGER NOT NULL);
            CREATE TABLE gpu_samples(ts INTEGER NOT NULL, node TEXT NOT NULL, gpu TEXT NOT NULL, util REAL, mem_used REAL, mem_total REAL, power REAL, queue REAL, kv_cache REAL, prefix_hit REAL, running REAL);
            CREATE TABLE positions(key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_ms INTEGER NOT NULL);
            INSERT INTO events VALUES(1764496800000, 7, 0, 0, 0, 0, 0, 0, 0, 10, 5, 0, 0, 0, 0.5, NULL, NULL, 0, 0);
            """)
        let r = rollup()
        let store = try SpendStore(path: path)
        XCTAssertEqual(try store.replay(into: r), 1)
        XCTAssertEqual(try total(r).spend, 0.5)
        XCTAssertTrue(StoreReader.hasColumn(store.db, "events", "rank"))
        XCTAssertTrue(StoreReader.hasColumn(store.db, "events", "cache_write_1h"))
    }
}
