import Foundation
import XCTest

/// Real processes for the live tests: the spendtop binary in the background and the Python
/// test servers of scripts/testservers (127.0.0.1, port 0).
final class Background {
    let process = Process()
    let out = Pipe(), err = Pipe()
    private var outData = Data(), errData = Data()
    private let lock = NSLock()

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
        out.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            self?.lock.lock(); self?.outData.append(d); self?.lock.unlock()
        }
        err.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            self?.lock.lock(); self?.errData.append(d); self?.lock.unlock()
        }
        try process.run()
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
        // The handlers stop, then what is left up to end of file is read here (no pause to guess at).
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        lock.lock()
        outData.append(out.fileHandleForReading.readDataToEndOfFile())
        errData.append(err.fileHandleForReading.readDataToEndOfFile())
        lock.unlock()
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
