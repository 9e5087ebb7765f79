import ArgumentParser
import Foundation
import SpendCore
import SpendIO

/// Hidden, temporary: one view of a `postgres://` SOURCE as CSV by pushdown, so `make bench` can time
/// the engine against `psql` until `spendtop export postgres://…` reads through the query boundary
/// (issue 10 Part A); then this command goes. `--print-sql` prints the aggregate instead.
struct PostgresExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "debug-postgres-export",
                                                    abstract: "Pushdown export from PostgreSQL (for make bench).", shouldDisplay: false)

    @Argument(help: "postgres://… (a libpq URI, ?table=NAME)") var source: String
    @Option(help: "features, keys, models, teams or providers.") var view = "features"
    @Option(help: "all, or a window ending at the newest row (1h, 24h, …).") var window = "all"
    @Option(name: .shortAndLong, help: "Output file (default: stdout).") var output: String?
    @Flag(help: "Print the aggregate's SQL and parameters, send nothing.") var printSQL = false
    @Flag(help: "Time a poll instead: per-minute cells of every console grouping over the window, in one scan and one aggregate each.")
    var pollTiming = false

    func run() throws {
        guard case .postgres(let url, let table) = try SourceSpec(parsing: source) else {
            throw UsageError("debug-postgres-export needs a postgres:// SOURCE")
        }
        guard let v = ExportView(rawValue: view), let d = v.dimension, d != .gpu else {
            throw UsageError("view is one of features, keys, models, teams, providers")
        }
        guard let w = TimeWindow(parsing: window) else { throw UsageError("unreadable window '\(window)'") }
        do {
            // One aggregate over the whole table: far past the live default of 30 s on a big one.
            var options = PostgresConnection.Options()
            options.statementTimeoutSeconds = 3600
            let logs = try PostgresSpendLogs(connection: try PostgresConnection(url: url, options: options),
                                             table: table ?? "LiteLLM_SpendLogs")
            guard let extent = try logs.extent() else { throw RuntimeError("\(PostgresURL.redact(url)): the table is empty") }
            let endMs = extent.newestMs + 1
            var startMs = extent.oldestMs
            if case .minutes(let n) = w { startMs = (Rollup.floorDiv(extent.newestMs, 60_000) - Int64(n) + 1) * 60_000 }
            if pollTiming {
                let groupings: [[SpendCore.Dimension]] = Grouping.console.map { [$0.first, $0.second].compactMap { $0 } }
                let t0 = Date()
                let one = try logs.cells(fromMs: startMs, toMs: endMs, groupings: groupings)
                let t1 = Date()
                var separate = 0
                for g in groupings { separate += try logs.cells(fromMs: startMs, toMs: endMs, dimensions: g).count }
                let t2 = Date()
                print(String(format: "{\"groupings\": %d, \"cells\": %d, \"one_scan_s\": %.3f, \"one_aggregate_each_s\": %.3f, \"cells_each\": %d}",
                             groupings.count, one.values.reduce(0) { $0 + $1.count }, t1.timeIntervalSince(t0),
                             t2.timeIntervalSince(t1), separate))
                return
            }
            if printSQL {
                let q = try SpendLogsSQL(schema: logs.schema, dimensions: [d], latency: Grouping.by(d).keepsLatency, perMinute: false)
                print(q.text + ";")
                print("-- parameters: " + q.parameters(fromMs: startMs, toMs: endMs).map { $0 ?? "NULL" }.joined(separator: " | "))
                return
            }
            let cells = try logs.cells(fromMs: startMs, toMs: endMs, dimensions: [d], perMinute: false)
            let result = ViewResult.from(cells: cells, position: 0, startMs: startMs, endMs: endMs)
            let csv = CSVWriter.csv(ExportView.groupTable(result, dimension: d))
            if let output {
                do { try csv.write(toFile: output, atomically: true, encoding: .utf8) } catch {
                    throw RuntimeError("cannot write \(output): \(error.localizedDescription)")
                }
            } else {
                FileHandle.standardOutput.write(Data(csv.utf8))
            }
        } catch let e as PostgresError {
            throw RuntimeError(e.description)
        }
    }
}
