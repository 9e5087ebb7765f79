import Foundation
import XCTest

/// Identity is an id, never a display name (issue 10 Part A), as a person meets it in a real terminal: two keys that
/// both show as `sk-…abcd` are drilled separately, and a rule scoped to one raw key does not watch the other.
final class QueryIdentityE2ETests: XCTestCase {
    var sessions: [TmuxSession] = []
    var dirs: [String] = []
    let t0 = 1_795_860_000_000 as Int64  // 2026-11-28T10:00:00Z
    let rawA = "sk-proj-AAAAAAAAAAAAAAAAAAAAAAAAabcd"
    let rawB = "sk-live-BBBBBBBBBBBBBBBBBBBBBBBBabcd"

    override func tearDown() {
        for s in sessions { s.kill() }
        sessions = []
        for d in dirs { try? FileManager.default.removeItem(atPath: d) }
        dirs = []
    }

    /// An hour: key A on `chat` at $3/h throughout, seen first; key B on `batch` at $15/h, then $60/h from 10:40.
    func traffic() throws -> String {
        let d = NSTemporaryDirectory() + "spendtop-e2e-identity-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        dirs.append(d)
        var text = ""
        for m in 0..<60 {
            let a = Double(t0 + Int64(m) * 60_000 + 5_000) / 1000, b = Double(t0 + Int64(m) * 60_000 + 35_000) / 1000
            text += #"{"ts":\#(a),"request_id":"a\#(m)","feature":"chat","api_key":"\#(rawA)","model":"gpt-4o","cost_usd":0.05}"# + "\n"
            text += #"{"ts":\#(b),"request_id":"b\#(m)","feature":"batch","api_key":"\#(rawB)","model":"gpt-4o-mini","cost_usd":\#(m >= 40 ? 1.0 : 0.25)}"# + "\n"
        }
        let path = d + "/traffic.jsonl"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The features pane's title and the feature names it lists (the pane spans the screen's width).
    func featuresPane(_ screen: String) -> String {
        let lines = screen.split(separator: "\n").map(String.init)
        guard let top = lines.firstIndex(where: { $0.contains("┌ Features") }) else { return "" }
        let rest = lines[top...]
        let bottom = rest.firstIndex { $0.hasPrefix("└") } ?? lines.count
        return lines[top..<bottom].joined(separator: "\n")
    }

    func testKeysThatMaskAlikeAreDrilledSeparatelyAndAlertedSeparately() throws {
        let path = try traffic()
        let ruleA = "api_key=\(rawA):spend_per_hour>20", ruleB = "api_key=\(rawB):spend_per_hour>40"
        let s = try TmuxSession(width: 200, height: 50,
                                args: [path, "--alert", ruleA, "--alert", ruleB, "--no-store", "--window", "1h"])
        sessions.append(s)
        var screen = s.wait("both keys listed and the history judged") {
            // B's rule, and the detector's fleet-wide alert on B's fourfold spend (docs/anomalies.md).
            $0.contains("2026-11-28 10:59:35Z") && $0.contains("API keys 2") && $0.contains("Alerts 2 active")
        }
        XCTAssertFalse(screen.contains("AAAAAAAA") || screen.contains("BBBBBBBB"), "raw keys never reach the screen")
        // Two key rows under one displayed name; only B's ($30.0 in the hour) carries the alert mark.
        let keyRows = screen.split(separator: "\n").compactMap { $0.components(separatedBy: "││").first }
            .filter { $0.contains("sk-…abcd ") }
        XCTAssertEqual(keyRows.count, 2, screen)
        XCTAssertEqual(keyRows.filter { $0.contains("▲") }.map { $0.contains("$30.0") }, [true], screen)

        // The keys pane, B first; drill into it: only B's feature, and B's alert.
        s.send("Tab")
        s.send("Enter")
        screen = s.wait("drilled into the first key") { $0.contains("all › key sk-…abcd") && $0.contains("Features 1") }
        var features = featuresPane(screen)
        XCTAssertTrue(features.contains("batch") && !features.contains("chat"), features)
        XCTAssertTrue(screen.contains("10:43:00 sk-…abcd"), "B's alert is in B's drill:\n\(screen)")

        // Back up (B's row selected again), down to A, drill: only A's feature, and no alert of A's.
        s.send("Escape")
        s.wait("back at the top") { !$0.contains("all › key") && $0.contains("API keys 2") }
        s.send("Down")
        s.send("Enter")
        screen = s.wait("drilled into the second key") {
            $0.contains("all › key sk-…abcd") && $0.contains("Features 1") && $0.contains("chat")
        }
        features = featuresPane(screen)
        XCTAssertTrue(features.contains("chat") && !features.contains("batch"), features)
        XCTAssertTrue(features.contains("$3.00"), "A's hour: $3.00\n\(features)")
        XCTAssertFalse(screen.contains("10:43:00 sk-…abcd"), "B's alert is not in A's drill:\n\(screen)")

        // The one incident is B's rule (threshold $40/h); A's rule ($20/h) would have fired on B's $60/h.
        s.send("Escape")
        s.wait("back at the top again") { !$0.contains("all › key") && $0.contains("API keys 2") }
        // Back up, the keys pane has the focus: models, then alerts. The rule's alert and the fleet anomaly start
        // in the same minute, so either may be first: open the first, and the other if it was the anomaly.
        for _ in 0..<2 { s.send("Tab") }
        s.send("Enter")
        screen = s.wait("an alert's detail") { $0.contains("Alert · threshold") || $0.contains("Alert · anomaly") }
        if !screen.contains("Alert · threshold") {
            s.send("Escape")
            s.wait("the detail closed") { !$0.contains("Alert · anomaly") }
            s.send("Down")
            s.send("Enter")
            screen = s.waitFor("Alert · threshold")
        }
        XCTAssertTrue(screen.contains("expected $40/h (threshold)"), screen)
        XCTAssertFalse(screen.contains("$20/h"), screen)
        XCTAssertTrue(screen.contains("api_key=sk-…abcd"), screen)
        // Enter in the detail drills to the alert's scope: B's key by id, so B's feature only.
        s.send("Enter")
        screen = s.wait("drilled to the alert's key") { $0.contains("all › key sk-…abcd") && $0.contains("Features 1") }
        features = featuresPane(screen)
        XCTAssertTrue(features.contains("batch") && !features.contains("chat"), features)
        s.send("q")
        s.waitFor("EXITED:0")
    }
}
