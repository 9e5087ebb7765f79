import ArgumentParser
import Foundation
import SpendCore
import SpendIO

/// The alerting options shared by the console and `export --view alerts` (SPEC §2, §7).
struct AlertOptions: ParsableArguments {
    @Option(name: .customLong("alert"),
            help: ArgumentHelp("A threshold rule or budget (repeatable), e.g. 'feature=support-chat:spend_per_hour>40 window=15m for=2m' or 'feature=x:budget_per_day=50'.",
                               valueName: "RULE"))
    var alerts: [String] = []

    @Option(name: .customLong("on-alert"),
            help: ArgumentHelp("Run CMD (via /bin/sh -c) with each alert as JSON on stdin; killed after 10 s.", valueName: "CMD"))
    var onAlert: String?

    /// The config's `[[alert]]`/`[[budget]]` tables, then the `--alert` rules; a bad rule is a usage error naming it.
    func ruleSet(config: ConfigValue?) throws -> AlertRuleSet {
        do {
            return try AlertRuleSet.load(config: config, commandLine: alerts)
        } catch let e as ConfigError {
            throw UsageError(e.description)
        }
    }

    /// The `--on-alert` runner, if one was given.
    func hook(log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(("spendtop: " + $0 + "\n").utf8)) }) -> AlertHook? {
        guard let cmd = onAlert, !cmd.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        return AlertHook(command: cmd, log: log)
    }
}
