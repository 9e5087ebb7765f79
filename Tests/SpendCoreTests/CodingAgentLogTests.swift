import Foundation
import XCTest
@testable import SpendCore

/// Claude Code transcripts, Codex rollouts and Copilot's OTel file (Fixtures/agents, in the shapes
/// those tools write). Every expected cost is written out below from the bundled price table's
/// per-token rates, never read from spendtop's output.
final class CodingAgentLogTests: XCTestCase {

    // Bundled per-token rates (Sources/SpendCore/Pricing/BundledPrices.swift).
    enum Rate {
        // claude-sonnet-4-5: input, output, cache read, cache write (5 m); 1 h writes at 2 × input.
        static let sonnetIn = 3e-6, sonnetOut = 1.5e-5, sonnetRead = 3e-7, sonnetWrite = 3.75e-6, sonnetWrite1h = 2 * 3e-6
        static let opusIn = 1.5e-5, opusOut = 7.5e-5, opusRead = 1.5e-6
        static let haikuIn = 1e-6, haikuOut = 5e-6, haiku1h = 2 * 1e-6
        // gpt-5 and gpt-5-codex share rates; reasoning is billed as output (no reasoning rate).
        static let gpt5In = 1.25e-6, gpt5Read = 1.25e-7, gpt5Out = 1e-5
        static let miniIn = 2.5e-7, miniRead = 2.5e-8, miniOut = 2e-6
    }

    // MARK: - helpers

    static var agentsDir: URL {
        Bundle.module.url(forResource: "agents", withExtension: nil, subdirectory: "Fixtures")!
    }

    static let claudeProjects = agentsDir.appendingPathComponent("claude-config/projects").path
    static let webshop = claudeProjects + "/-home-dev-src-webshop"
    static let session1 = webshop + "/3f1c2a9e-5b7d-4e21-9c0a-7d2e8b1f4a63.jsonl"
    static let sidechain = webshop + "/3f1c2a9e-5b7d-4e21-9c0a-7d2e8b1f4a63/subagents/agent-a9f4657.jsonl"
    static let resumed = webshop + "/8c2d6b10-1e4f-4a7b-b3c5-0f9e2d7a6c18.jsonl"
    static let legacy = claudeProjects + "/-home-dev-src-infra-scripts/b71e0c4d-92aa-4f0e-8d36-5c1a7e3f2b90.jsonl"
    static let codexHome = agentsDir.appendingPathComponent("codex-home").path
    static let codexParent = codexHome + "/sessions/2026/11/30/rollout-2026-11-30T09-00-00-019ad3c2-5e10-7a31-9b2f-4c8e1d7f6a20.jsonl"
    static let codexFork = codexHome + "/sessions/2026/11/30/rollout-2026-11-30T11-30-00-019ad45b-03c4-7d02-8e6a-1f2b3c4d5e6f.jsonl"
    static let codexArchivedParent = codexHome + "/archived_sessions/rollout-2026-11-30T09-00-00-019ad3c2-5e10-7a31-9b2f-4c8e1d7f6a20.jsonl"
    static let codexCounter = codexHome + "/archived_sessions/rollout-2026-11-29T16-00-00-0198f1aa-7b3c-7e41-a2d4-9c0b1e2f3a4b.jsonl"
    static let copilot = agentsDir.appendingPathComponent("copilot-home/otel/copilot-otel-20251130.jsonl").path

    func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func lines(_ path: String) throws -> [String] { try text(path).split(separator: "\n").map(String.init) }

    /// Each file through its own pipeline, as the `claude:`/`codex:` sources read them.
    @discardableResult
    func ingestFiles(_ paths: [String], into rollup: Rollup) throws -> SourceStats {
        var total = SourceStats()
        for p in paths {
            let s = ingest(try text(p), into: rollup, chunk: 777)
            total.lines += s.lines
            total.events += s.events
            total.duplicates += s.duplicates
            total.superseded += s.superseded
            for (k, v) in s.skipped { total.skipped[k, default: 0] += v }
            for (k, v) in s.rejects { total.rejects[k, default: 0] += v }
        }
        return total
    }

    func by(_ d: SpendCore.Dimension, _ rollup: Rollup) throws -> [String: Measures] {
        let r = try rollup.rows(ViewQuery(groupBy: d, window: .all), wallMs: wall)
        return Dictionary(uniqueKeysWithValues: r.rows.map { ($0.name, $0.measures) })
    }

    func total(_ rollup: Rollup) throws -> Measures {
        try rollup.rows(ViewQuery(groupBy: nil, window: .all), wallMs: wall).total
    }

    func decode(_ line: String, context: StreamContext = StreamContext()) throws -> (String, DecodedLine) {
        let f = try Data(line.utf8).withUnsafeBytes { try JSONFields.parse($0).get() }
        return ImporterRegistry.decode(f, context: context)
    }

