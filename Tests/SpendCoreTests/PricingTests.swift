import Foundation
import XCTest
@testable import SpendCore

final class PricingTests: XCTestCase {
    private let table = PriceTable.bundled

    private func price(_ model: String, file: StaticString = #filePath, line: UInt = #line) throws -> ModelPrice {
        try XCTUnwrap(table.price(for: model), "no price for \(model)", file: file, line: line)
    }

    // MARK: - Reference requests (SPEC §4)

    func testGPT4oWithCachedInput() throws {
        let usage = TokenUsage(input: 10_000, output: 500, cacheRead: 4_000)
        // 6000 × 2.5e-6 + 4000 × 1.25e-6 + 500 × 1e-5
        XCTAssertEqual(try price("gpt-4o").cost(usage, batch: false), 0.025, accuracy: 1e-9)
    }

    func testClaudeSonnet45AnthropicCacheReadAndWrite() throws {
        // Anthropic reports input_tokens 1000 beside cache_read 20000 and cache_creation 3000; TokenUsage input includes both.
        let usage = TokenUsage(input: 24_000, output: 400, cacheRead: 20_000, cacheWrite: 3_000)
        // 1000 × 3e-6 + 20000 × 3e-7 + 3000 × 3.75e-6 + 400 × 1.5e-5
        XCTAssertEqual(try price("claude-sonnet-4-5").cost(usage, batch: false), 0.02625, accuracy: 1e-9)
    }

    func testGemini25ProWholeRequestAtAbove200kTier() throws {
        let usage = TokenUsage(input: 250_000, output: 1_000, cacheRead: 100_000)
        // 150000 × 2.5e-6 + 100000 × 2.5e-7 + 1000 × 1.5e-5
        XCTAssertEqual(try price("gemini-2.5-pro").cost(usage, batch: false), 0.415, accuracy: 1e-9)
    }

    func testGPT4oBatchUsesBatchRates() throws {
        let p = try price("gpt-4o")
        XCTAssertEqual(p.inputBatch, 1.25e-6)
        XCTAssertEqual(p.outputBatch, 5e-6)
        XCTAssertNil(p.cacheReadBatch)
        let usage = TokenUsage(input: 10_000, output: 500, cacheRead: 4_000)
        // 6000 × 1.25e-6 (batch input) + 4000 × 1.25e-6 (standard cache read: no batch rate) + 500 × 5e-6 (batch output)
        XCTAssertEqual(p.cost(usage, batch: true), 0.015, accuracy: 1e-9)
    }

    func testUnknownModelIsUnpriced() {
        XCTAssertNil(table.price(for: "totally-unknown-model-9000"))
        XCTAssertNil(table.price(for: "acme/llama-3.1-70b-selfhosted"))
        XCTAssertNil(table.price(for: ""))
    }

    // MARK: - Name matching

    func testProviderPrefixIsStripped() throws {
        XCTAssertEqual(table.price(for: "openai/gpt-4o"), try price("gpt-4o"))
        XCTAssertEqual(table.price(for: "anthropic/claude-haiku-4-5"), try price("claude-haiku-4-5"))
        let custom = PriceTable(prices: ["anthropic.claude-x-v1:0": ModelPrice(input: 1, output: 2)])
        XCTAssertEqual(custom.price(for: "bedrock/us-east-1/anthropic.claude-x-v1:0"), ModelPrice(input: 1, output: 2))
    }

    func testDateSuffixIsStripped() throws {
        XCTAssertEqual(table.price(for: "gpt-4o-2024-08-06"), try price("gpt-4o"))
        XCTAssertEqual(table.price(for: "claude-sonnet-4-5-20250929"), try price("claude-sonnet-4-5"))
        XCTAssertEqual(table.price(for: "claude-3-7-sonnet-latest"), try price("claude-3-7-sonnet"))
        XCTAssertEqual(table.price(for: "claude-haiku-4-5@20251001"), try price("claude-haiku-4-5"))
        XCTAssertEqual(table.price(for: "anthropic/claude-sonnet-4-5-20250929"), try price("claude-sonnet-4-5"))
        XCTAssertEqual(table.price(for: "vertex_ai/claude-sonnet-4-5@20250929"), try price("claude-sonnet-4-5"))
    }

