import Foundation

/// Why a price file in LiteLLM's `model_prices_and_context_window.json` format could not be read.
public enum PriceTableError: Error, Equatable, CustomStringConvertible, LocalizedError {
    case notJSON(String)
    case notAnObject(found: String)

    public var description: String {
        switch self {
        case .notJSON(let detail):
            return "price file is not valid JSON (\(detail))"
        case .notAnObject(let found):
            return "price file must be a JSON object of model name → prices, found \(found)"
        }
    }

    public var errorDescription: String? { description }
}

/// Model name → price, with SPEC §4 name matching.
public struct PriceTable: Sendable {
    public let prices: [String: ModelPrice]
    /// Lowercased name → stored name, for the case-insensitive last resort.
    private let folded: [String: String]

    public init(prices: [String: ModelPrice]) {
        self.prices = prices
        var folded: [String: String] = [:]
        // Sorted so that names differing only in case resolve the same way on every run.
        for name in prices.keys.sorted() where folded[name.lowercased()] == nil {
            folded[name.lowercased()] = name
        }
        self.folded = folded
    }

    public var count: Int { prices.count }

    public var modelNames: [String] { prices.keys.sorted() }

    /// Entries of `other` replace same-named entries of `self`.
    public func merging(_ other: PriceTable) -> PriceTable {
        PriceTable(prices: prices.merging(other.prices) { _, theirs in theirs })
    }

    /// Exact name, then without a provider prefix, then without a date suffix; case-insensitively as a last resort.
    public func price(for model: String) -> ModelPrice? {
        let names = Self.candidates(model)
        for name in names {
            if let p = prices[name] { return p }
        }
        for name in names {
            if let stored = folded[name.lowercased()] { return prices[stored] }
        }
        return nil
    }

    static func candidates(_ model: String) -> [String] {
        // Up to the last "/" so `bedrock/us-east-1/anthropic.claude-…` and `vertex_ai/mistralai/…` reduce too.
        let bare = model.lastIndex(of: "/").map { String(model[model.index(after: $0)...]) } ?? model
        var out: [String] = []
        for name in [model, bare, undated(model), undated(bare)] where !out.contains(name) {
            out.append(name)
        }
        return out
    }

    /// `gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`, `claude-3-7-sonnet-latest`, `claude-haiku-4-5@20251001` → base name.
    static func undated(_ name: String) -> String {
        if let at = name.lastIndex(of: "@"), at > name.startIndex {
            let tag = name[name.index(after: at)...]
            if tag == "latest" || (!tag.isEmpty && tag.allSatisfy(isDigit)) { return String(name[..<at]) }
        }
        if name.hasSuffix("-latest"), name.count > 7 { return String(name.dropLast(7)) }
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        func digits(_ s: Substring, _ n: Int) -> Bool { s.count == n && s.allSatisfy(isDigit) }
        let n = parts.count
        if n >= 2, digits(parts[n - 1], 8), parts[n - 1].hasPrefix("20") {
            return parts.dropLast().joined(separator: "-")
        }
        if n >= 4, digits(parts[n - 3], 4), parts[n - 3].hasPrefix("20"), digits(parts[n - 2], 2), digits(parts[n - 1], 2) {
            return parts.dropLast(3).joined(separator: "-")
        }
        return name
    }

    private static func isDigit(_ c: Character) -> Bool { c >= "0" && c <= "9" }

    /// Parses LiteLLM's price map; entries without both an input and an output rate (and `sample_spec`) are skipped.
    public static func litellmJSON(_ data: Data) throws -> PriceTable {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw PriceTableError.notJSON(error.localizedDescription)
        }
        guard let object = root as? [String: Any] else {
            throw PriceTableError.notAnObject(found: jsonKind(root))
        }
        var prices: [String: ModelPrice] = [:]
        for (name, value) in object where name != "sample_spec" {
            guard let entry = value as? [String: Any], let price = modelPrice(JSONFields(entry)) else { continue }
            prices[name] = price
        }
        return PriceTable(prices: prices)
    }

    private static func modelPrice(_ f: JSONFields) -> ModelPrice? {
        // Negative or non-finite rates are treated as absent rather than trusted.
        func rate(_ key: String) -> Double? {
            guard let v = f.double(key), v.isFinite, v >= 0 else { return nil }
            return v
        }
        guard let input = rate("input_cost_per_token"), let output = rate("output_cost_per_token") else { return nil }
        return ModelPrice(
            input: input,
            output: output,
            cacheRead: rate("cache_read_input_token_cost"),
            cacheWrite: rate("cache_creation_input_token_cost"),
            reasoning: rate("output_cost_per_reasoning_token"),
            inputAbove200k: rate("input_cost_per_token_above_200k_tokens"),
            outputAbove200k: rate("output_cost_per_token_above_200k_tokens"),
            cacheReadAbove200k: rate("cache_read_input_token_cost_above_200k_tokens"),
            cacheWriteAbove200k: rate("cache_creation_input_token_cost_above_200k_tokens"),
            inputBatch: rate("input_cost_per_token_batches"),
            outputBatch: rate("output_cost_per_token_batches"),
            cacheReadBatch: rate("cache_read_input_token_cost_batches"),
            cacheWriteBatch: rate("cache_creation_input_token_cost_batches"),
            inputAbove200kBatch: rate("input_cost_per_token_above_200k_tokens_batches"),
            outputAbove200kBatch: rate("output_cost_per_token_above_200k_tokens_batches"),
            cacheReadAbove200kBatch: rate("cache_read_input_token_cost_above_200k_tokens_batches"),
            provider: f.string("litellm_provider"),
            cacheWrite1h: rate("cache_creation_input_token_cost_above_1hr"))
    }

    private static func jsonKind(_ value: Any) -> String {
        switch value {
        case is [Any]: return "an array"
        case is String: return "a string"
        case let n as NSNumber: return JSONFields.isBool(n) ? "a boolean" : "a number"
        case is NSNull: return "null"
        default: return "\(type(of: value))"
        }
    }

    /// Built from `BundledPrices.json`, generated from LiteLLM's price map by `scripts/gen_bundled_prices.py`.
    public static let bundled: PriceTable = {
        do {
            return try litellmJSON(Data(BundledPrices.json.utf8))
        } catch {
            // Generated text checked by the tests: failing here is a build defect, not a runtime condition.
            fatalError("BundledPrices.json: \(error)")
        }
    }()
}
