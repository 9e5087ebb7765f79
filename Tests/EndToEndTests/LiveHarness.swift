import Foundation
import XCTest

/// Real processes for the live tests: the spendtop binary in the background and the Python
/// test servers of scripts/testservers (127.0.0.1, port 0).
final class Background {
    let process = Process()
    let out = Pipe(), err = Pipe()
    private var outData = Data(), errData = Data()
    private let lock = NSLock()
    /// Left by each reader at end of file.
    private let readers = DispatchGroup()

    init(_ executable: URL, _ args: [String], environment: [String: String] = [:]) throws {
        process.executableURL = executable
        process.arguments = args
        process.currentDirectoryURL = CLI.packageRoot
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // One blocking reader per pipe, not `readabilityHandler`: Foundation's handler reads through
        // `availableData`, which stops the whole test process (a fatal error) when a read fails or races
        // the handle's close. Each reader keeps its pipe (and so its descriptor) open until end of file.
        read(out) { d in self.lock.lock(); self.outData.append(d); self.lock.unlock() }
        read(err) { d in self.lock.lock(); self.errData.append(d); self.lock.unlock() }
    }

    private func read(_ pipe: Pipe, into append: @escaping @Sendable (Data) -> Void) {
        readers.enter()
        let group = readers
        final class Box: @unchecked Sendable { let pipe: Pipe; init(_ p: Pipe) { pipe = p } }
        let box = Box(pipe)
        DispatchQueue.global().async {
            let fd = box.pipe.fileHandleForReading.fileDescriptor
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n > 0 { append(Data(buffer[0..<n])); continue }
                if n < 0 && errno == EINTR { continue }
                break
            }
            group.leave()
        }
    }

    static func spendtop(_ args: [String], environment: [String: String] = [:]) throws -> Background {
        try Background(CLI.binary, args, environment: environment)
    }

    /// A test server: prints its port on the first line.
    static func server(_ args: [String]) throws -> (Background, Int) {
        let script = CLI.packageRoot.appendingPathComponent("scripts/testservers/serve.py").path
        let b = try Background(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script] + args)
        let deadline = Date(timeIntervalSinceNow: 10)
        while Date() < deadline {
            if let line = b.stdout.split(separator: "\n").first, let port = Int(line) { return (b, port) }
            usleep(10_000)
        }
        b.kill()
        throw HarnessError("test server did not start: \(b.stderr)")
    }

    var stdout: String { lock.lock(); defer { lock.unlock() }; return String(decoding: outData, as: UTF8.self) }
    var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: errData, as: UTF8.self) }

    /// Waits for exit; false on timeout.
    func wait(timeout: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { return false }
        process.waitUntilExit()
        // What the process wrote up to its end is in once both readers reach end of file (no pause to guess at);
        // a child it left holding the pipes open must not hold the test, so that wait is bounded too.
        _ = readers.wait(timeout: .now() + max(1, deadline.timeIntervalSinceNow))
        return true
    }

    func kill(_ sig: Int32 = SIGKILL) {
        if process.isRunning { Foundation.kill(process.processIdentifier, sig) }
        _ = wait(timeout: 5)
    }

    var status: Int32 { process.isRunning ? -1 : process.terminationStatus }
}

enum Scratch {
    static func directory() throws -> String {
        let d = ScratchFiles.shared.track(NSTemporaryDirectory() + "spendtop-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// An environment whose config and state folders are fresh: the user's own config cannot change a run.
    static func isolatedEnvironment() throws -> [String: String] {
        let home = try directory()
        return ["XDG_CONFIG_HOME": home + "/config", "XDG_STATE_HOME": home + "/state", "HOME": home]
    }
}

/// Parses `check` output: the `total` section's events and spend, and per-source lines.
struct CheckOutput {
    let text: String
    var totalEvents: Int? {
        guard let r = text.range(of: "total\n  events          ") else { return nil }
        return Int(text[r.upperBound...].prefix(while: { $0.isNumber }))
    }
    var totalSpend: Double? {
        guard let r = text.range(of: "  spend           $") else { return nil }
        return Double(text[r.upperBound...].prefix(while: { $0 != "\n" }))
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

extension CLI {
    /// Runs a helper tool to completion; its exit status.
    static func runTool(_ path: String, _ args: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }
}