    // Claude requests of the fixture, by hand (input_tokens there excludes the cache).
    // msg A: 3 uncached, 2183 cache writes with the 1 h TTL, 16457 cache reads, 431 output (final record)
    static let costA = 3 * Rate.sonnetIn + 2183 * Rate.sonnetWrite1h + 16457 * Rate.sonnetRead + 431 * Rate.sonnetOut
    // msg B: 1 uncached, 512 5-minute cache writes, 18640 reads, 88 output
    static let costB = 1 * Rate.sonnetIn + 512 * Rate.sonnetWrite + 18640 * Rate.sonnetRead + 88 * Rate.sonnetOut
    // msg C (after the compaction): 9 uncached, 3000 5-minute writes, 250 output
    static let costC = 9 * Rate.sonnetIn + 3000 * Rate.sonnetWrite + 250 * Rate.sonnetOut
    // sidechain's own msg S1 (haiku): 12 uncached, 1500 1-hour writes, 140 output (final record)
    static let costS1 = 12 * Rate.haikuIn + 1500 * Rate.haiku1h + 140 * Rate.haikuOut
    // resumed session's new msg D (opus): 4 uncached, 30000 reads, 1200 output
    static let costD = 4 * Rate.opusIn + 30000 * Rate.opusRead + 1200 * Rate.opusOut
    // the old version's line carries its own cost
    static let costLegacy = 0.0123

    // MARK: - Claude Code

    func testClaudeStreamingRecordsAreOneRequestAndTheLargestWinsInEitherOrder() throws {
        let streamed = try lines(Self.session1).filter { $0.contains("msg_01AbCdEf0001") }
        XCTAssertEqual(streamed.count, 3)
        for order in [streamed, streamed.reversed(), [streamed[2], streamed[0], streamed[1]]] {
            let rollup = rollupForExport()
            let stats = ingest(order.joined(separator: "\n") + "\n", into: rollup)
            let t = try total(rollup)
            XCTAssertEqual(t.requests, 1)
            XCTAssertEqual(t.outputTokens, 431)
            XCTAssertEqual(t.inputTokens, 3 + 2183 + 16457)
            XCTAssertEqual(t.cacheWriteTokens, 2183)
            XCTAssertEqual(t.spend, Self.costA, accuracy: 1e-12)
            XCTAssertEqual(stats.events, 1)
            XCTAssertEqual(stats.superseded + stats.duplicates, 2)
            // A request starts when it is first seen: the placeholder's minute, 10:00.
            XCTAssertEqual(rollup.oldestMs, Timestamp.parseRFC3339("2026-11-30T10:00:01.100Z"))
        }
    }

    func testSupersededRecordMovesOutOfItsMinuteAndEveryGrouping() throws {
        // The placeholder in minute 10:00 for model X and feature p; the final record a minute later.
        let first = #"{"type":"assistant","sessionId":"s1","cwd":"/w/p","timestamp":"2026-11-30T10:00:59.000Z","requestId":"r1","message":{"id":"m1","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"output_tokens":1}}}"#
        let final = #"{"type":"assistant","sessionId":"s1","cwd":"/w/p","timestamp":"2026-11-30T10:01:30.000Z","requestId":"r1","message":{"id":"m1","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"output_tokens":500}}}"#
        let rollup = rollupForExport()
        _ = ingest(first + "\n" + final + "\n", into: rollup)
        let minute = Rollup.floorDiv(Timestamp.parseRFC3339("2026-11-30T10:00:00Z")!, 60_000)
        for g in [Grouping.total, .by(.model), .by(.feature), .by(.apiKey), .pair(.feature, .model)] {
            let cells = rollup.sum(g, fromMinute: minute, toMinute: minute + 5)
            XCTAssertEqual(cells.count, 1, "\(g)")
            let m = try XCTUnwrap(cells.values.first)
            XCTAssertEqual(m.requests, 1, "\(g)")
            XCTAssertEqual(m.outputTokens, 500, "\(g)")
            XCTAssertEqual(m.spend, 10 * Rate.sonnetIn + 500 * Rate.sonnetOut, accuracy: 1e-12)
        }
        // Counted in the first record's minute only.
        XCTAssertEqual(rollup.sum(.total, fromMinute: minute + 1, toMinute: minute + 1).values.first?.requests ?? 0, 0)
        XCTAssertEqual(rollup.eventsCounted, 1)
        XCTAssertEqual(rollup.superseded, 1)
    }

    func testSidechainReplayIsDroppedWhicheverFileIsReadFirst() throws {
        for files in [[Self.session1, Self.sidechain], [Self.sidechain, Self.session1]] {
            let rollup = rollupForExport()
            let stats = try ingestFiles(files, into: rollup)
            let models = try by(.model, rollup)
            // msg B once (the sidechain's copy under another requestId is not a request), S1 once.
            XCTAssertEqual(models["claude-sonnet-4-5-20250929"]?.requests, 3)
            XCTAssertEqual(models["claude-sonnet-4-5-20250929"]?.spend ?? 0, Self.costA + Self.costB + Self.costC, accuracy: 1e-12)
            XCTAssertEqual(models["claude-haiku-4-5-20251001"]?.requests, 1)
            XCTAssertEqual(models["claude-haiku-4-5-20251001"]?.spend ?? 0, Self.costS1, accuracy: 1e-12)
            XCTAssertEqual(stats.events, 4)
            XCTAssertEqual(stats.rejects, [:])
        }
    }

