import ArgumentParser
import Foundation
import SpendCore

/// Error text quotes user input (paths, filters, rules): no escape sequence reaches the terminal.
func safe(_ message: String) -> String {
    message.split(separator: "\n", omittingEmptySubsequences: false).map { TextSanitizer.clean(String($0)) }.joined(separator: "\n")
}

// A file-size limit (ulimit -f) makes writes fail with EFBIG, which the store reports and survives,
// instead of killing the process.
signal(SIGXFSZ, SIG_IGN)

// Exit codes per SPEC §2: 0 ok, 1 runtime error, 2 usage error.
do {
    var command = try Spendtop.parseAsRoot()
    try command.run()
} catch let error as UsageError {
    FileHandle.standardError.write(Data("spendtop: \(safe(error.description))\n".utf8))
    exit(2)
} catch let error as RuntimeError {
    FileHandle.standardError.write(Data("spendtop: \(safe(error.description))\n".utf8))
    exit(1)
} catch {
    let code = Spendtop.exitCode(for: error)
    if code == .success {
        print(Spendtop.fullMessage(for: error))
        exit(0)
    }
    // The parser's errors are one line like the tool's own, with the option that was probably meant.
    let arguments = Array(CommandLine.arguments.dropFirst())
    var line: String
    if let unknown = Suggestions.unknownOption(in: arguments) {
        line = "unknown option '\(unknown.given)'" + (unknown.meant.map { "; did you mean '\($0)'?" } ?? "")
            + " (`\(unknown.command) --help` lists the options)"
    } else {
        let message = Spendtop.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        line = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
        if let f = line.first, f.isUppercase, !line.hasPrefix("API") { line = f.lowercased() + line.dropFirst() }
        let command = Suggestions.command(for: arguments)
        let name = command == DashboardCommand.self ? "spendtop" : "spendtop " + (command.configuration.commandName ?? "")
        line += " (`\(name) --help` for usage)"
    }
    FileHandle.standardError.write(Data(("spendtop: " + safe(line) + "\n").utf8))
    exit(code == .validationFailure ? 2 : 1)
}
