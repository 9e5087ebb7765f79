import XCTest
import SpendCore
@testable import SpendIO

final class SavingsConfigTests: XCTestCase {
    func testSettingsFromConfig() throws {
        let c = try ConfigLoader.parse("""
            [savings]
            simple_max_output = 150
            cache_target_ratio = 0.6
            idle_util_pct = 5
            batch_features = ["nightly", "reports"]
            [savings.downgrade]
            "gpt-4o" = ""
            "my-model" = "gpt-4.1-mini"
            [gpu]
            hourly_price_usd = 2.49
            [gpu.prices]
            h100-a = 4.5
            """)
        let s = try SavingsConfig.settings(c)
        XCTAssertEqual(s.simpleMaxOutput, 150)
        XCTAssertEqual(s.cacheTargetRatio, 0.6)
        XCTAssertEqual(s.idleUtilPct, 5)
        XCTAssertEqual(s.batchFeatures, ["nightly", "reports"])
        XCTAssertNil(s.downgrade.sibling(for: "gpt-4o"), "an empty sibling removes the bundled pair")
        XCTAssertEqual(s.downgrade.sibling(for: "my-model"), "gpt-4.1-mini")
        XCTAssertEqual(s.downgrade.sibling(for: "gpt-5"), "gpt-5-mini", "the other bundled pairs stay")
        XCTAssertEqual(s.gpuHourly("h100-a:3"), 4.5)
        XCTAssertEqual(s.gpuHourly("h100-b:0"), 2.49)
        XCTAssertEqual(try SavingsConfig.settings(.table([:])), SavingsSettings())
    }

    func testBadValuesNameTheKey() throws {
        for (text, message) in [("[savings]\ncache_target_ratio = 2", "[savings] cache_target_ratio must be a ratio"),
                                ("[savings]\nbatch_features = \"nightly\"", "[savings] batch_features must be a list"),
                                ("[savings]\nsimple_max_output = \"many\"", "[savings] simple_max_output must be"),
                                ("[savings.downgrade]\n\"gpt-4o\" = 3", "[savings.downgrade] gpt-4o must name a model"),
                                ("[gpu.prices]\nh100-a = -1", "[gpu.prices] h100-a must be a number"),
                                ("[gpu]\nhourly_price_usd = \"cheap\"", "[gpu] hourly_price_usd must be a number")] {
            XCTAssertThrowsError(try SavingsConfig.settings(try ConfigLoader.parse(text)), text) { e in
                XCTAssertTrue("\(e)".hasPrefix(message), "\(e)")
            }
        }
    }
}
