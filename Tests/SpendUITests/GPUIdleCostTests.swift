import XCTest
import SpendCore
@testable import SpendUI

final class GPUIdleCostTests: XCTestCase {
    func testIdleGPUsShowTheirHourlyCostWhenConfigHasAPrice() {
        var s = ConsoleSnapshot()
        XCTAssertEqual(ConsoleScreen.idleDetail(s), "none idle")
        s.idleGPUs = 2
        XCTAssertEqual(ConsoleScreen.idleDetail(s), "! 2 idle")
        s.gpuHourlyUSD = 2.49
        XCTAssertEqual(ConsoleScreen.idleDetail(s), "! 2 idle $4.98/h")
        s.idleGPUs = 16
        XCTAssertEqual(ConsoleScreen.idleDetail(s), "! 16 idle $39.8/h")
    }
}
