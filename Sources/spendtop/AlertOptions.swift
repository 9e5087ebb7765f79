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

/// `export --view alerts`: what the alert engine reports over a replay of the sources, as a table.
enum AlertsView {
    static let columns: [ViewTable.Column] = [
        .init(id: "started", title: "STARTED", kind: .time),
        .init(id: "ended", title: "ENDED", kind: .time),
        .init(id: "kind", title: "KIND", kind: .text),
        .init(id: "scope", title: "SCOPE", kind: .text),
        .init(id: "metric", title: "METRIC", kind: .text),
        .init(id: "observed", title: "OBSERVED", kind: .number),
        .init(id: "expected", title: "EXPECTED", kind: .number),
        .init(id: "score", title: "SCORE", kind: .number),
        .init(id: "reason", title: "REASON", kind: .text),
        .init(id: "budget_limit_usd", title: "BUDGET", kind: .usd),
        .init(id: "budget_used_pct", title: "USED", kind: .percent),
        .init(id: "budget_run_out", title: "RUNS OUT", kind: .time),
    ]

    static func table(_ events: [AlertEvent]) -> ViewTable {
        func time(_ ms: Int64?) -> ViewTable.Cell { ms.map { .text(Timestamp.format(ms: $0)) } ?? .empty }
        func num(_ v: Double?) -> ViewTable.Cell { v.flatMap { $0.isFinite ? .number($0) : nil } ?? .empty }
        let rows = events.map { e -> [ViewTable.Cell] in
            [time(e.startedMs), time(e.endedMs), .text(e.kind.rawValue), .text(e.scope), .text(e.metric), num(e.observed),
             num(e.expected), num(e.score), .text(e.reason), num(e.budgetLimit), num(e.budgetUsedPct), time(e.budgetRunOutMs)]
        }
        return ViewTable(title: "Alerts", columns: columns, rows: rows)
    }
}
