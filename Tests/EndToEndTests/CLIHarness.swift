import Foundation
import XCTest

/// Runs the built `spendtop` binary as a user would, with real files and pipes.
enum CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The binary next to this test bundle (same build configuration and scratch path).
    static var binary: URL {
        var dir = Bundle(for: Marker.self).bundleURL.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("spendtop")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/spendtop")
    }

    final class Marker {}

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ args: [String], stdin: String? = nil, stdinData: Data? = nil, environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        p.currentDirectoryURL = packageRoot
        var env = ProcessInfo.processInfo.environment
        // The developer's own store and config (~/.local/state/spendtop after a console run) must not reach a
        // test: each run gets fresh folders, and the test's own `environment` names others.
        for (k, v) in try Scratch.isolatedEnvironment() { env[k] = v }
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        // stdout and stderr are drained while stdin is written: a program that answers before it has
        // read all its input would otherwise fill a 64 KB pipe and wait for us while we wait for it.
        final class Drained: @unchecked Sendable { var out = Data(), err = Data() }
        let drained = Drained()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { drained.out = out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { drained.err = err.fileHandleForReading.readDataToEndOfFile() }
        if let data = stdinData ?? stdin.map({ Data($0.utf8) }) {
            // A program that exits without reading all of stdin closes the pipe: EPIPE, not a crash.
            signal(SIGPIPE, SIG_IGN)
            data.withUnsafeBytes { b in
                var off = 0
                let fd = input.fileHandleForWriting.fileDescriptor
                while off < b.count {
                    let n = write(fd, b.baseAddress! + off, b.count - off)
                    if n <= 0 { if errno == EINTR { continue }; break }
                    off += n
                }
            }
        }
        try input.fileHandleForWriting.close()
        group.wait()
        let o = drained.out, e = drained.err
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func temporaryFile(_ text: String, suffix: String = ".jsonl") throws -> String {
        let path = ScratchFiles.shared.track(NSTemporaryDirectory() + "spendtop-e2e-\(UUID().uuidString)\(suffix)")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into rows of fields.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false
        var it = Array(text).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? it.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = it.next() {
                        if n == "\"" { field.append("\"") } else { quoted = false; pending = n }
                    } else { quoted = false }
                } else { field.append(c) }
                continue
            }
            switch c {
            case "\"": quoted = true
            case ",": row.append(field); field = ""
            case "\r\n", "\n": row.append(field); rows.append(row); row = []; field = ""
            default: field.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