    func testExactNameWinsOverStrippedName() throws {
        // The May 2024 snapshot is priced higher than gpt-4o; stripping its date would underbill it.
        let snapshot = try XCTUnwrap(table.price(for: "gpt-4o-2024-05-13"))
        XCTAssertEqual(snapshot.input, 5e-6)
        XCTAssertNotEqual(snapshot, try price("gpt-4o"))
    }

    func testNonDateSuffixesAreKept() {
        XCTAssertEqual(PriceTable.undated("o3-mini"), "o3-mini")
        XCTAssertEqual(PriceTable.undated("gpt-4.1-nano"), "gpt-4.1-nano")
        XCTAssertEqual(PriceTable.undated("mistral-small-2503"), "mistral-small-2503")
        XCTAssertEqual(PriceTable.undated("model-12345678"), "model-12345678")
        XCTAssertEqual(PriceTable.undated("gemini-1.5-pro@002"), "gemini-1.5-pro")
    }

    func testCaseInsensitiveAsLastResort() throws {
        XCTAssertEqual(table.price(for: "GPT-4o"), try price("gpt-4o"))
        XCTAssertEqual(table.price(for: "OpenAI/Claude-Sonnet-4-5-20250929"), try price("claude-sonnet-4-5"))
        let a = ModelPrice(input: 1, output: 1), b = ModelPrice(input: 2, output: 2)
        let mixed = PriceTable(prices: ["My-Model": a, "my-model": b])
        XCTAssertEqual(mixed.price(for: "My-Model"), a)
        XCTAssertEqual(mixed.price(for: "my-model"), b)
    }

    // MARK: - Formula details

    func testReasoningRateWhenPresent() {
        let usage = TokenUsage(input: 1_000, output: 1_000, reasoning: 600)
        let withRate = ModelPrice(input: 1e-6, output: 2e-6, reasoning: 5e-6)
        // 1000 × 1e-6 + 400 × 2e-6 + 600 × 5e-6
        XCTAssertEqual(withRate.cost(usage, batch: false), 0.0048, accuracy: 1e-12)
        let withoutRate = ModelPrice(input: 1e-6, output: 2e-6)
        XCTAssertEqual(withoutRate.cost(usage, batch: false), 0.003, accuracy: 1e-12)
    }

    func testMissingCacheRatesFallBackToInputRate() {
        let p = ModelPrice(input: 2e-6, output: 0)
        let usage = TokenUsage(input: 10_000, cacheRead: 3_000, cacheWrite: 1_000)
        XCTAssertEqual(p.cost(usage, batch: false), 0.02, accuracy: 1e-12)
        let tiered = ModelPrice(input: 1e-6, output: 0, inputAbove200k: 2e-6)
        XCTAssertEqual(tiered.cost(TokenUsage(input: 300_000, cacheRead: 100_000), batch: false), 0.6, accuracy: 1e-12)
    }

    func testUncachedInputNeverNegative() {
        let p = ModelPrice(input: 1e-6, output: 1e-6, cacheRead: 1e-7)
        XCTAssertEqual(p.cost(TokenUsage(input: 100, cacheRead: 500), batch: false), 500 * 1e-7, accuracy: 1e-15)
    }

    func testTierIsWholeRequestAndOnlyAbove200k() {
        let p = ModelPrice(input: 1e-6, output: 1e-5, cacheRead: 1e-7, inputAbove200k: 2e-6)
        XCTAssertEqual(p.cost(TokenUsage(input: 200_000, output: 100), batch: false), 0.2 + 0.001, accuracy: 1e-12)
        // Every input token moves to the tier; output and cache read have no tier rate and keep their base rate.
        XCTAssertEqual(p.cost(TokenUsage(input: 200_001, output: 100, cacheRead: 1), batch: false),
                       200_000 * 2e-6 + 1e-7 + 0.001, accuracy: 1e-12)
    }

