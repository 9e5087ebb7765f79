import XCTest
import SpendCore
@testable import SpendIO

/// A headless read of a remote engine asks only for the groupings it cannot sum from another one.
final class RemoteEngineTests: XCTestCase {
    func testContainedGroupingsAreSummedLocallyOnlyWhenLatencyAllows() {
        let features = RemoteEngine.derivable([[], [.feature]])
        XCTAssertEqual(features.asked, [[.feature]])
        XCTAssertEqual(features.derived.map(\.0), [[]])
        // The fleet total keeps latency buckets, the key pair does not: the total is asked for itself.
        let keys = RemoteEngine.derivable([[], [.apiKey], [.feature, .apiKey]])
        XCTAssertEqual(Set(keys.asked), Set([[], [.feature, .apiKey]]))
        XCTAssertEqual(keys.derived.map(\.0), [[.apiKey]])
    }

    func testFoldSumsEveryValueOfTheDroppedDimension() {
        let a = DimensionValue(raw: "chat", dimension: .feature), b = DimensionValue(raw: "batch", dimension: .feature)
        let k = DimensionValue(raw: "sk-1", dimension: .apiKey)
        func m(_ spend: Double) -> Measures { var x = Measures(); x.requests = 1; x.spend = spend; return x }
        let cells = [RemoteCell(minute: 5, values: [a, k], measures: m(1)), RemoteCell(minute: 5, values: [b, k], measures: m(2)),
                     RemoteCell(minute: 6, values: [a, k], measures: m(4))]
        let byKey = RemoteEngine.fold(cells, from: [.feature, .apiKey], to: [.apiKey]).sorted { $0.minute < $1.minute }
        XCTAssertEqual(byKey.map(\.minute), [5, 6])
        XCTAssertEqual(byKey.map(\.measures.spend), [3, 4])
        XCTAssertEqual(byKey.map(\.measures.requests), [2, 1])
        XCTAssertEqual(byKey.first?.values, [k])
    }
}