    func testSidechainCopyReadFirstGivesWayToTheMainRecordAndItsTime() throws {
        let copy = try lines(Self.sidechain).first { $0.contains("req_011CVside9001") }!
        let original = try lines(Self.session1).first { $0.contains("req_011CVa0002") }!
        let rollup = rollupForExport()
        let stats = ingest(copy + "\n" + original + "\n", into: rollup)
        XCTAssertEqual(stats.events, 1)
        XCTAssertEqual(stats.superseded, 1)
        XCTAssertEqual(try total(rollup).spend, Self.costB, accuracy: 1e-12)
        XCTAssertEqual(rollup.oldestMs, Timestamp.parseRFC3339("2026-11-30T10:01:10.250Z"))
    }

    func testSyntheticMessagesAreSkippedAndCounted() throws {
        let line = try lines(Self.session1).first { $0.contains("<synthetic>") }!
        let (format, decoded) = try decode(line)
        XCTAssertEqual(format, "claude")
        XCTAssertEqual(decoded, .skipped(.syntheticMessage))
        let rollup = rollupForExport()
        let stats = ingest(line + "\n", into: rollup)
        XCTAssertEqual(stats.skipped, [.syntheticMessage: 1])
        XCTAssertEqual(stats.events, 0)
        XCTAssertEqual(stats.rejected, 0)
        XCTAssertEqual(rollup.eventsCounted, 0)
    }

    func testCompactedSessionCountsEveryRequestOnceAndTheRestIsTranscript() throws {
        let rollup = rollupForExport()
        let stats = try ingestFiles([Self.session1], into: rollup)
        XCTAssertEqual(stats.lines, 12)
        // Summary, user turns, tool result, compact boundary, compact summary, file snapshot: no request, no reject.
        XCTAssertEqual(stats.rejects, [:])
        XCTAssertEqual(stats.events, 3)
        XCTAssertEqual(stats.skipped, [.syntheticMessage: 1])
        let t = try total(rollup)
        XCTAssertEqual(t.requests, 3)
        XCTAssertEqual(t.spend, Self.costA + Self.costB + Self.costC, accuracy: 1e-12)
        XCTAssertEqual(t.outputTokens, 431 + 88 + 250)
    }

    func testWholeClaudeFixtureByHand() throws {
        let rollup = rollupForExport()
        let stats = try ingestFiles([Self.session1, Self.sidechain, Self.resumed, Self.legacy], into: rollup)
        // A (3 records), B (+ sidechain copy, + zeroed resume copy), C, S1 (2 records), D, legacy, unknown.
        XCTAssertEqual(stats.events, 7)
        XCTAssertEqual(stats.superseded, 3)
        XCTAssertEqual(stats.duplicates, 3)
        let models = try by(.model, rollup)
        XCTAssertEqual(models["claude-opus-4-1-20250805"]?.spend ?? 0, Self.costD, accuracy: 1e-12)
        XCTAssertEqual(models["claude-3-7-sonnet-20250219"]?.spend ?? 0, Self.costLegacy, accuracy: 1e-12)
        // A model no table prices is unpriced, not $0 counted as known.
        XCTAssertEqual(models["claude-experimental-7"]?.unpriced, 1)
        XCTAssertEqual(rollup.unpricedModels.map(\.model), ["claude-experimental-7"])
        let features = try by(.feature, rollup)
        XCTAssertEqual(features["webshop"]?.requests, 5)
        XCTAssertEqual(features["webshop"]?.spend ?? 0, Self.costA + Self.costB + Self.costC + Self.costS1 + Self.costD, accuracy: 1e-12)
        XCTAssertEqual(features["infra-scripts"]?.requests, 2)
        XCTAssertEqual(features["infra-scripts"]?.spend ?? 0, Self.costLegacy, accuracy: 1e-12)
        // The session is the key, shown masked; every request is Anthropic's.
        let keys = try by(.apiKey, rollup)
        XCTAssertEqual(Set(keys.keys), ["…4a63", "…6c18", "…2b90"])
        XCTAssertEqual(try by(.provider, rollup).keys.sorted(), ["anthropic"])
    }