    func testBatchWithoutBatchRatesHalvesEveryClass() {
        let p = ModelPrice(input: 1e-6, output: 4e-6, cacheRead: 1e-7, cacheWrite: 2e-6, reasoning: 8e-6)
        let usage = TokenUsage(input: 10_000, output: 1_000, cacheRead: 5_000, cacheWrite: 1_000, reasoning: 250)
        XCTAssertEqual(p.cost(usage, batch: true), p.cost(usage, batch: false) / 2, accuracy: 1e-15)
    }

    func testBatchRatesPerClass() {
        let p = ModelPrice(input: 4e-6, output: 8e-6, cacheRead: 4e-7, cacheWrite: 5e-6, inputBatch: 2e-6,
                           outputBatch: 4e-6, cacheReadBatch: 2e-7)
        let usage = TokenUsage(input: 10_000, output: 1_000, cacheRead: 5_000, cacheWrite: 1_000)
        // 4000 × 2e-6 + 5000 × 2e-7 + 1000 × 2e-6 (write: no batch rate → batch input) + 1000 × 4e-6
        XCTAssertEqual(p.cost(usage, batch: true), 0.015, accuracy: 1e-12)
    }

    // MARK: - Loader

    func testLoaderReadsLiteLLMFormatWithStringNumbers() throws {
        let json = """
        {
          "sample_spec": {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "litellm_provider": "x"},
          "my-model": {"input_cost_per_token": "3e-06", "output_cost_per_token": " 1.5e-05 ",
                       "cache_read_input_token_cost": 3e-07, "cache_creation_input_token_cost": "3.75e-06",
                       "output_cost_per_reasoning_token": 2e-05,
                       "input_cost_per_token_above_200k_tokens": "6e-06", "output_cost_per_token_above_200k_tokens": 2.25e-05,
                       "cache_read_input_token_cost_above_200k_tokens": 6e-07,
                       "cache_creation_input_token_cost_above_200k_tokens": 7.5e-06,
                       "input_cost_per_token_batches": 1.5e-06, "output_cost_per_token_batches": "7.5e-06",
                       "litellm_provider": "acme", "mode": "chat", "max_tokens": 8192},
          "free-tier": {"input_cost_per_token": 0, "output_cost_per_token": 0},
          "no-output": {"input_cost_per_token": 1e-06},
          "bad-number": {"input_cost_per_token": "cheap", "output_cost_per_token": 1e-06},
          "boolean": {"input_cost_per_token": true, "output_cost_per_token": 1e-06},
          "not-an-entry": 42
        }
        """
        let t = try PriceTable.litellmJSON(Data(json.utf8))
        XCTAssertEqual(t.modelNames, ["free-tier", "my-model"])
        XCTAssertEqual(t.count, 2)
        XCTAssertEqual(t.price(for: "my-model"), ModelPrice(
            input: 3e-6, output: 1.5e-5, cacheRead: 3e-7, cacheWrite: 3.75e-6, reasoning: 2e-5,
            inputAbove200k: 6e-6, outputAbove200k: 2.25e-5, cacheReadAbove200k: 6e-7, cacheWriteAbove200k: 7.5e-6,
            inputBatch: 1.5e-6, outputBatch: 7.5e-6, provider: "acme"))
        // An explicit $0 is a real price, not a missing one.
        XCTAssertEqual(t.price(for: "free-tier")?.cost(TokenUsage(input: 10, output: 10), batch: false), 0)
    }

