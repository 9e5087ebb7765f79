import ArgumentParser
import Foundation
import SpendCore

/// `spendtop bench-anomaly` (hidden): scores the anomaly detector on the labelled incident suite, or writes one
/// of its days as JSONL with labels (`--write-day`).
struct BenchAnomalyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-anomaly",
        abstract: "Score anomaly detection on the generated incident suite (make bench-anomaly).",
        discussion: "By default the seeds the detector was developed on, then the held-out seeds. --write-day DIR "
            + "writes DAY.jsonl and DAY.labels.jsonl for --seed (a clean day with --clean).",
        shouldDisplay: false)

    @Option(help: "Which seeds: tuned, held-out or both.") var set = "both"
    @Option(help: "Incident days per set (default: all of the set's seeds).") var incidentDays: Int?
    @Option(help: "Clean days per set (default: all of the set's clean seeds).") var cleanDays: Int?
    @Option(help: "Parallel workers.") var jobs = 2
    @Flag(help: "List missed, late and false alerts.") var verbose = false
    @Flag(help: "Also print every alert and incident.") var log = false
    @Option(help: "Write one day (with --seed) as JSONL and labels into this directory.") var writeDay: String?
    @Option(help: "The day's seed for --write-day.") var seed: UInt64 = 1
    @Flag(help: "With --write-day: a clean day (no incidents).") var clean = false
    @Option(help: "With --write-day: scale the traffic (1 = the suite's size).") var scale = 1.0
    @Option(help: "Developer trace: print every judged minute of SCOPE:METRIC (e.g. api_key=ci:tokens; *:open lists every opening) on --seed's day, between --from and --to (HH:MM).")
    var trace: String?
    @Option(help: "With --trace: first minute (HH:MM).") var from = "00:00"
    @Option(help: "With --trace: last minute (HH:MM).") var to = "23:59"

    func run() throws {
        if let dir = writeDay { return try write(dir) }
        if let trace { return runTrace(trace) }
        let sets: [Bool]
        switch set {
        case "tuned": sets = [false]
        case "held-out": sets = [true]
        case "both": sets = [false, true]
        default: throw ValidationError("--set is tuned, held-out or both")
        }
        for heldOut in sets {
            let suite = IncidentSuite.standard(heldOut: heldOut, incidentDays: incidentDays, cleanDays: cleanDays)
            let t0 = Date()
            let score = IncidentSuiteScore.run(suite, jobs: jobs)
            let seconds = Date().timeIntervalSince(t0)
            print("anomaly detection, \(heldOut ? "held-out" : "tuned") seeds: \(score.seeds.count) incident days "
                  + "(seeds \(IncidentSuiteScore.describe(score.seeds))), \(score.cleanDays) clean days "
                  + "(seeds \(IncidentSuiteScore.describe(score.cleanSeeds))), \(score.incidents) incidents, "
                  + "\(String(format: "%.0f", seconds)) s\n")
            print(score.report)
            if verbose {
                for r in score.missed { print("missed: \(r)") }
                for r in score.late { print("late: \(r)") }
                for r in score.falseAlertReasons { print("false: \(r)") }
                print("")
            }
            if log { for r in score.log { print(r) } }
        }
    }

    func runTrace(_ what: String) {
        guard let colon = what.lastIndex(of: ":") else { return }
        let scope = String(what[..<colon]), metric = String(what[what.index(after: colon)...])
        let sc = IncidentSuite.scenario(seed: seed, incidents: clean ? 0 : 7)
        func minute(_ t: String) -> Int64 {
            let p = t.split(separator: ":").compactMap { Int64($0) }
            return p.count == 2 ? p[0] * 60 + p[1] : 0
        }
        let lo = minute(from), hi = minute(to)
        for i in sc.incidents { print("INCIDENT \(Timestamp.format(ms: i.startMs)) \(i.kind.rawValue) \(i.target) \(i.detail)") }
        let alerts = IncidentSuiteScore.alerts(sc, trace: { s, m, minute, line in
            let mod = ((minute % 1440) + 1440) % 1440
            guard scope == "*" || s == scope, m == metric, mod >= lo, mod <= hi else { return }
            print(String(format: "%02d:%02d ", mod / 60, mod % 60) + (scope == "*" ? s + " " : "") + line)
        })
        for a in alerts { print("ALERT \(Timestamp.format(ms: a.startedMs)) \(a.reason)") }
    }

    func write(_ dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let sc = IncidentSuite.scenario(seed: seed, incidents: clean ? 0 : 7, trafficScale: scale)
        let name = "day-\(seed)\(clean ? "-clean" : "")"
        let path = (dir as NSString).appendingPathComponent(name + ".jsonl")
        guard let out = FileHandle(forWritingAtPath: path) ?? {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)
        }() else { throw RuntimeError("cannot write \(path)") }
        try out.truncate(atOffset: 0)
        var buffer = ""
        var lines = 0
        SuiteDayWriter.lines(sc) { line in
            buffer += line
            buffer += "\n"
            lines += 1
            if buffer.utf8.count > 1 << 20 {
                out.write(Data(buffer.utf8))
                buffer = ""
            }
        }
        out.write(Data(buffer.utf8))
        try out.close()
        let labels = (dir as NSString).appendingPathComponent(name + ".labels.jsonl")
        try (SuiteDayWriter.labelLines(sc).joined(separator: "\n") + (sc.incidents.isEmpty ? "" : "\n"))
            .write(toFile: labels, atomically: true, encoding: .utf8)
        FileHandle.standardError.write(Data("\(path): \(lines) lines; \(labels): \(sc.incidents.count) incidents\n".utf8))
    }
}
