import Foundation
import XCTest

/// The real-shape rows (`formats/litellm-spendlogs-rows.jsonl`, copied into Fixtures/).
enum PostgresFixtures {
    static func spendLogRows() throws -> [[String: Any]] {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/litellm-spendlogs-rows", withExtension: "jsonl"))
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }
}
