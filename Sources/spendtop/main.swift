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
    FileHandle.standardError.write(Data((safe(Spendtop.fullMessage(for: error)) + "\n").utf8))
    exit(code == .validationFailure ? 2 : 1)
}
