import Foundation
import SpendCore
import XCTest

/// `bench-anomaly --write-day` exists so a suite day can be judged as a user's file is (`export --view alerts`),
/// which is how `scripts/score_days.py` scores seeds no one tuned on: that path must raise what the in-process
/// suite raises, or the script would score something else.
final class SuiteDayExportTests: XCTestCase {
    func testAWrittenDayExportsTheAlertsTheSuiteRaisesAndItsLabels() throws {
        let dir = try Scratch.directory()
        let seed: UInt64 = 3, scale = 0.05  // small: the debug build replays a day in ~15 s
        let w = try CLI.run(["bench-anomaly", "--write-day", dir, "--seed", "\(seed)", "--scale", "\(scale)"])
        XCTAssertEqual(w.status, 0, w.stderr)
        let day = dir + "/day-\(seed).jsonl"
        let scenario = IncidentSuite.scenario(seed: seed, incidents: 7, trafficScale: scale)

        let labels = try String(contentsOfFile: dir + "/day-\(seed).labels.jsonl", encoding: .utf8)
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(labels.map { $0["target"] as? String }, scenario.incidents.map(\.target))
        XCTAssertEqual(labels.map { $0["start"] as? String },
                       scenario.incidents.map { Timestamp.format(ms: $0.startMs) })

        let r = try CLI.run(["export", day, "--view", "alerts", "--window", "all"], environment: Scratch.isolatedEnvironment())
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = CLI.parseCSV(r.stdout)
        let header = try XCTUnwrap(rows.first)
        let started = try XCTUnwrap(header.firstIndex(of: "started"))
        let scopes = try XCTUnwrap(header.firstIndex(of: "scopes")), kind = try XCTUnwrap(header.firstIndex(of: "kind"))
        let exported = rows.dropFirst().filter { $0.count == header.count && $0[kind] == "anomaly" }
            .map { "\($0[started]) \($0[scopes])" }
        let inProcess = IncidentSuiteScore.alerts(scenario).map {
            "\(Timestamp.format(ms: $0.startedMs)) \(($0.scopes ?? [$0.scope]).joined(separator: "; "))"
        }
        XCTAssertGreaterThanOrEqual(inProcess.count, 3, "the day raises alerts to compare: \(inProcess)")
        XCTAssertEqual(exported, inProcess)
    }
}
