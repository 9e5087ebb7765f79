import Foundation
import XCTest
@testable import SpendCore

/// Expected values below are read off the fixture text (and, for sums and times, computed from it
/// with python3), never copied from the importers' output.
final class ImporterTests: XCTestCase {

    // MARK: - Fixture helpers

    private func fixture(_ name: String) throws -> Data {
        let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"),
                                "fixture \(name) missing from the bundle")
        return try Data(contentsOf: url)
    }

    /// Lines as raw bytes: one fixture holds invalid UTF-8 on purpose, so no `String` round trip.
    private func lines(_ name: String) throws -> [Data] {
        var out = try fixture(name).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Data($0) }
        if out.last?.isEmpty == true { out.removeLast() }
        return out
    }

    private func decode(_ line: Data) -> DecodedLine {
        line.withUnsafeBytes { ImporterRegistry.decode(line: $0) }
    }

    private func decode(_ text: String) -> DecodedLine {
        decode(Data(text.utf8))
    }

    private func fields(_ text: String) throws -> JSONFields {
        try Data(text.utf8).withUnsafeBytes { try JSONFields.parse($0).get() }
    }

    private func format(_ text: String) throws -> String {
        ImporterRegistry.decode(try fields(text)).format
    }

    private func format(_ line: Data) throws -> String {
        try line.withUnsafeBytes { ImporterRegistry.decode(try JSONFields.parse($0).get()).format }
    }

    private func events(_ d: DecodedLine, file: StaticString = #filePath, line: UInt = #line) -> [SpendEvent] {
        guard case .events(let e) = d else {
            XCTFail("expected events, got \(d)", file: file, line: line)
            return []
        }
        return e
    }

    private func single(_ d: DecodedLine, file: StaticString = #filePath, line: UInt = #line) throws -> SpendEvent {
        let e = events(d, file: file, line: line)
        XCTAssertEqual(e.count, 1, file: file, line: line)
        return try XCTUnwrap(e.first, file: file, line: line)
    }

    private func decodeAll(_ name: String) throws -> [SpendEvent] {
        try lines(name).flatMap { events(decode($0)) }
    }

    // MARK: - LiteLLM StandardLoggingPayload

    func testLiteLLMPayloadLines() throws {
        let all = try lines("litellm-standard-logging-payload.jsonl")
        XCTAssertEqual(all.count, 4)
        for l in all {
            XCTAssertEqual(try format(l), "litellm")
        }

        let first = try single(decode(all[0]))
        XCTAssertEqual(first.requestID, "chatcmpl-21ead443-10df-4aef-93f3-f37154fc3211")
        XCTAssertEqual(first.timestampMs, 1_795_910_294_503)  // startTime 1795910294.502588 s
        XCTAssertEqual(try XCTUnwrap(first.costUSD), 0.063198575, accuracy: 1e-12)
        XCTAssertEqual(first.usage, TokenUsage(input: 139_172, output: 446, cacheRead: 111_337, cacheWrite: 0, reasoning: 267))
        XCTAssertEqual(first.feature, "support-chat")
        XCTAssertEqual(first.apiKey, "prod-web")  // alias wins over hk_dda1494c73cf256d
        XCTAssertNil(first.team)
        XCTAssertNil(first.user)
        XCTAssertEqual(first.model, "o4-mini")
        XCTAssertEqual(first.provider, "openai")
        XCTAssertEqual(first.gateway, "litellm")
        XCTAssertFalse(first.isError)
        XCTAssertFalse(first.gatewayCacheHit)
        XCTAssertEqual(try XCTUnwrap(first.latencyMs), 3.0329, accuracy: 0.001)  // endTime − startTime
        XCTAssertEqual(try XCTUnwrap(first.ttftMs), 3.0329, accuracy: 0.001)  // completionStartTime − startTime

        // The Anthropic request: LiteLLM's prompt_tokens already includes the 123 cache-write tokens.
        let second = try single(decode(all[1]))
        XCTAssertEqual(second.requestID, "chatcmpl-351cad35-e5a3-4fc7-b158-9292e1b63924")
        XCTAssertEqual(second.timestampMs, 1_795_910_294_601)
        XCTAssertEqual(try XCTUnwrap(second.costUSD), 0.00527775, accuracy: 1e-12)
        XCTAssertEqual(second.usage, TokenUsage(input: 247, output: 1000, cacheRead: 0, cacheWrite: 123, reasoning: 0))
        XCTAssertEqual(second.model, "claude-haiku-4-5")
        XCTAssertEqual(second.provider, "anthropic")
        XCTAssertEqual(second.feature, "support-chat")
        XCTAssertEqual(second.apiKey, "prod-web")
        XCTAssertEqual(try XCTUnwrap(second.latencyMs), 2.959, accuracy: 0.001)

        let last = try single(decode(all[3]))
        XCTAssertEqual(last.model, "gemini-2.5-pro")
        XCTAssertEqual(last.provider, "gemini")
        XCTAssertEqual(last.feature, "rag-search")
        XCTAssertEqual(last.apiKey, "prod-batch")
        XCTAssertEqual(last.usage, TokenUsage(input: 30_159, output: 1722))
        XCTAssertEqual(last.timestampMs, 1_795_910_294_555)
        XCTAssertEqual(try XCTUnwrap(last.latencyMs), 4.35, accuracy: 0.001)
    }

    func testLiteLLMPayloadSumsMatchTheFile() throws {
        let e = try decodeAll("litellm-standard-logging-payload.jsonl")
        XCTAssertEqual(e.count, 4)
        // python3: sum(response_cost) = 0.318102575, sum(prompt_tokens) = 310672, sum(completion_tokens) = 5002
        XCTAssertEqual(e.reduce(0) { $0 + ($1.costUSD ?? 0) }, 0.318102575, accuracy: 1e-12)
        XCTAssertEqual(e.reduce(0) { $0 + $1.usage.input }, 310_672)
        XCTAssertEqual(e.reduce(0) { $0 + $1.usage.output }, 5002)
        XCTAssertEqual(e.reduce(0) { $0 + $1.usage.cacheRead }, 111_337)
        XCTAssertEqual(e.reduce(0) { $0 + $1.usage.cacheWrite }, 123)
        XCTAssertEqual(e.reduce(0) { $0 + $1.usage.reasoning }, 267 + 1100)
    }

    func testLiteLLMPayloadFallsBackToUsageObjectAndReadsTeamUserFailure() throws {
        let line = #"""
        {"id":"r1","call_type":"acompletion","startTime":1795860021.5,"endTime":1795860022.25,"response_cost":0.5,"status":"failure","request_tags":["env:prod","team:x"],"end_user":"cust-1","metadata":{"user_api_key_hash":"hk_1","user_api_key_team_id":"team-z","user_api_key_user_id":"u-9","usage_object":{"prompt_tokens":70,"completion_tokens":7}}}
        """#
        let e = try single(decode(line))
        XCTAssertEqual(e.usage, TokenUsage(input: 70, output: 7))
        XCTAssertEqual(e.feature, "env:prod")  // no feature: tag, so the first tag
        XCTAssertEqual(e.apiKey, "hk_1")  // no alias
        XCTAssertEqual(e.team, "team-z")
        XCTAssertEqual(e.user, "u-9")  // user_api_key_user_id wins over end_user
        XCTAssertTrue(e.isError)
        XCTAssertEqual(e.timestampMs, 1_795_860_021_500)
        XCTAssertEqual(try XCTUnwrap(e.latencyMs), 750, accuracy: 1e-6)
        XCTAssertNil(e.ttftMs)
    }

    // MARK: - LiteLLM_SpendLogs rows

    func testSpendLogsLines() throws {
        let all = try lines("litellm-spendlogs-rows.jsonl")
        XCTAssertEqual(all.count, 4)
        for l in all {
            XCTAssertEqual(try format(l),
                           "litellm-spendlogs")
        }

        let first = try single(decode(all[0]))
        XCTAssertEqual(first.requestID, "chatcmpl-eff1980d-73b5-4bd9-86db-e329f6a38fce")
        XCTAssertEqual(first.timestampMs, 1_795_910_289_081)  // 2026-11-28T23:58:09.081611+00:00
        XCTAssertEqual(try XCTUnwrap(first.costUSD), 0.1947075, accuracy: 1e-12)
        XCTAssertEqual(first.usage, TokenUsage(input: 141_094, output: 1834, cacheRead: 0, cacheWrite: 0, reasoning: 1100))
        XCTAssertEqual(first.feature, "rag-search")
        XCTAssertEqual(first.apiKey, "ci")  // metadata alias over the SHA-256 column
        XCTAssertNil(first.team)  // team_id ""
        XCTAssertNil(first.user)  // user ""
        XCTAssertEqual(first.model, "gpt-5")
        XCTAssertEqual(first.provider, "openai")
        XCTAssertFalse(first.isError)  // metadata.status null, column "success"
        XCTAssertFalse(first.gatewayCacheHit)  // "None"
        XCTAssertEqual(try XCTUnwrap(first.latencyMs), 25.978, accuracy: 0.0005)
        XCTAssertEqual(try XCTUnwrap(first.ttftMs), 25.978, accuracy: 0.0005)

        let second = try single(decode(all[1]))
        XCTAssertEqual(second.requestID, "chatcmpl-21ead443-10df-4aef-93f3-f37154fc3211")
        XCTAssertEqual(second.timestampMs, 1_795_910_294_502)
        XCTAssertEqual(try XCTUnwrap(second.costUSD), 0.063198575, accuracy: 1e-12)
        XCTAssertEqual(second.usage, TokenUsage(input: 139_172, output: 446, cacheRead: 111_337, cacheWrite: 0, reasoning: 267))
        XCTAssertEqual(second.apiKey, "prod-web")
        XCTAssertEqual(second.model, "o4-mini")
        XCTAssertEqual(try XCTUnwrap(second.latencyMs), 3.033, accuracy: 0.0005)

        let fourth = try single(decode(all[3]))
        XCTAssertEqual(fourth.model, "claude-haiku-4-5")
        XCTAssertEqual(fourth.provider, "anthropic")
        XCTAssertEqual(fourth.usage, TokenUsage(input: 247, output: 1000, cacheRead: 0, cacheWrite: 123))
        XCTAssertEqual(fourth.feature, "support-chat")
    }

    func testSpendLogsSumsMatchTheFile() throws {
        let e = try decodeAll("litellm-spendlogs-rows.jsonl")
        XCTAssertEqual(e.count, 4)
        // python3: sum(spend) = 0.318102575, sum(prompt_tokens) = 310672, sum(completion_tokens) = 5002
        XCTAssertEqual(e.reduce(0) { $0 + ($1.costUSD ?? 0) }, 0.318102575, accuracy: 1e-12)
        XCTAssertEqual(e.reduce(0) { $0 + $1.usage.input }, 310_672)
        XCTAssertEqual(e.reduce(0) { $0 + $1.usage.output }, 5002)
    }

    /// Both fixtures log the same four requests; whichever source is read, the numbers must agree.
    func testSpendLogsAndPayloadAgreePerRequest() throws {
        let payload = Dictionary(uniqueKeysWithValues: try decodeAll("litellm-standard-logging-payload.jsonl").map { ($0.requestID!, $0) })
        let rows = try decodeAll("litellm-spendlogs-rows.jsonl")
        XCTAssertEqual(Set(rows.map { $0.requestID! }), Set(payload.keys))
        for r in rows {
            let p = try XCTUnwrap(payload[r.requestID!])
            XCTAssertEqual(r.usage, p.usage, r.requestID!)
            XCTAssertEqual(r.costUSD, p.costUSD)
            XCTAssertEqual(r.feature, p.feature)
            XCTAssertEqual(r.apiKey, p.apiKey)
            XCTAssertEqual(r.model, p.model)
            XCTAssertEqual(r.provider, p.provider)
            // Epoch floats round to the millisecond, ISO text truncates: at most 1 ms apart.
            XCTAssertLessThanOrEqual(abs(r.timestampMs - p.timestampMs), 1)
        }
    }

    /// The SQLite source hands over column values as Swift types, not JSONSerialization's.
    func testSpendLogsRowFromSQLiteColumnValues() throws {
        let row: [String: Any] = [
            "request_id": "req-sql-1", "api_key": "0f" + String(repeating: "a", count: 62),
            "startTime": "2026-11-28 23:58:09.081611", "endTime": "2026-11-28 23:58:09.107589",
            "spend": 0.1947075, "prompt_tokens": Int64(141_094), "completion_tokens": Int64(1834),
            "model": "gpt-5", "team_id": "team-a", "user": "", "end_user": NSNull(),
            "request_tags": #"["feature:rag-search"]"#, "cache_hit": "False", "status": "failure",
            "metadata": #"{"additional_usage_values": {"cache_read_input_tokens": 5000}, "user_api_key_alias": null}"#,
            "custom_llm_provider": "openai", "request_duration_ms": Int64(26),
        ]
        let e = try single(LiteLLMSpendLogsImporter.decode(row: row))
        XCTAssertEqual(e.requestID, "req-sql-1")
        XCTAssertEqual(e.timestampMs, 1_795_910_289_081)  // no zone: UTC
        XCTAssertEqual(e.usage, TokenUsage(input: 141_094, output: 1834, cacheRead: 5000))
        XCTAssertEqual(e.apiKey, "0f" + String(repeating: "a", count: 62))
        XCTAssertEqual(e.team, "team-a")
        XCTAssertNil(e.user)
        XCTAssertEqual(e.feature, "rag-search")
        XCTAssertTrue(e.isError)
        XCTAssertEqual(try XCTUnwrap(e.latencyMs), 25.978, accuracy: 0.0005)

        // Prisma's SQLite connector stores DateTime as epoch milliseconds.
        var msRow = row
        msRow["startTime"] = Int64(1_795_910_289_081)
        msRow["endTime"] = NSNull()
        let m = try single(LiteLLMSpendLogsImporter.decode(row: msRow))
        XCTAssertEqual(m.timestampMs, 1_795_910_289_081)
        XCTAssertEqual(m.latencyMs, 26)  // falls back to request_duration_ms

        var noTime = row
        noTime.removeValue(forKey: "startTime")
        XCTAssertEqual(LiteLLMSpendLogsImporter.decode(row: noTime), .rejected(.missingTimestamp))
    }

    // MARK: - OpenAI

    func testOpenAILines() throws {
        let all = try lines("openai-responses.jsonl")
        XCTAssertEqual(all.count, 2)

        let first = try single(decode(all[0]))
        XCTAssertEqual(first.requestID, "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG")
        XCTAssertEqual(first.timestampMs, 1_764_320_000_000)  // created
        XCTAssertEqual(first.usage, TokenUsage(input: 10_000, output: 500, cacheRead: 4000, cacheWrite: 0, reasoning: 0))
        XCTAssertEqual(first.feature, "support-chat")  // metadata.feature
        XCTAssertNil(first.apiKey)
        XCTAssertEqual(first.model, "gpt-4o-2024-08-06")
        XCTAssertEqual(first.provider, "openai")
        XCTAssertNil(first.costUSD)
        XCTAssertFalse(first.isError)

        let second = try single(decode(all[1]))
        XCTAssertEqual(second.requestID, "chatcmpl-B9MHEaa0xQ3v2Zy7nH4kq1pRz")
        XCTAssertEqual(second.timestampMs, 1_764_320_003_000)
        XCTAssertEqual(second.usage, TokenUsage(input: 1000, output: 2000, cacheRead: 0, cacheWrite: 0, reasoning: 1500))
        XCTAssertEqual(second.feature, "agent-planner")  // OpenAI's `user`
        XCTAssertEqual(second.model, "gpt-5-2025-08-07")
    }

    func testOpenAIInsideAGatewayWrapper() throws {
        let line = #"""
        {"timestamp":"2026-11-28T10:00:00+02:00","request_id":"gw-1","feature":"search","api_key":"sk-proj-1234","team":"core","status":502,"latency_ms":812.5,"response":{"id":"chatcmpl-x","object":"chat.completion","created":1,"model":"gpt-4o-mini","usage":{"prompt_tokens":900,"completion_tokens":40,"prompt_tokens_details":{"cached_tokens":512},"completion_tokens_details":{"reasoning_tokens":0}}}}
        """#
        XCTAssertEqual(try format(line), "openai")
        let e = try single(decode(line))
        XCTAssertEqual(e.timestampMs, 1_795_852_800_000)  // the wrapper's time wins over `created`
        XCTAssertEqual(e.requestID, "gw-1")
        XCTAssertEqual(e.feature, "search")
        XCTAssertEqual(e.apiKey, "sk-proj-1234")
        XCTAssertEqual(e.team, "core")
        XCTAssertEqual(e.model, "gpt-4o-mini")
        XCTAssertEqual(e.usage, TokenUsage(input: 900, output: 40, cacheRead: 512))
        XCTAssertTrue(e.isError)
        XCTAssertEqual(e.latencyMs, 812.5)
    }

    func testOpenAIResponsesAPIShape() throws {
        let line = #"""
        {"id":"resp_67ccd2bed1ec8190","object":"response","created_at":1741476542,"status":"completed","error":null,"model":"o3-2025-04-16","usage":{"input_tokens":3000,"input_tokens_details":{"cached_tokens":1024},"output_tokens":900,"output_tokens_details":{"reasoning_tokens":640},"total_tokens":3900},"metadata":{"feature":"planner"}}
        """#
        XCTAssertEqual(try format(line), "openai")
        let e = try single(decode(line))
        XCTAssertEqual(e.timestampMs, 1_741_476_542_000)
        XCTAssertEqual(e.requestID, "resp_67ccd2bed1ec8190")
        // Responses-API input_tokens already includes the cached ones: no Anthropic-style addition.
        XCTAssertEqual(e.usage, TokenUsage(input: 3000, output: 900, cacheRead: 1024, cacheWrite: 0, reasoning: 640))
        XCTAssertEqual(e.feature, "planner")
        XCTAssertFalse(e.isError)

        let failed = line.replacingOccurrences(of: #""error":null"#, with: #""error":{"code":"server_error"}"#)
        XCTAssertTrue(try single(decode(failed)).isError)
    }

    // MARK: - Anthropic

    func testAnthropicLine() throws {
        let all = try lines("anthropic-messages.jsonl")
        XCTAssertEqual(all.count, 1)
        XCTAssertEqual(try format(all[0]), "anthropic")
        let e = try single(decode(all[0]))
        XCTAssertEqual(e.timestampMs, 1_795_860_000_120)  // 2026-11-28T10:00:00.120Z
        XCTAssertEqual(e.requestID, "msg_01XFDUDYJgAACzvnptvVoYEL")
        // input_tokens 1000 excludes the 20000 cache reads and 3000 cache writes.
        XCTAssertEqual(e.usage, TokenUsage(input: 24_000, output: 400, cacheRead: 20_000, cacheWrite: 3000, reasoning: 0))
        XCTAssertEqual(e.feature, "code-review")
        XCTAssertEqual(e.apiKey, "sk-ant-api03-EXAMPLEONLYxxxxxxxxxxxx9f3c")
        XCTAssertEqual(e.model, "claude-sonnet-4-5-20250929")
        XCTAssertEqual(e.provider, "anthropic")
        XCTAssertNil(e.costUSD)
        XCTAssertFalse(e.isError)
    }

    func testAnthropicVersusOpenAIResponsesDetection() throws {
        // Anthropic's cache keys alone, no `type`.
        let cacheKeysOnly = #"{"ts":1795860000,"response":{"model":"claude-haiku-4-5","usage":{"input_tokens":10,"cache_read_input_tokens":90,"output_tokens":5}}}"#
        XCTAssertEqual(try format(cacheKeysOnly), "anthropic")
        XCTAssertEqual(try single(decode(cacheKeysOnly)).usage, TokenUsage(input: 100, output: 5, cacheRead: 90))

        // Bare input/output counts: Anthropic's convention is assumed, as Responses usage always has details.
        let bare = #"{"ts":1795860000,"usage":{"input_tokens":10,"output_tokens":5}}"#
        XCTAssertEqual(try format(bare), "anthropic")

        // Responses usage without the envelope: its detail objects give it away.
        let detailsOnly = #"{"ts":1795860000,"response":{"usage":{"input_tokens":10,"input_tokens_details":{"cached_tokens":4},"output_tokens":5}}}"#
        XCTAssertEqual(try format(detailsOnly), "openai")
        XCTAssertEqual(try single(decode(detailsOnly)).usage, TokenUsage(input: 10, output: 5, cacheRead: 4))

        // A bare Anthropic response has no time of its own.
        let noTime = #"{"id":"msg_1","type":"message","model":"claude-haiku-4-5","usage":{"input_tokens":1,"output_tokens":1}}"#
        XCTAssertEqual(decode(noTime), .rejected(.missingTimestamp))
    }

    // MARK: - OTLP

    func testOTLPSpans() throws {
        let all = try lines("otlp-genai-spans.jsonl")
        XCTAssertEqual(all.count, 1)
        XCTAssertEqual(try format(all[0]), "otlp")
        let e = events(decode(all[0]))
        XCTAssertEqual(e.count, 2)

        let chat = e[0]
        XCTAssertEqual(chat.timestampMs, 1_764_320_000_120)
        XCTAssertEqual(chat.requestID, "eee19b7ec3c1b174")
        XCTAssertEqual(chat.model, "gpt-4o-2024-08-06")  // response model over request model
        XCTAssertEqual(chat.provider, "openai")
        XCTAssertEqual(chat.usage, TokenUsage(input: 10_000, output: 500, cacheRead: 4000))
        XCTAssertEqual(chat.feature, "support-chat")  // service.name
        XCTAssertNil(chat.apiKey)
        XCTAssertEqual(try XCTUnwrap(chat.latencyMs), 1810, accuracy: 1e-9)
        XCTAssertFalse(chat.isError)

        let haiku = e[1]
        XCTAssertEqual(haiku.timestampMs, 1_764_320_002_000)
        XCTAssertEqual(haiku.requestID, "aa19b7ec3c1b1741")
        XCTAssertEqual(haiku.model, "claude-haiku-4-5")
        XCTAssertEqual(haiku.provider, "anthropic")  // gen_ai.system
        XCTAssertEqual(haiku.usage, TokenUsage(input: 2400, output: 120, cacheWrite: 1200))
        XCTAssertEqual(try XCTUnwrap(haiku.latencyMs), 800, accuracy: 1e-9)
        XCTAssertTrue(haiku.isError)  // status code 2
    }

    func testOTLPVariants() throws {
        func request(_ spans: String, service: String = "svc") -> String {
            #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"\#(service)"}}]},"scopeSpans":[{"scope":{"name":"x"},"spans":[\#(spans)]}]}]}"#
        }
        let numeric = #"{"spanId":"s1","startTimeUnixNano":"1764320000999999999","endTimeUnixNano":"1764320001000000000","attributes":[{"key":"feature","value":{"stringValue":"triage"}},{"key":"api_key","value":{"stringValue":"team-key"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":300}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":"20"}},{"key":"gen_ai.usage.reasoning.output_tokens","value":{"intValue":"8"}},{"key":"gen_ai.usage.cache_read.input_tokens","value":{"intValue":"100"}}],"status":{"code":"STATUS_CODE_ERROR"}}"#
        let plain = #"{"spanId":"s2","startTimeUnixNano":"1764320005000000000","attributes":[{"key":"http.method","value":{"stringValue":"POST"}}]}"#
        let legacy = #"{"spanId":"s3","startTimeUnixNano":"1764320006000000000","attributes":[{"key":"gen_ai.system","value":{"stringValue":"anthropic"}},{"key":"gen_ai.usage.prompt_tokens","value":{"intValue":"50"}},{"key":"gen_ai.usage.completion_tokens","value":{"intValue":"5"}},{"key":"gen_ai.usage.cache_read.input_tokens","value":{"intValue":"400"}}]}"#

        let e = events(decode(request([numeric, plain, legacy].joined(separator: ","))))
        XCTAssertEqual(e.count, 2)  // the HTTP span carries no usage
        XCTAssertEqual(e[0].timestampMs, 1_764_320_000_999)  // ns truncate to the millisecond
        XCTAssertEqual(e[0].feature, "triage")  // span attribute over service.name
        XCTAssertEqual(e[0].apiKey, "team-key")
        XCTAssertEqual(e[0].model, "gpt-4o")
        XCTAssertEqual(e[0].usage, TokenUsage(input: 300, output: 20, cacheRead: 100, reasoning: 8))
        XCTAssertTrue(e[0].isError)
        XCTAssertEqual(try XCTUnwrap(e[0].latencyMs), 0.000001, accuracy: 1e-12)
        XCTAssertEqual(e[1].feature, "svc")
        XCTAssertNil(e[1].latencyMs)
        // An input total below its own cache subset can only be an uncached count.
        XCTAssertEqual(e[1].usage, TokenUsage(input: 400, output: 5, cacheRead: 400))

        XCTAssertEqual(decode(request(plain)), .events([]))
        let noStart = numeric.replacingOccurrences(of: #""startTimeUnixNano":"1764320000999999999","#, with: "")
        XCTAssertEqual(decode(request(noStart)), .rejected(.missingTimestamp))
    }

    // MARK: - Gateway cache hits versus prompt-cache tokens

    func testCacheHitNeverFeedsCacheTokens() throws {
        // A gateway cache hit with no usage_object: no cache tokens may appear.
        let hitOnly = #"{"id":"h1","call_type":"completion","startTime":1795860000.0,"response_cost":0.0,"prompt_tokens":500,"completion_tokens":50,"cache_hit":true,"status":"success","metadata":{}}"#
        let a = try single(decode(hitOnly))
        XCTAssertTrue(a.gatewayCacheHit)
        XCTAssertEqual(a.usage, TokenUsage(input: 500, output: 50))

        // cache_hit true with cache tokens elsewhere than usage_object (response.usage, hidden_params): still none.
        let elsewhere = #"{"id":"h2","call_type":"completion","startTime":1795860000.0,"response_cost":0.0,"prompt_tokens":500,"completion_tokens":50,"cache_hit":true,"saved_cache_cost":0.01,"hidden_params":{"usage_object":{"cache_read_input_tokens":500}},"response":{"usage":{"prompt_tokens":500,"prompt_tokens_details":{"cached_tokens":500}}},"metadata":{"usage_object":{"prompt_tokens":500,"completion_tokens":50}}}"#
        let b = try single(decode(elsewhere))
        XCTAssertTrue(b.gatewayCacheHit)
        XCTAssertEqual(b.usage.cacheRead, 0)
        XCTAssertEqual(b.usage.cacheWrite, 0)

        // Prompt-cache tokens without a gateway hit.
        let tokensOnly = #"{"id":"h3","call_type":"completion","startTime":1795860000.0,"response_cost":0.0,"prompt_tokens":500,"completion_tokens":50,"cache_hit":null,"metadata":{"usage_object":{"cache_read_input_tokens":400}}}"#
        let c = try single(decode(tokensOnly))
        XCTAssertFalse(c.gatewayCacheHit)
        XCTAssertEqual(c.usage.cacheRead, 400)

        // Spend-log rows write Python's str(True).
        let row = #"{"request_id":"h4","api_key":"abc","startTime":"2026-11-28T10:00:00+00:00","spend":0.0,"prompt_tokens":10,"completion_tokens":1,"cache_hit":"True","metadata":"{}"}"#
        let d = try single(decode(row))
        XCTAssertTrue(d.gatewayCacheHit)
        XCTAssertEqual(d.usage, TokenUsage(input: 10, output: 1))

        XCTAssertEqual(try decodeAll("litellm-standard-logging-payload.jsonl").filter(\.gatewayCacheHit).count, 0)
    }

    // MARK: - Native

    func testNativeFixture() throws {
        let all = try lines("native-events.jsonl")
        XCTAssertEqual(all.count, 18)
        var eventCount = 0
        var gpuCount = 0
        for l in all {
            XCTAssertEqual(try format(l), "native")
            switch decode(l) {
            case .events(let e): eventCount += e.count
            case .gpu(let g): gpuCount += g.count
            case .rejected(let r): XCTFail("rejected: \(r)")
            case .skipped(let r): XCTFail("skipped: \(r)")
            }
        }
        XCTAssertEqual(eventCount, 17)
        XCTAssertEqual(gpuCount, 1)

        let first = try single(decode(all[0]))
        XCTAssertEqual(first, SpendEvent(
            timestampMs: 1_795_860_000_000, requestID: "req-0001", feature: "support-chat", apiKey: "sk-proj-abc123xyz9f3c",
            team: "growth", user: "u-17", provider: "openai", model: "gpt-4o", gateway: "portkey",
            usage: TokenUsage(input: 12_000, output: 800, cacheRead: 8000), costUSD: 0.0235, latencyMs: 1830.5,
            ttftMs: 412, isError: false, retry: 0))

        let second = try single(decode(all[1]))
        XCTAssertEqual(second.timestampMs, 1_795_860_001_123)  // epoch ms
        XCTAssertEqual(second.usage, TokenUsage(input: 24_000, output: 400, cacheRead: 20_000, cacheWrite: 3000))
        XCTAssertFalse(second.isError)  // status 200

        XCTAssertEqual(try single(decode(all[2])).timestampMs, 1_795_861_800_250)  // +01:00
        let fourth = try single(decode(all[3]))
        XCTAssertEqual(fourth.timestampMs, 1_795_860_000_000)  // -05:00
        XCTAssertTrue(fourth.isError)

        let escaped = try single(decode(all[4]))
        XCTAssertEqual(escaped.feature, "chat \"beta\" caf\u{e9}")
        XCTAssertEqual(escaped.apiKey, "sk-ABCdef")
        XCTAssertEqual(escaped.team, "a\\b/c")
        XCTAssertEqual(escaped.timestampMs, 1_795_860_005_500)

        XCTAssertEqual(decode(all[5]), .gpu([GPUSample(timestampMs: 1_795_860_000_000, node: "h100-a", gpu: "0", utilPct: 87.5,
                                                         memUsedMB: 61234, memTotalMB: 81559, powerW: 612.3, queueDepth: 4)]))
        XCTAssertEqual(try single(decode(all[6])).timestampMs, 1_795_860_060_000)  // epoch s
        XCTAssertTrue(try single(decode(all[7])).gatewayCacheHit)  // "exact"
        XCTAssertTrue(try single(decode(all[8])).gatewayCacheHit)  // "semantic"
        XCTAssertTrue(try single(decode(all[9])).gatewayCacheHit)  // true
        XCTAssertTrue(try single(decode(all[10])).batch)
        XCTAssertTrue(try single(decode(all[11])).isError)  // 429
        let retried = try single(decode(all[12]))
        XCTAssertEqual(retried.retry, 2)
        XCTAssertEqual(retried.usage.reasoning, 1500)
        let emoji = try single(decode(all[13]))
        XCTAssertEqual(emoji.timestampMs, 1_795_860_000_000)  // +0530
        XCTAssertEqual(emoji.user, "u-\u{1F600}")
        let stringNumbers = try single(decode(all[14]))
        XCTAssertEqual(stringNumbers.timestampMs, 1_795_860_180_000)  // space separator
        XCTAssertEqual(stringNumbers.usage, TokenUsage(input: 1500, output: 75, cacheWrite: 1200))
        XCTAssertEqual(try single(decode(all[15])).timestampMs, 1_795_860_210_123)  // microseconds truncate
        let fractional = try single(decode(all[16]))
        XCTAssertEqual(fractional.timestampMs, 1_795_860_270_750)
        XCTAssertEqual(fractional.costUSD, 0.0035)
        XCTAssertFalse(try single(decode(all[17])).isError)  // "success"
    }

    // MARK: - Rejects

    func testMixedWithGarbage() throws {
        let all = try lines("mixed-with-garbage.jsonl")
        XCTAssertEqual(all.count, 21)
        enum Expect: Equatable { case format(String, events: Int), gpu, reject(RejectReason) }
        let expected: [Expect] = [
            .format("native", events: 1),
            .reject(.invalidJSON),            // truncated object
            .format("anthropic", events: 1),
            .reject(.notAnObject),            // 42
            .format("openai", events: 1),
            .reject(.notAnObject),            // array
            .reject(.missingTimestamp),       // native fields, no ts
            .reject(.unknownFormat),          // {}
            .format("otlp", events: 2),
            .reject(.missingTimestamp),       // ts "yesterday"
            .gpu,
            .reject(.badField),               // GPU sample without node
            .reject(.invalidUTF8),
            .reject(.unknownFormat),          // {"hello":"world"}
            .reject(.notAnObject),            // a string
            .reject(.missingTimestamp),       // OpenAI response without created or wrapper time
            .format("litellm-spendlogs", events: 1),
            .format("native", events: 1),
            .reject(.invalidJSON),            // trailing garbage
            .reject(.notAnObject),            // null
            .format("litellm", events: 1),
        ]
        var counts: [RejectReason: Int] = [:]
        for (i, (line, want)) in zip(all, expected).enumerated() {
            let got = decode(line)
            switch want {
            case .format(let name, let n):
                XCTAssertEqual(events(got).count, n, "line \(i + 1)")
                XCTAssertEqual(try format(line), name, "line \(i + 1)")
            case .gpu:
                guard case .gpu(let g) = got else { XCTFail("line \(i + 1): \(got)"); continue }
                XCTAssertEqual(g, [GPUSample(timestampMs: 1_795_860_010_000, node: "h100-b", gpu: "3", utilPct: 42,
                                             memUsedMB: 20480, memTotalMB: 81559, powerW: 301.5)])
            case .reject(let reason):
                XCTAssertEqual(got, .rejected(reason), "line \(i + 1)")
                if case .rejected(let r) = got { counts[r, default: 0] += 1 }
            }
        }
        XCTAssertEqual(counts, [.invalidJSON: 2, .notAnObject: 4, .missingTimestamp: 3, .unknownFormat: 2,
                                .badField: 1, .invalidUTF8: 1])

        // The valid lines' values, from the fixture text.
        let anthropic = try single(decode(all[2]))
        XCTAssertEqual(anthropic.usage, TokenUsage(input: 2050, output: 80, cacheRead: 2000))
        XCTAssertEqual(anthropic.timestampMs, 1_795_860_002_000)
        let openai = try single(decode(all[4]))
        XCTAssertEqual(openai.usage, TokenUsage(input: 300, output: 40, cacheRead: 128))
        XCTAssertEqual(openai.timestampMs, 1_795_860_003_000)
        let row = try single(decode(all[16]))
        XCTAssertEqual(row.feature, "team:support")  // no feature: tag, so the first tag
        XCTAssertEqual(row.apiKey, "5d41402abc4b2a76b9719d911017c592ae3b3c5a3b2d8a6f5a1c5e7d9f0a1b2c")  // alias null
        XCTAssertEqual(row.team, "team-a")
        XCTAssertTrue(row.gatewayCacheHit)
        XCTAssertEqual(row.costUSD, 0)
        XCTAssertEqual(row.timestampMs, 1_795_860_017_250)
        XCTAssertEqual(try XCTUnwrap(row.latencyMs), 50, accuracy: 1e-6)
        let native = try single(decode(all[17]))
        XCTAssertEqual(native.timestampMs, 1_795_860_018_000)
        XCTAssertTrue(native.isError)
        let payload = try single(decode(all[20]))
        XCTAssertEqual(payload.feature, "summarise")
        XCTAssertEqual(payload.apiKey, "hk_0123456789abcdef")
        XCTAssertEqual(payload.team, "team-b")
        XCTAssertEqual(payload.user, "cust-42")
        XCTAssertTrue(payload.isError)
        XCTAssertFalse(payload.gatewayCacheHit)
        XCTAssertEqual(payload.usage, TokenUsage(input: 1300, output: 60, cacheRead: 1000, cacheWrite: 200))
        XCTAssertEqual(try XCTUnwrap(payload.latencyMs), 750, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(payload.ttftMs), 250, accuracy: 1e-6)
    }

    func testEmptyAndWhitespaceLinesAreRejectedNotCrashing() {
        XCTAssertEqual(decode(Data()), .rejected(.invalidJSON))
        XCTAssertEqual(decode("   "), .rejected(.invalidJSON))
        XCTAssertEqual(decode(#"{"ts":"2026-11-28T10:00:00Z","input_tokens":1}"# + "\r"), decode(#"{"ts":"2026-11-28T10:00:00Z","input_tokens":1}"#))
    }

    // MARK: - Detection

    /// Order is a second guard: every fixture line must be claimed by exactly one matcher.
    func testEveryFixtureLineHasExactlyOneMatcher() throws {
        let expected = [
            "litellm-standard-logging-payload.jsonl": "litellm", "litellm-spendlogs-rows.jsonl": "litellm-spendlogs",
            "openai-responses.jsonl": "openai", "anthropic-messages.jsonl": "anthropic",
            "otlp-genai-spans.jsonl": "otlp", "native-events.jsonl": "native",
        ]
        for (file, name) in expected {
            for (i, l) in try lines(file).enumerated() {
                let f = try l.withUnsafeBytes { try JSONFields.parse($0).get() }
                let matching = ImporterRegistry.order.filter { $0.matches(f) }.map { $0.formatName }
                XCTAssertEqual(matching, [name], "\(file) line \(i + 1)")
            }
        }
    }

    func testRegistryOrder() {
        XCTAssertEqual(ImporterRegistry.order.map { $0.formatName },
                       ["otlp", "litellm", "litellm-spendlogs", "claude", "codex", "otel-span", "anthropic", "openai", "native"])
        XCTAssertEqual(Set(ImporterRegistry.order.map { $0.formatName }).count, ImporterRegistry.order.count)
    }

    func testRequestTagsAsListOrJSONText() throws {
        XCTAssertEqual(try fields(#"{"t":["a","b"]}"#).strings("t"), ["a", "b"])
        XCTAssertEqual(try fields(#"{"t":"[\"a\", \"feature:x\"]"}"#).strings("t"), ["a", "feature:x"])
        XCTAssertNil(try fields(#"{"t":"not a list"}"#).strings("t"))
        XCTAssertEqual(EventValues.feature(fromTags: ["env:prod", "feature:search", "feature:other"]), "search")
        XCTAssertEqual(EventValues.feature(fromTags: ["env:prod"]), "env:prod")
        XCTAssertEqual(EventValues.feature(fromTags: ["feature:", "x"]), "feature:")
        XCTAssertNil(EventValues.feature(fromTags: []))
    }

    func testJSONFieldsTellsBooleansFromNumbers() throws {
        let f = try fields(#"{"t":true,"f":false,"one":1,"zero":0,"d":1.5,"s":"7","nested":"{\"a\":{\"b\":3}}"}"#)
        XCTAssertEqual(f.bool("t"), true)
        XCTAssertEqual(f.bool("f"), false)
        XCTAssertNil(f.double("t"))
        XCTAssertNil(f.string("f"))
        XCTAssertEqual(f.int("one"), 1)
        XCTAssertEqual(f.int("zero"), 0)
        XCTAssertEqual(f.string("one"), "1")
        XCTAssertEqual(f.double("d"), 1.5)
        XCTAssertEqual(f.int("s"), 7)
        XCTAssertEqual(f.int("nested.a.b"), 3)
        XCTAssertNil(f.timestampMs("t"))
    }

    // MARK: - Timestamps

    func testRFC3339AgainstFoundation() throws {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]

        // A fixed linear congruential generator: the same 64 timestamps every run.
        var state: UInt64 = 0x5EED_5EED
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        func p(_ v: Int, _ w: Int) -> String { String(("0000" + String(v)).suffix(w)) }

        var checked = 0
        for i in 0..<64 {
            let year = 1971 + next(129)
            let month = 1 + next(12)
            let day = 1 + next(Timestamp.daysInMonth(year, month))
            var s = "\(year)-\(p(month, 2))-\(p(day, 2))T\(p(next(24), 2)):\(p(next(60), 2)):\(p(next(60), 2))"
            let digits = [0, 1, 2, 3, 6, 9][i % 6]
            if digits > 0 { s += "." + (0..<digits).map { _ in String(next(10)) }.joined() }
            switch i % 5 {
            case 0: s += "Z"
            case 1: s += "+\(p(next(15), 2)):\(p([0, 30, 45][next(3)], 2))"
            case 2: s += "-\(p(next(13), 2)):\(p([0, 30][next(2)], 2))"
            case 3: s += "+\(p(next(15), 2))\(p([0, 30, 45][next(3)], 2))"
            default: s += "-0000"
            }
            let formatter = digits > 0 ? fractional : plain
            let date = try XCTUnwrap(formatter.date(from: s), "Foundation rejected \(s)")
            // Foundation keeps whole milliseconds in a Double, a hair off the exact value: round it.
            let want = Int64((date.timeIntervalSince1970 * 1000).rounded())
            XCTAssertEqual(Timestamp.parseRFC3339(s), want, s)
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 30)
    }

    func testRFC3339EdgesAndRejects() {
        XCTAssertEqual(Timestamp.parseRFC3339("1970-01-01T00:00:00Z"), 0)
        XCTAssertEqual(Timestamp.parseRFC3339("2026-11-28t10:00:00z"), 1_795_860_000_000)
        XCTAssertEqual(Timestamp.parseRFC3339("2026-11-28T10:00:00"), 1_795_860_000_000)  // no zone: UTC
        XCTAssertEqual(Timestamp.parseRFC3339("2026-11-28T11:00:00+01"), 1_795_860_000_000)
        XCTAssertEqual(Timestamp.parseRFC3339("2024-02-29T00:00:00Z"), 1_709_164_800_000)
        XCTAssertEqual(Timestamp.parseRFC3339("1969-12-31T23:59:59.500Z"), -500)
        XCTAssertEqual(Timestamp.parseRFC3339Micros("2026-11-28T23:58:09.081611+00:00"), 1_795_910_289_081_611)
        for bad in ["", "2026-11-28", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z",
                    "2026-11-28T24:00:00Z", "2026-11-28T10:00:00.Z", "2026-11-28T10:00:00+25:00",
                    "2026-11-28T10:00:00 Z", "2026-11-28X10:00:00Z", "yesterday", "2026-11-28T10:00:00Zjunk"] {
            XCTAssertNil(Timestamp.parseRFC3339(bad), bad)
        }
    }

    func testEpochMagnitudes() throws {
        let ms: Int64 = 1_764_320_000_120
        XCTAssertEqual(Timestamp.epochToMs(1_764_320_000.12), ms)
        XCTAssertEqual(Timestamp.epochToMs(1_764_320_000_120), ms)
        XCTAssertEqual(Timestamp.epochToMs(1_764_320_000_120_000), ms)
        XCTAssertEqual(Timestamp.epochToMs(1_764_320_000_120_000_000), ms)
        XCTAssertEqual(Timestamp.epochToMs(86_400), 86_400_000)  // 1970-01-02 in seconds
        XCTAssertNil(Timestamp.epochToMs(0))
        XCTAssertNil(Timestamp.epochToMs(-5))
        XCTAssertNil(Timestamp.epochToMs(.nan))
        XCTAssertNil(Timestamp.epochToMs(.infinity))
        for text in [#"{"ts":1764320000.12}"#, #"{"ts":1764320000120}"#, #"{"ts":"1764320000120000"}"#,
                     #"{"ts":1764320000120000000}"#, #"{"ts":"2025-11-28T08:53:20.120Z"}"#] {
            XCTAssertEqual(try fields(text).timestampMs("ts"), ms, text)
        }
        XCTAssertEqual(try XCTUnwrap(EventValues.durationMs(from: 1_764_320_000.1, to: "2025-11-28T08:53:20.5005Z")),
                       400.5, accuracy: 0.001)
        XCTAssertNil(EventValues.durationMs(from: 1_764_320_001.0, to: 1_764_320_000.0))
    }
}
