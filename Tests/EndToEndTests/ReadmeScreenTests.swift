import Foundation
import XCTest

/// The README's sample screen is the demo's screen (`scripts/readme_screen.sh` regenerates it): its
/// layout — KPI titles, pane titles, column headers, key hints — is what the demo draws at 120×40 now.
/// And each "Your own data" format is read by the command the README gives for it.
final class ReadmeScreenTests: XCTestCase {
    var session: TmuxSession?

    override func tearDown() {
        session?.kill()
        if let s = session { try? FileManager.default.removeItem(atPath: (s.stateHome as NSString).deletingLastPathComponent) }
    }

    /// The lines of a screen that do not depend on the data: titles (digits and rules removed), column headers, hints.
    static func skeleton(_ screen: String) -> [String] {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var out: [String] = []
        for l in lines {
            if l.contains("┌") && !l.contains("Spend per") {
                out.append(String(l.filter { !$0.isNumber && $0 != "─" && $0 != "," }).replacingOccurrences(of: "  ", with: " "))
            }
            if l.contains("FEATURE") || l.contains("API KEY") || l.contains("MODEL") { out.append(l) }
            if l.hasPrefix(" ?:help") { out.append(l) }
        }
        return out
    }

    func screen(in file: String) throws -> String {
        let text = try String(contentsOf: CLI.packageRoot.appendingPathComponent(file), encoding: .utf8)
        let begin = try XCTUnwrap(text.range(of: "<!-- demo-screen:begin -->\n```\n"), "\(file) lost its demo-screen markers")
        let end = try XCTUnwrap(text.range(of: "\n```\n<!-- demo-screen:end -->"))
        return String(text[begin.upperBound..<end.lowerBound])
    }

    func testSampleScreensHaveTheDemosLayout() throws {
        for (file, height) in [("README.md", 40), ("docs/console.md", 32)] {
            let doc = try screen(in: file)
            XCTAssertEqual(doc.split(separator: "\n", omittingEmptySubsequences: false).count, height, "\(file): a 120×\(height) screen")
            let s = try TmuxSession(width: 120, height: height, args: ["demo"])
            session = s
            let shown = s.wait("the demo's incidents") { $0.contains("sk-…7f3a") && $0.contains("idle") }
            let want = ReadmeScreenTests.skeleton(shown), have = ReadmeScreenTests.skeleton(doc)
            XCTAssertGreaterThanOrEqual(want.count, 6, shown)
            XCTAssertEqual(have, want, "\(file)'s sample screen is out of date: run scripts/readme_screen.sh")
            s.send("q")
            s.waitFor("EXITED:0")
            s.kill()
            try? FileManager.default.removeItem(atPath: (s.stateHome as NSString).deletingLastPathComponent)
            session = nil
        }
    }

    /// The formats the README's "Your own data" names, on the project's real-shape samples.
    func testYourOwnDataFormatsAreRead() throws {
        for (file, format) in [("litellm-payloads.jsonl", "litellm "), ("litellm-spendlogs.jsonl", "litellm-spendlogs "),
                               ("otlp-genai-spans.jsonl", "otlp "), ("day.jsonl", "native ")] {
            let r = try CLI.run(["check", "sample-data/" + file])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("formats         " + format) || r.stdout.contains(", " + format), "\(file): \(r.stdout)")
            XCTAssertTrue(r.stdout.contains("rejected        0\n"), "\(file): \(r.stdout)")
        }
    }
}
