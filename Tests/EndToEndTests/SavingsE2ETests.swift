import Foundation
import XCTest

/// The Savings pane in a real terminal: it holds what `export --view savings` writes, `e` writes exactly
/// that, and Enter on a row opens its scope, where the pane keeps that scope's opportunities only.
final class SavingsE2ETests: XCTestCase {
    var sessions: [TmuxSession] = []
    var dirs: [String] = []
    let sample = CLI.packageRoot.appendingPathComponent("sample-data/day.jsonl").path

    override func tearDown() {
        for s in sessions {
            s.kill()
            try? FileManager.default.removeItem(atPath: (s.stateHome as NSString).deletingLastPathComponent)
        }
        for d in dirs { try? FileManager.default.removeItem(atPath: d) }
        sessions = []
        dirs = []
    }

    func tempDir() throws -> String {
        let d = NSTemporaryDirectory() + "spendtop-e2e-savings-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        dirs.append(d)
        return d
    }

    /// The console on the sample day over 24 h with a GPU-hour price, its snapshots going to `dir`.
    func start(_ dir: String) throws -> (TmuxSession, String) {
        let config = dir + "/config.toml"
        try "[gpu]\nhourly_price_usd = 2.49\n".write(toFile: config, atomically: true, encoding: .utf8)
        let args = [sample, "--window", "24h", "--no-store", "--config", config, "--export-dir", dir]
        let s = try TmuxSession(width: 160, height: 48, args: args)
        sessions.append(s)
        s.waitFor("2026-11-27 23:59:49Z", timeout: 20)
        s.waitFor("Features 10", timeout: 20)
        return (s, config)
    }

    func exported(_ dir: String, count: Int, _ s: TmuxSession) throws -> String {
        s.wait("snapshot \(count) written") { _ in
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            return files.filter { $0.hasSuffix(".csv") }.count == count
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".csv") }.sorted {
            let a = try? FileManager.default.attributesOfItem(atPath: dir + "/" + $0)[.creationDate] as? Date
            let b = try? FileManager.default.attributesOfItem(atPath: dir + "/" + $1)[.creationDate] as? Date
            return (a ?? .distantPast, $0) < (b ?? .distantPast, $1)
        }
        return dir + "/" + files.last!
    }

    func testPaneExportAndExportCommandAgree() throws {
        let dir = try tempDir()
        let (s, config) = try start(dir)
        let export = try CLI.run(["export", sample, "--view", "savings", "--window", "24h", "--config", config])
        XCTAssertEqual(export.status, 0, export.stderr)
        let rows = CLI.parseCSV(export.stdout)
        XCTAssertGreaterThan(rows.count, 5)
        s.send("$")
        var screen = s.waitFor("Savings \(rows.count - 1) · save ≈ ")
        // The first row of the pane is the export's first row: same kind, same scope (cut to the column).
        let first = try XCTUnwrap(screen.split(separator: "\n").first { $0.contains("▶ ") }.map(String.init), screen)
        XCTAssertTrue(first.contains(rows[1][0]) || first.contains(String(rows[1][0].prefix(12))), first)
        XCTAssertTrue(first.contains(String(rows[1][1].prefix(20))), "\(first) vs \(rows[1])")
        s.send("e")
        s.waitFor("exported \(rows.count - 1) rows")
        let file = try exported(dir, count: 1, s)
        XCTAssertTrue((file as NSString).lastPathComponent.hasPrefix("spendtop-savings-24h-"), file)
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), export.stdout)
        s.send("?")
        screen = s.wait("the help lists the savings key") { $0.contains("savings advisor") }
        XCTAssertTrue(screen.contains("$"), screen)
        s.send("Escape")
        s.send("q")
        s.waitFor("EXITED:0")
    }

    func testEnterOnASavingsRowOpensItsScope() throws {
        let dir = try tempDir()
        let (s, config) = try start(dir)
        let export = try CLI.run(["export", sample, "--view", "savings", "--window", "24h", "--config", config])
        let rows = CLI.parseCSV(export.stdout)
        let index = try XCTUnwrap(rows.dropFirst().firstIndex { $0[1].contains(" model=") }) - 1
        let scope = rows[index + 1][1]
        let feature = String(scope.dropFirst("feature=".count).prefix { $0 != " " })
        let model = String(scope[scope.range(of: " model=")!.upperBound...])
        s.send("$")
        s.waitFor("Savings \(rows.count - 1) ")
        for _ in 0..<index { s.send("j") }
        s.send("Enter")
        s.wait("drilled into \(scope)") {
            $0.contains("all › feature \(feature) › model \(model)") && !$0.contains("loading")
        }
        // The pane now lists that scope's opportunities only, as the export with the same filters.
        s.send("$")
        s.waitFor("Savings ")
        s.send("e")
        let file = try exported(dir, count: 1, s)
        let filtered = try CLI.run(["export", sample, "--view", "savings", "--window", "24h", "--config", config,
                                    "--filter", "feature=\(feature)", "--filter", "model=\(model)"])
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), filtered.stdout)
        let inScope = CLI.parseCSV(filtered.stdout).dropFirst()
        XCTAssertFalse(inScope.isEmpty)
        XCTAssertTrue(inScope.allSatisfy { $0[1] == scope }, "\(inScope)")
        // Up one level is the feature; up again the top. A GPU row has no breakdown: Enter says so and stays.
        s.send("Escape")
        s.wait("up to the feature") { $0.contains("all › feature \(feature) ") && !$0.contains("› model") }
        s.send("Escape")
        s.wait("back at the top") { !$0.contains("all ›") }
        s.send("$")
        s.waitFor("Savings \(rows.count - 1) ")
        let gpu = try XCTUnwrap(rows.dropFirst().firstIndex { $0[0] == "idle_gpu" }) - 1
        for _ in 0..<gpu { s.send("j") }
        s.send("Enter")
        s.waitFor("GPUs have no breakdown")
        s.send("q")
        s.waitFor("EXITED:0")
    }
}
