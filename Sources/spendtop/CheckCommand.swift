import ArgumentParser
import Foundation
import SpendCore

/// `spendtop check`: read sources to the end and say what was in them.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Read sources to the end; print counts, rejects by reason, unpriced models, the time range.")

    @Argument(help: "JSONL files, or - for stdin.") var sources: [String] = []
    @Option(help: "LiteLLM-format price file, merged over the bundled table.") var prices: String?

    func run() throws {
        guard !sources.isEmpty else { throw UsageError("check needs a SOURCE (a JSONL file or -)") }
        var options = Rollup.Options()
        options.groupings = [.total, .by(.model)]
        options.retentionMinutes = nil
        let loader = SourceLoader(prices: try SourceLoader.priceTable(pricesFile: prices), options: options)
        let (rollup, stats) = try loader.load(sources)
        print(CheckReport.render(rollup: rollup, sources: stats), terminator: "")
    }
}

/// The text `check` prints; a separate type so tests can read it.
enum CheckReport {
    static func render(rollup: Rollup, sources: [(String, SourceStats)]) -> String {
        var out = ""
        for (name, s) in sources {
            out += "source \(TextSanitizer.clean(name))\n"
            out += "  lines read      \(s.lines)\n"
            out += "  events          \(s.events)\n"
            if s.gpuSamples > 0 { out += "  gpu samples     \(s.gpuSamples)\n" }
            if s.duplicates > 0 { out += "  duplicates      \(s.duplicates) (same request_id, counted once)\n" }
            if !s.formats.isEmpty {
                out += "  formats         " + s.formats.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
            }
            out += "  rejected        \(s.rejected)\n"
            for (reason, n) in s.rejects.sorted(by: { $0.key < $1.key }) {
                out += "    \(reason.rawValue): \(n)\n"
            }
            if let a = s.firstMs, let b = s.lastMs {
                out += "  time range      \(Timestamp.format(ms: a)) … \(Timestamp.format(ms: b))\n"
            }
        }
        let total = (try? rollup.rows(ViewQuery(groupBy: nil, window: .all), wallMs: wallClockMs()))?.total ?? Measures()
        out += "total\n"
        out += "  events          \(rollup.eventsCounted)\n"
        out += String(format: "  spend           $%.6f\n", total.spend)
        let unpriced = rollup.unpricedModels
        out += "  unpriced        \(rollup.unpricedRequests) requests in \(unpriced.count) models\n"
        for (model, n) in unpriced { out += "    \(model): \(n)\n" }
        return out
    }
}