    func testLoaderRejectsGarbage() {
        XCTAssertThrowsError(try PriceTable.litellmJSON(Data("model,price\ngpt-4o,1".utf8))) { error in
            guard case PriceTableError.notJSON = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("not valid JSON"), "\(error)")
        }
        XCTAssertThrowsError(try PriceTable.litellmJSON(Data())) { error in
            guard case PriceTableError.notJSON = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try PriceTable.litellmJSON(Data(#"[{"input_cost_per_token": 1}]"#.utf8))) { error in
            XCTAssertEqual(error as? PriceTableError, .notAnObject(found: "an array"))
            XCTAssertTrue(error.localizedDescription.contains("JSON object"), error.localizedDescription)
        }
    }

    func testMergingLetsOtherWin() throws {
        let custom = PriceTable(prices: ["gpt-4o": ModelPrice(input: 1e-6, output: 1e-6),
                                         "llama-3.1-70b-selfhosted": ModelPrice(input: 1e-7, output: 1e-7)])
        let merged = table.merging(custom)
        XCTAssertEqual(merged.count, table.count + 1)
        XCTAssertEqual(merged.price(for: "openai/gpt-4o"), ModelPrice(input: 1e-6, output: 1e-6))
        XCTAssertEqual(merged.price(for: "gpt-4o-mini"), try price("gpt-4o-mini"))
    }

    func testSamplePricesFileLoads() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("sample-data/prices.json")
        let sample = try PriceTable.litellmJSON(Data(contentsOf: url))
        XCTAssertEqual(sample.count, 3)
        let llama = try XCTUnwrap(sample.price(for: "llama-3.1-70b-selfhosted"))
        XCTAssertEqual(llama.provider, "self-hosted")
        XCTAssertEqual(sample.price(for: "qwen2.5-coder-32b-selfhosted")?.input, 1.2e-7)
    }

    // MARK: - Bundled table

    func testBundledTableCoversPopularModels() {
        let required = [
            "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o1", "o3", "o3-mini", "o4-mini",
            "gpt-5", "gpt-5-mini", "gpt-5-nano", "claude-opus-4-1", "claude-opus-4-5", "claude-sonnet-4-5",
            "claude-sonnet-4", "claude-3-7-sonnet-20250219", "claude-3-7-sonnet-latest", "claude-haiku-4-5",
            "claude-3-5-haiku", "gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.0-flash",
            "text-embedding-3-small", "text-embedding-3-large",
        ]
        for model in required { XCTAssertNotNil(table.price(for: model), model) }
        XCTAssertGreaterThanOrEqual(table.count, 40)
        for name in table.modelNames { XCTAssertNotNil(table.prices[name]?.provider, name) }
    }

    // MARK: - Cross-check against LiteLLM

    func testMatchesLiteLLMCosts() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "litellm-costs", withExtension: "json",
                                                  subdirectory: "Fixtures"))
        let fixture = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let extra = try JSONSerialization.data(withJSONObject: try XCTUnwrap(fixture["extra_prices"]))
        let prices = table.merging(try PriceTable.litellmJSON(extra))

        func check(_ list: String, expectedKey: String) throws -> Int {
            let cases = try XCTUnwrap(fixture[list] as? [[String: Any]])
            for c in cases {
                let f = JSONFields(c)
                let model = try XCTUnwrap(f.string("model"))
                let usage = TokenUsage(input: f.int("input") ?? 0, output: f.int("output") ?? 0,
                                       cacheRead: f.int("cache_read") ?? 0, cacheWrite: f.int("cache_write") ?? 0,
                                       reasoning: f.int("reasoning") ?? 0)
                let batch = f.bool("batch") ?? false
                let expected = try XCTUnwrap(f.double(expectedKey))
                let p = try XCTUnwrap(prices.price(for: model), "\(list): no price for \(model)")
                let actual = p.cost(usage, batch: batch)
                XCTAssertEqual(actual, expected, accuracy: 1e-9 * max(abs(expected), 1e-12),
                               "\(list): \(model) \(usage) batch=\(batch)")
            }
            return cases.count
        }
        XCTAssertGreaterThanOrEqual(try check("cases", expectedKey: "expected_usd"), 20)
        // Where LiteLLM departs from SPEC §4, spendtop must give the SPEC value.
        XCTAssertGreaterThan(try check("excluded", expectedKey: "spec_usd"), 0)
    }
}