    func testClaudeLineFields() throws {
        let line = try lines(Self.session1).first { $0.contains("a-0004") }!
        guard case .events(let e) = try decode(line).1, let ev = e.first else { return XCTFail() }
        XCTAssertEqual(ev.timestampMs, Timestamp.parseRFC3339("2026-11-30T10:01:10.250Z"))
        XCTAssertEqual(ev.usage, TokenUsage(input: 1 + 18640 + 512, output: 88, cacheRead: 18640, cacheWrite: 512))
        XCTAssertEqual(ev.feature, "webshop")
        XCTAssertEqual(ev.apiKey, "3f1c2a9e-5b7d-4e21-9c0a-7d2e8b1f4a63")
        XCTAssertEqual(ev.provider, "anthropic")
        XCTAssertEqual(ev.model, "claude-sonnet-4-5-20250929")
        XCTAssertNil(ev.costUSD)
        XCTAssertGreaterThan(ev.supersedeRank, 0)
        let oneHour = try lines(Self.session1).first { $0.contains("a-0003") }!
        guard case .events(let e2) = try decode(oneHour).1 else { return XCTFail() }
        XCTAssertEqual(e2.first?.usage.cacheWrite1h, 2183)
        // A Windows working directory names the project too.
        XCTAssertEqual(AgentLogValues.project(cwd: #"C:\dev\loop\"#), "loop")
        XCTAssertNil(AgentLogValues.project(cwd: "/"))
    }

    func testOneHourCacheWriteRateFromAPriceFile() throws {
        let prices = try PriceTable.litellmJSON(Data("""
            {"claude-sonnet-4-5": {"input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05,
             "cache_read_input_token_cost": 3e-07, "cache_creation_input_token_cost": 3.75e-06,
             "cache_creation_input_token_cost_above_1hr": 7e-06}}
            """.utf8))
        let p = try XCTUnwrap(prices.price(for: "claude-sonnet-4-5"))
        XCTAssertEqual(p.cacheWrite1h, 7e-06)
        let usage = TokenUsage(input: 3 + 2183 + 16457 + 100, output: 431, cacheRead: 16457, cacheWrite: 2183 + 100, cacheWrite1h: 2183)
        XCTAssertEqual(p.cost(usage, batch: false),
                       3 * 3e-6 + 2183 * 7e-6 + 100 * 3.75e-6 + 16457 * 3e-7 + 431 * 1.5e-5, accuracy: 1e-12)
        // Without the key, 1-hour writes cost twice the input rate.
        let bundled = try XCTUnwrap(PriceTable.bundled.price(for: "claude-sonnet-4-5"))
        XCTAssertEqual(bundled.cost(usage, batch: false),
                       3 * 3e-6 + 2183 * 6e-6 + 100 * 3.75e-6 + 16457 * 3e-7 + 431 * 1.5e-5, accuracy: 1e-12)
        // The split can never bill more writes than were reported.
        let bad = TokenUsage(input: 10, output: 0, cacheWrite: 5, cacheWrite1h: 50)
        XCTAssertEqual(bundled.cost(bad, batch: false), 5 * 3e-6 + 5 * 6e-6, accuracy: 1e-15)
    }

    func testAnthropicMessagesKeepTheirOneHourWritesApart() throws {
        let line = #"{"ts":"2026-11-28T10:00:00Z","response":{"type":"message","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"cache_creation_input_tokens":300,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":200},"output_tokens":5}}}"#
        guard case .events(let e) = try decode(line).1 else { return XCTFail() }
        XCTAssertEqual(e.first?.usage, TokenUsage(input: 310, output: 5, cacheWrite: 300, cacheWrite1h: 200))
    }

    func testHostileClaudeLinesAreCountedRejectsOrHarmless() throws {
        let rollup = rollupForExport()
        let text = [
            // no timestamp on a usage record: a counted reject, not a crash
            #"{"type":"assistant","sessionId":"s","uuid":"u1","message":{"id":"m","model":"claude-sonnet-4-5","usage":{"input_tokens":1,"output_tokens":1}}}"#,
            // negative and absurd counts do not poison sums
            #"{"type":"assistant","sessionId":"s","uuid":"u2","timestamp":"2026-11-30T10:00:00Z","message":{"id":"m2","model":"claude-sonnet-4-5","usage":{"input_tokens":-5,"output_tokens":1e300,"cache_read_input_tokens":"x"}}}"#,
            // usage of the wrong type: part of the transcript, no request
            #"{"type":"assistant","sessionId":"s","uuid":"u3","timestamp":"2026-11-30T10:00:00Z","message":{"id":"m3","usage":[1,2]}}"#,
            // control characters in the project and model never reach a name unstripped
            #"{"type":"assistant","sessionId":"s","uuid":"u4","cwd":"/w/\u001b[31mevil","timestamp":"2026-11-30T10:00:00Z","message":{"id":"m4","model":"x\u0007","usage":{"input_tokens":1,"output_tokens":1}}}"#,
        ].joined(separator: "\n") + "\n"
        let stats = ingest(text, into: rollup)
        XCTAssertEqual(stats.rejects, [.missingTimestamp: 1])
        XCTAssertEqual(stats.events, 2)
        let t = try total(rollup)
        XCTAssertEqual(t.inputTokens, 1)
        XCTAssertEqual(t.outputTokens, 1)
        XCTAssertTrue(try by(.feature, rollup).keys.allSatisfy { !$0.unicodeScalars.contains { $0.value < 32 } })
        XCTAssertTrue(try by(.model, rollup).keys.allSatisfy { !$0.unicodeScalars.contains { $0.value < 32 } })
    }

    // MARK: - Codex

    // The parent's two calls, the fork's own call, and the counter-style session's three calls.
    static let codexP1 = (12127 - 6912) * Rate.gpt5In + 6912 * Rate.gpt5Read + 623 * Rate.gpt5Out   // gpt-5-codex
    static let codexP2 = (15967 - 4992) * Rate.gpt5In + 4992 * Rate.gpt5Read + 364 * Rate.gpt5Out   // gpt-5
    static let codexC1 = (30100 - 28000) * Rate.gpt5In + 28000 * Rate.gpt5Read + 900 * Rate.gpt5Out // gpt-5
    // total_token_usage only: 5000/0/400, then 9000/3000/900 (+4000/3000/500), a repeat, then
    // 14000/7000/1500 (+5000/4000/600)
    static let codexX = (5000 * Rate.miniIn + 400 * Rate.miniOut)
        + ((4000 - 3000) * Rate.miniIn + 3000 * Rate.miniRead + 500 * Rate.miniOut)
        + ((5000 - 4000) * Rate.miniIn + 4000 * Rate.miniRead + 600 * Rate.miniOut)

    func testCodexForkReplayIsNotCountedAgainInEitherOrder() throws {
        for files in [[Self.codexParent, Self.codexFork], [Self.codexFork, Self.codexParent]] {
            let rollup = rollupForExport()
            let stats = try ingestFiles(files, into: rollup)
            XCTAssertEqual(stats.rejects, [:])
            XCTAssertEqual(stats.events, 3, "parent's two calls and the fork's own")
            let models = try by(.model, rollup)
            XCTAssertEqual(models["gpt-5-codex"]?.requests, 1)
            XCTAssertEqual(models["gpt-5-codex"]?.spend ?? 0, Self.codexP1, accuracy: 1e-12)
            XCTAssertEqual(models["gpt-5"]?.requests, 2)
            XCTAssertEqual(models["gpt-5"]?.spend ?? 0, Self.codexP2 + Self.codexC1, accuracy: 1e-12)
            XCTAssertEqual(models["gpt-5"]?.reasoningTokens, 100 + 300)
            // The parent's calls stay at the parent's times, even when the fork was read first.
            let nine = Rollup.floorDiv(Timestamp.parseRFC3339("2026-11-30T09:00:00Z")!, 60_000)
            XCTAssertEqual(rollup.sum(.total, fromMinute: nine, toMinute: nine + 10).values.first?.requests, 2)
            let keys = try by(.apiKey, rollup)
            XCTAssertEqual(keys.count, 2, "parent and fork sessions")
        }
    }

    func testCodexRepeatedCountAndArchivedCopyCountOnce() throws {
        let rollup = rollupForExport()
        let stats = try ingestFiles([Self.codexParent, Self.codexArchivedParent], into: rollup)
        XCTAssertEqual(stats.events, 2)
        XCTAssertEqual(stats.duplicates, 1 + 3)
        XCTAssertEqual(try total(rollup).spend, Self.codexP1 + Self.codexP2, accuracy: 1e-12)
        XCTAssertEqual(try by(.feature, rollup).keys.sorted(), ["payments-api"])
    }

    func testCodexCounterStyleTotalsAreDifferenced() throws {
        let rollup = rollupForExport()
        let stats = try ingestFiles([Self.codexCounter], into: rollup)
        XCTAssertEqual(stats.events, 3)
        let t = try total(rollup)
        XCTAssertEqual(t.inputTokens, 14000)
        XCTAssertEqual(t.cacheReadTokens, 7000)
        XCTAssertEqual(t.outputTokens, 1500)
        XCTAssertEqual(t.reasoningTokens, 300)
        XCTAssertEqual(t.spend, Self.codexX, accuracy: 1e-12)
        XCTAssertEqual(try by(.feature, rollup).keys.sorted(), ["legacy-cli"])
    }

    func testWholeCodexHomeByHand() throws {
        let rollup = rollupForExport()
        _ = try ingestFiles([Self.codexParent, Self.codexFork, Self.codexCounter, Self.codexArchivedParent], into: rollup)
        let features = try by(.feature, rollup)
        XCTAssertEqual(features["payments-api"]?.spend ?? 0, Self.codexP1 + Self.codexP2 + Self.codexC1, accuracy: 1e-12)
        XCTAssertEqual(features["legacy-cli"]?.spend ?? 0, Self.codexX, accuracy: 1e-12)
        XCTAssertEqual(try total(rollup).requests, 6)
        XCTAssertEqual(try by(.provider, rollup).keys.sorted(), ["openai"])
    }

    func testCodexCounterResetAndStaleSnapshot() throws {
        func tc(_ total: [Int], _ t: String) -> String {
            #"{"timestamp":"2026-11-30T10:00:\#(t)Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":\#(total[0]),"cached_input_tokens":0,"output_tokens":\#(total[1]),"reasoning_output_tokens":0,"total_tokens":\#(total[0] + total[1])}}}}"#
        }
        let meta = #"{"timestamp":"2026-11-30T10:00:00Z","type":"session_meta","payload":{"id":"s","cwd":"/w/x"}}"#
        let model = #"{"timestamp":"2026-11-30T10:00:00Z","type":"turn_context","payload":{"model":"gpt-5-mini"}}"#
        let text = [meta, model, tc([10000, 100], "01"), tc([20000, 200], "02"),
                    tc([19990, 200], "03"),   // a stale snapshot just behind: ignored
                    tc([20500, 250], "04"),   // +500/+50 from the last real total
                    tc([300, 30], "05")]      // a reset: counted as it stands
            .joined(separator: "\n") + "\n"
        let rollup = rollupForExport()
        let stats = ingest(text, into: rollup)
        XCTAssertEqual(stats.events, 4)
        XCTAssertEqual(try total(rollup).inputTokens, 10000 + 10000 + 500 + 300)
        XCTAssertEqual(try total(rollup).outputTokens, 100 + 100 + 50 + 30)
    }

    func testResumedCodexStreamDecodesLikeAFullRead() throws {
        // The context saved with a position restores the session, model and running total.
        let all = try lines(Self.codexCounter)
        let full = StreamContext()
        var fullEvents: [SpendEvent] = []
        for l in all { if case .events(let e) = try decode(l, context: full).1 { fullEvents += e } }
        let head = StreamContext()
        for l in all.prefix(4) { _ = try decode(l, context: head) }
        let resumed = StreamContext()
        resumed.restore(try XCTUnwrap(head.snapshot()))
        XCTAssertEqual(resumed.codex, head.codex)
        var tailEvents: [SpendEvent] = []
        for l in all.dropFirst(4) { if case .events(let e) = try decode(l, context: resumed).1 { tailEvents += e } }
        XCTAssertEqual(tailEvents, Array(fullEvents.suffix(tailEvents.count)))
        XCTAssertEqual(tailEvents.first?.model, "gpt-5-mini")
        XCTAssertEqual(tailEvents.first?.usage.input, 5000)
        // Garbage in a saved position is ignored, not trusted.
        let junk = StreamContext()
        junk.restore("{not json")
        XCTAssertNil(junk.codex)
    }

    func testCodexLineFields() throws {
        let ctx = StreamContext()
        var events: [SpendEvent] = []
        for l in try lines(Self.codexParent) {
            let (format, d) = try decode(l, context: ctx)
            XCTAssertEqual(format, "codex")
            if case .events(let e) = d { events += e }
            if case .rejected(let r) = d { XCTFail("\(r): \(l)") }
        }
        XCTAssertEqual(events.count, 3, "the repeat decodes too; the rollup counts it once")
        let first = events[0]
        XCTAssertEqual(first.usage, TokenUsage(input: 12127, output: 623, cacheRead: 6912, reasoning: 454))
        XCTAssertEqual(first.model, "gpt-5-codex")
        XCTAssertEqual(first.apiKey, "019ad3c2-5e10-7a31-9b2f-4c8e1d7f6a20")
        XCTAssertEqual(first.feature, "payments-api")
        XCTAssertEqual(first.provider, "openai")
        XCTAssertEqual(events[1].requestID, first.requestID)
        XCTAssertEqual(events[2].model, "gpt-5")
        // Without the stream's memory a token_count line is still decoded, but unpriced.
        let alone = try lines(Self.codexParent).last!
        guard case .events(let e) = try decode(alone).1 else { return XCTFail() }
        XCTAssertNil(e.first?.model)
    }

    // MARK: - Copilot CLI OTel file, OTLP agent spans

    func testCopilotOTelFileCountsModelCallsOnly() throws {
        let rollup = rollupForExport()
        let stats = try ingestFiles([Self.copilot], into: rollup)
        XCTAssertEqual(stats.rejects, [:])
        XCTAssertEqual(stats.events, 2)
        XCTAssertEqual(stats.skipped, [.agentRollupSpan: 1])
        let models = try by(.model, rollup)
        // input_tokens includes the cache reads (current GenAI conventions)
        XCTAssertEqual(models["claude-sonnet-4-5"]?.spend ?? 0,
                       (19452 - 16000) * Rate.sonnetIn + 16000 * Rate.sonnetRead + 281 * Rate.sonnetOut, accuracy: 1e-12)
        XCTAssertEqual(models["gpt-5-mini"]?.spend ?? 0,
                       (20100 - 19000) * Rate.miniIn + 19000 * Rate.miniRead + 640 * Rate.miniOut, accuracy: 1e-12)
        XCTAssertEqual(models["gpt-5-mini"]?.reasoningTokens, 256)
        let sonnet = try XCTUnwrap(models["claude-sonnet-4-5"])
        XCTAssertEqual(sonnet.latencySumMs, 3750, accuracy: 1e-6)
        XCTAssertEqual(try by(.apiKey, rollup).keys.sorted(), ["…6666"])
    }

    func testOTLPAgentSpanIsNotCountedBesideItsModelCalls() throws {
        func span(_ id: String, _ name: String, _ op: String, _ input: Int) -> String {
            #"{"traceId":"t1","spanId":"\#(id)","name":"\#(name)","startTimeUnixNano":"1764496800000000000","endTimeUnixNano":"1764496801000000000","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"\#(op)"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-5-mini"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"\#(input)"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":"10"}}]}"#
        }
        func line(_ spans: [String]) -> String {
            #"{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"spans":[\#(spans.joined(separator: ","))]}]}]}"#
        }
        // One line with both; then a later line with only the agent span of the same trace.
        let text = line([span("a", "invoke_agent x", "invoke_agent", 300), span("c1", "chat gpt-5-mini", "chat", 100),
                         span("c2", "chat gpt-5-mini", "chat", 200)]) + "\n"
            + line([span("a2", "invoke_agent x", "invoke_agent", 300)]) + "\n"
            // An agent span in a trace with no model-call span is the only record of its usage.
            + line([span("z", "invoke_agent y", "invoke_agent", 50)]).replacingOccurrences(of: "\"t1\"", with: "\"t2\"") + "\n"
        let rollup = rollupForExport()
        let stats = ingest(text, into: rollup)
        XCTAssertEqual(stats.events, 3)
        XCTAssertEqual(stats.skipped, [.agentRollupSpan: 1])
        XCTAssertEqual(try total(rollup).inputTokens, 100 + 200 + 50)
    }

    // MARK: - detection

    func testEveryAgentFixtureLineHasExactlyOneMatcher() throws {
        let files = [Self.session1: "claude", Self.sidechain: "claude", Self.resumed: "claude", Self.legacy: "claude",
                     Self.codexParent: "codex", Self.codexFork: "codex", Self.codexCounter: "codex",
                     Self.copilot: "otel-span"]
        for (file, name) in files {
            for (i, l) in try lines(file).enumerated() {
                let f = try Data(l.utf8).withUnsafeBytes { try JSONFields.parse($0).get() }
                let matching = ImporterRegistry.order.filter { $0.matches(f) }.map { $0.formatName }
                XCTAssertEqual(matching, [name], "\((file as NSString).lastPathComponent) line \(i + 1)")
            }
        }
        // And the agent matchers leave the other formats' fixtures alone.
        for other in ["native-events.jsonl", "anthropic-messages.jsonl", "openai-responses.jsonl", "otlp-genai-spans.jsonl",
                      "litellm-standard-logging-payload.jsonl", "litellm-spendlogs-rows.jsonl"] {
            let url = try XCTUnwrap(Bundle.module.url(forResource: other, withExtension: nil, subdirectory: "Fixtures"))
            for l in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
                guard let f = try? Data(l.utf8).withUnsafeBytes({ try JSONFields.parse($0).get() }) else { continue }
                for importer in [ClaudeTranscriptImporter.self, CodexSessionImporter.self, OTelSpanLineImporter.self] as [EventImporter.Type] {
                    XCTAssertFalse(importer.matches(f), "\(importer.formatName) claims a line of \(other)")
                }
            }
        }
    }

    // MARK: - supersession in the rollup

    func testSupersessionTakesBackLatencyAndUnpricedAndKeepsLowerRanksOut() throws {
        var o = Rollup.Options()
        o.retentionMinutes = nil
        let rollup = Rollup(options: o)
        func record(rank: UInt64, output: Int64, latency: Double, model: String) -> InternedEvent {
            var e = rollup.intern(SpendEvent(timestampMs: 1_764_496_800_000, requestID: "k", model: model,
                                             usage: TokenUsage(input: 10, output: output), latencyMs: latency))
            e.supersedeRank = rank
            return e
        }
        var a = record(rank: 5, output: 1, latency: 4000, model: "not-a-model")
        XCTAssertTrue(rollup.ingest(&a))
        XCTAssertEqual(rollup.unpricedRequests, 1)
        var lower = record(rank: 4, output: 900, latency: 1, model: "gpt-5-mini")
        XCTAssertFalse(rollup.ingest(&lower))
        XCTAssertEqual(rollup.duplicates, 1)
        var b = record(rank: 6, output: 100, latency: 20, model: "gpt-5-mini")
        XCTAssertFalse(rollup.ingest(&b), "a supersession is not a new request")
        XCTAssertEqual(rollup.superseded, 1)
        XCTAssertEqual(rollup.unpricedRequests, 0, "the unpriced record was taken back")
        let t = try total(rollup)
        XCTAssertEqual(t.requests, 1)
        XCTAssertEqual(t.unpriced, 0)
        XCTAssertEqual(t.outputTokens, 100)
        XCTAssertEqual(t.latencySumMs, 20)
        XCTAssertEqual(t.latency.total, 1)
        XCTAssertEqual(t.latency.percentile(0.99) ?? 0, 20, accuracy: 20 * 0.13)
        XCTAssertEqual(t.spend, 10 * Rate.miniIn + 100 * Rate.miniOut, accuracy: 1e-15)
        let models = try by(.model, rollup)
        XCTAssertEqual(models["not-a-model"]?.requests ?? 0, 0)
        // An ordinary event with the same id is counted by the first-wins table, not mixed in.
        var plain = rollup.intern(SpendEvent(timestampMs: 1_764_496_800_000, requestID: "k", model: "gpt-5-mini"))
        XCTAssertTrue(rollup.ingest(&plain))
    }

    func testSupersedableRecordsExpireWithTheirBuckets() throws {
        var o = Rollup.Options()
        o.retentionMinutes = 60
        let rollup = Rollup(options: o)
        let base: Int64 = 1_764_496_800_000
        // A week of records, one every 6 s: a live hour holds 600 of them.
        let n = 100_000
        for i in 0..<n {
            var e = rollup.intern(SpendEvent(timestampMs: base + Int64(i) * 6_000, requestID: "r\(i)", model: "gpt-5-mini",
                                             usage: TokenUsage(input: 1, output: 1)))
            e.supersedeRank = 1
            rollup.ingest(&e)
        }
        // Swept when the table doubles past its floor, like the dedupe table: bounded, not growing with history.
        XCTAssertLessThanOrEqual(rollup.standing.count, 2 * 16_384 + 1)
        var late = rollup.intern(SpendEvent(timestampMs: base + Int64(n - 1) * 6_000, requestID: "r\(n - 1)",
                                            model: "gpt-5-mini", usage: TokenUsage(input: 1, output: 7)))
        late.supersedeRank = 2
        let before = try total(rollup)
        rollup.ingest(&late)
        XCTAssertEqual(rollup.superseded, 1)
        XCTAssertEqual(try total(rollup).outputTokens, before.outputTokens - 1 + 7, "the last record replaced")
        XCTAssertEqual(try total(rollup).requests, before.requests)
        var old = rollup.intern(SpendEvent(timestampMs: base, requestID: "r0", model: "gpt-5-mini",
                                           usage: TokenUsage(input: 1, output: 7)))
        old.supersedeRank = 2
        XCTAssertFalse(rollup.ingest(&old))
        XCTAssertEqual(rollup.expired, 1)
    }
}

extension CodingAgentLogTests {
    /// A file that replays another session's metadata without naming it (a resumed session) keys the
    /// replayed history under the older session, as a fork does; a fork of a fork reaches the root.
    func testCodexLineageFromReplayedMetadata() throws {
        func meta(_ id: String, from: String? = nil) -> String {
            #"{"timestamp":"2026-11-30T10:00:00Z","type":"session_meta","payload":{"id":"\#(id)"\#(from.map { ",\"forked_from_id\":\"\($0)\"" } ?? ""),"cwd":"/w/x"}}"#
        }
        func root(_ lines: [String]) throws -> String {
            let ctx = StreamContext()
            for l in lines { _ = try decode(l, context: ctx) }
            return try XCTUnwrap(ctx.codex).lineageRoot
        }
        XCTAssertEqual(try root([meta("P")]), "P")
        XCTAssertEqual(try root([meta("C", from: "P"), meta("P")]), "P")
        XCTAssertEqual(try root([meta("R"), meta("P")]), "P", "resumed: the replayed session is the ancestor")
        XCTAssertEqual(try root([meta("G", from: "C"), meta("C", from: "P"), meta("P")]), "P")
        XCTAssertEqual(try root([meta("G", from: "C"), meta("C")]), "C")
        XCTAssertEqual(try root([meta("C", from: "P"), meta("C"), meta("P")]), "P", "its own metadata again changes nothing")
        // Cycles in hostile metadata end.
        XCTAssertFalse(try root([meta("A", from: "B"), meta("B", from: "A")]).isEmpty)
    }
}

extension CodingAgentLogTests {
    /// Generic keys (`type`, `uuid`, `attributes`) on a native line do not take it from the native importer.
    func testNativeLinesWithGenericKeysStayNative() throws {
        for line in [#"{"ts":"2026-11-30T10:00:00Z","type":"completion","uuid":"u1","sessionId":"s","feature":"chat","cost_usd":0.5}"#,
                     #"{"ts":"2026-11-30T10:00:00Z","type":"span","name":"x","attributes":{"a":1},"cost_usd":0.5}"#,
                     #"{"ts":"2026-11-30T10:00:00Z","type":"event_msg","payload":{},"cost_usd":0.5}"#] {
            let (format, decoded) = try decode(line)
            XCTAssertEqual(format, "native", line)
            guard case .events(let e) = decoded else { return XCTFail(line) }
            XCTAssertEqual(e.first?.costUSD, 0.5)
        }
    }
}
