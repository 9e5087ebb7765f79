// TEMPORARY until the pricing module lands
public struct ModelPrice: Equatable, Sendable {
    public var input: Double
    public var output: Double
    public func cost(_ u: TokenUsage, batch: Bool) -> Double { Double(u.input) * input + Double(u.output) * output }
}
public struct PriceTable: Sendable {
    public var prices: [String: ModelPrice]
    public static let bundled = PriceTable(prices: ["gpt-4o": ModelPrice(input: 2.5e-6, output: 1e-5)])
    public func price(for model: String) -> ModelPrice? { prices[model] }
}
extension PriceTable {
    public func merging(_ o: PriceTable) -> PriceTable { self }
    public static func litellmJSON(_ d: Data) throws -> PriceTable { .bundled }
}
import Foundation
