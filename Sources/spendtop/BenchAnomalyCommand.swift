import ArgumentParser
import Foundation
import SpendCore

/// `spendtop bench-anomaly` (hidden): scores the anomaly detector on the labelled incident suite.
struct BenchAnomalyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-anomaly",
        abstract: "Score anomaly detection on the generated incident suite (make bench-anomaly).",
        shouldDisplay: false)

    @Option(help: "Scenarios with injected incidents (9 per simulated day after the first).") var scenarios = 12
    @Option(help: "Clean scenarios.") var clean = 4
    @Option(help: "Days per scenario.") var days = 2
    @Flag(help: "List the false alerts and missed incidents.") var verbose = false
    @Option(help: "Override the z threshold.") var z: Double?
    @Option(help: "Override persist minutes.") var persist: Int?
    @Option(help: "Override the sustained-shift z.") var sustainZ: Double?
    @Option(help: "Override the sustained-shift ratio.") var sustainRatio: Double?
    @Option(help: "Override the minimum spend rise ($/min).") var minSpend: Double?
    @Option(help: "Override the tail weight.") var tailWeight: Double?
    @Option(help: "Override the minimum baseline requests/min for volume series.") var minRequests: Double?

    func run() throws {
        let suite = IncidentSuite.standard(incidentScenarios: scenarios, cleanScenarios: clean, days: days)
        let t0 = Date()
        var options = AlertEngine.Options()
        if let z { options.anomaly.zThreshold = z }
        if let persist { options.anomaly.persistMinutes = persist }
        if let sustainZ { options.anomaly.sustainZ = sustainZ }
        if let sustainRatio { options.anomaly.sustainMinRatio = sustainRatio }
        if let minSpend { options.anomaly.minSpendDelta = minSpend }
        if let tailWeight { options.anomaly.tailWeight = tailWeight }
        if let minRequests { options.anomaly.minBaselineRequests = minRequests }
        let score = IncidentSuiteScore.run(suite, engine: options)
        let seconds = Date().timeIntervalSince(t0)
        print("anomaly detection on the incident suite: \(suite.scenarios.count) scenarios × \(days) days, "
              + "\(score.incidents) injected incidents (\(String(format: "%.1f", seconds)) s)\n")
        print(score.report, terminator: "")
        if verbose {
            for r in score.falseAlertReasons { print("false: \(r)") }
            for r in score.missed { print("missed: \(r)") }
            for r in score.log { print(r) }
        }
    }
}
