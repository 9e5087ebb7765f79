import ArgumentParser
import Foundation

/// "Did you mean" for the command line: mistyped subcommands and options.
enum Suggestions {
    static let subcommands = ["export", "check", "demo"]

    /// Levenshtein distance (insert, delete, substitute), on characters.
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var row = Array(0...y.count)
        for i in 1...x.count {
            var previous = row[0]
            row[0] = i
            for j in 1...y.count {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (x[i - 1] == y[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[y.count]
    }

    /// The nearest candidate within `maxDistance`, if exactly one is nearest.
    static func nearest(_ word: String, in candidates: [String], maxDistance: Int = 2) -> String? {
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }.filter { $0.1 <= maxDistance }
        guard let best = scored.map(\.1).min() else { return nil }
        let ties = scored.filter { $0.1 == best }
        return ties.count == 1 ? ties[0].0 : nil
    }

    /// `spendtop chekc FILE`: a first argument that is no file and looks like a subcommand.
    static func mistypedSubcommand(_ sources: [String]) -> String? {
        guard let first = sources.first, !first.contains("/"), !first.contains("."), !first.contains(":"),
              !FileManager.default.fileExists(atPath: first) else { return nil }
        return nearest(first, in: subcommands)
    }

    /// The long options a command takes, read from its ArgumentParser help.
    static func longOptions(of command: ParsableCommand.Type) -> [String] {
        let help = Spendtop.helpMessage(for: command, columns: 2000)
        var out = Set(["--help", "--version"])
        var i = help.startIndex
        while let r = help.range(of: "--", range: i..<help.endIndex) {
            var end = r.upperBound
            while end < help.endIndex, help[end].isLetter || help[end].isNumber || help[end] == "-" { help.formIndex(after: &end) }
            let name = String(help[r.lowerBound..<end])
            if name.count > 3 { out.insert(name) }
            i = end > r.upperBound ? end : r.upperBound
        }
        return out.sorted()
    }

    /// The subcommand the arguments name (the console when none does).
    static func command(for arguments: [String]) -> ParsableCommand.Type {
        let all: [ParsableCommand.Type] = [ExportCommand.self, CheckCommand.self, DemoCommand.self, BenchAnomalyCommand.self,
                                           ConsoleBenchCommand.self, DashboardCommand.self]
        guard let first = arguments.first(where: { !$0.hasPrefix("-") }) else { return DashboardCommand.self }
        return all.first { $0.configuration.commandName == first } ?? DashboardCommand.self
    }

    /// An unknown `--option` among the arguments, with the option it most likely meant.
    static func unknownOption(in arguments: [String]) -> (given: String, meant: String?, command: String)? {
        let command = command(for: arguments)
        let known = longOptions(of: command)
        for arg in arguments {
            if arg == "--" { break }
            guard arg.hasPrefix("--") else { continue }
            let name = String(arg.split(separator: "=", maxSplits: 1).first ?? "")
            if known.contains(name) || name == "--generate-completion-script" || name.hasPrefix("--experimental") { continue }
            let prefixed = known.filter { $0.hasPrefix(name) }
            let meant = prefixed.count == 1 ? prefixed[0] : nearest(name, in: known)
            let invoked = command == DashboardCommand.self ? "spendtop" : "spendtop " + (command.configuration.commandName ?? "")
            return (name, meant, invoked)
        }
        return nil
    }
}
