import Foundation
import SpendCore
import SpendIO

/// Reads headless sources to their end into one rollup, with a pipeline (and stats) per source.
struct SourceLoader {
    var prices: PriceTable
    var options: Rollup.Options

    static func priceTable(pricesFile: String?) throws -> PriceTable {
        guard let path = pricesFile else { return .bundled }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RuntimeError("cannot read prices file \(path)")
        }
        do {
            return PriceTable.bundled.merging(try PriceTable.litellmJSON(data))
        } catch {
            throw RuntimeError("prices file \(path): \(error)")
        }
    }

    /// Sources this build reads headless: files and `-`; the live kinds arrive with the live sources.
    static func validate(_ sources: [String]) throws {
        for s in sources {
            let lower = s.lowercased()
            for scheme in ["http://", "https://", "prom:", "sqlite:", "nvidia-smi:"] where lower.hasPrefix(scheme) {
                throw UsageError("source \(s): \(scheme.dropLast(scheme.hasSuffix("//") ? 3 : 1)) sources are not available in this build yet; give a JSONL file or -")
            }
            if lower.hasSuffix(".db") || lower.hasSuffix(".sqlite") {
                throw UsageError("source \(s): SQLite sources are not available in this build yet; give a JSONL file or -")
            }
        }
    }

    func load(_ sources: [String]) throws -> (Rollup, [(String, SourceStats)]) {
        try SourceLoader.validate(sources)
        let rollup = Rollup(options: options, prices: prices)
        var stats: [(String, SourceStats)] = []
        for s in sources {
            let pipeline = EventPipeline(rollup: rollup)
            do {
                try FileInput.readAll(s, into: pipeline)
            } catch {
                throw RuntimeError("\(error)")
            }
            stats.append((s, pipeline.stats))
        }
        return (rollup, stats)
    }
}

/// `--at` accepts RFC 3339 or an epoch number.
func parseTime(_ text: String) -> Int64? {
    if let ms = Timestamp.parseRFC3339(text) { return ms }
    if let v = Double(text) { return Timestamp.epochToMs(v) }
    return nil
}

func wallClockMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
