import ArgumentParser
import Foundation

// Exit codes per SPEC §2: 0 ok, 1 runtime error, 2 usage error.
do {
    var command = try Spendtop.parseAsRoot()
    try command.run()
} catch let error as UsageError {
    FileHandle.standardError.write(Data("spendtop: \(error.description)\n".utf8))
    exit(2)
} catch let error as RuntimeError {
    FileHandle.standardError.write(Data("spendtop: \(error.description)\n".utf8))
    exit(1)
} catch {
    let code = Spendtop.exitCode(for: error)
    if code == .success {
        print(Spendtop.fullMessage(for: error))
        exit(0)
    }
    FileHandle.standardError.write(Data((Spendtop.fullMessage(for: error) + "\n").utf8))
    exit(code == .validationFailure ? 2 : 1)
}
