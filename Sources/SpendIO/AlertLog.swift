import Foundation
import SpendCore
#if canImport(Glibc)
import Glibc
#endif

/// The append-only alert log: one JSON line per incident start and end, in `alerts.jsonl` beside the store
/// (default `$XDG_STATE_HOME/spendtop/alerts.jsonl`). Each line is one `write` on an `O_APPEND` descriptor,
/// so two spendtop processes sharing the log never interleave within a line.
public final class AlertLog {
    public let path: String
    let fd: Int32

    /// `alerts.jsonl` in the store's directory, or in the state directory without a store path.
    public static func defaultPath(storePath: String? = nil,
                                   environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let s = storePath, !s.isEmpty {
            return (s as NSString).deletingLastPathComponent.isEmpty ? "alerts.jsonl"
                : (s as NSString).deletingLastPathComponent + "/alerts.jsonl"
        }
        return ConfigLoader.stateDirectory(environment: environment) + "/alerts.jsonl"
    }

    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                     attributes: [.posixPermissions: 0o700])
        }
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw OpenError(description: "cannot open alert log \(path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Appends the incident's start (or end, once it has ended).
    public func append(_ e: AlertEvent, event: String? = nil) throws {
        try append(AlertRecord(e, event: event))
    }

    public func append(_ r: AlertRecord) throws {
        let line = Array((r.json + "\n").utf8)
        let n = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard n == line.count else {
            throw OpenError(description: "cannot append to alert log \(path): \(n < 0 ? String(cString: strerror(errno)) : "short write")")
        }
    }

    /// Reads a log back (tests, and a console that shows earlier alerts); unreadable lines are skipped.
    public static func read(_ path: String) -> [AlertRecord] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let dec = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? dec.decode(AlertRecord.self, from: Data($0)) }
    }
}
