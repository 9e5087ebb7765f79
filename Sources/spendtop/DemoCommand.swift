import ArgumentParser
import Foundation
import SpendCore
import SpendIO
import SpendUI

/// `spendtop demo`: simulated live traffic with scripted incidents in the console, no set-up.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Live simulated traffic with incidents in the console, no set-up.",
        discussion: "Incidents (minutes of simulated time after the start): "
            + DemoTraffic.incidents.map { "\($0.startMinute)m \($0.summary)" }.joined(separator: "; ") + ".")

    @Option(help: "Simulated seconds per real second.") var speed: Double = 60
    @Option(help: "Simulated requests per second of normal traffic.") var rate: Double = 12
    @Option(help: "Distinct API keys in the simulation.") var keys: Int = 400
    @Option(help: "Seed of the simulation: the same seed shows the same traffic and alerts.") var seed: UInt64 = 7
    @OptionGroup var console: ConsoleOptions
    @OptionGroup var alertOptions: AlertOptions

    func validate() throws {
        guard speed > 0, speed <= 100_000 else { throw ValidationError("--speed must be in (0, 100000]") }
        guard rate > 0, rate <= 1_000_000 else { throw ValidationError("--rate must be in (0, 1000000]") }
        guard keys >= 1, keys <= 1_000_000 else { throw ValidationError("--keys must be in [1, 1000000]") }
    }

    func run() throws {
        var options = try ConsoleLauncher.prepare(console)
        // The simulation has GPUs but no config: a GPU-hour price of its own, for the idle cost and the savings.
        options.gpuHourlyUSD = DemoTraffic.gpuHourlyUSD
        options.savings?.gpuHourlyUSD = DemoTraffic.gpuHourlyUSD
        let rules = try alertOptions.ruleSet(config: nil)
        if let reason = ConsoleLauncher.unusableTerminal() { throw RuntimeError(reason) }
        var o = DemoTraffic.Options()
        o.eventsPerSecond = rate
        o.keys = keys
        o.seed = seed
        // Simulated time starts on a minute, so the scripted incidents fall on the same minutes every run.
        let traffic = DemoTraffic(startMs: wallClockMs() / 60_000 * 60_000, options: o)
        let feed = DemoFeed(traffic: traffic, speed: speed, prices: try SourceLoader.priceTable(pricesFile: console.prices))
        // The demo's alerts stay on screen: no alert log (trying it leaves nothing behind); judged as the
        // simulation writes each minute, like a live ingest.
        let later = DeferredMessages()
        let delivery = AlertDelivery(engine: AlertEngine(rules: rules), logPath: nil,
                                     hook: alertOptions.hook(log: { _ in }), report: { later.add($0) })
        feed.alerts = delivery
        feed.start()
        defer { feed.stop() }
        defer { later.flush() }
        try ConsoleLauncher.run(feed: feed, alerts: delivery, options: options)
        print(DemoCommand.nextStep(binary: CommandLine.arguments[0]))
    }

    /// The one line printed when the demo quits: the same console on your own file.
    static func nextStep(binary: String) -> String {
        let bin = binary.contains("/") ? binary : "spendtop"
        return "Now your own data: \(bin) path/to/your-gateway-log.jsonl   (LiteLLM, OpenTelemetry, SQLite: README \"Your own data\")"
    }
}
