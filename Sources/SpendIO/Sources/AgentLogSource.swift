import Foundation
import SpendCore
#if canImport(Glibc)
import Glibc
#endif

/// Follows every `*.jsonl` below a set of roots (a coding agent's session logs): new files as they
/// appear, appended lines as they are written. A session folder holds thousands of files, nearly all
/// finished, so none is kept open: each is opened, read from its offset to its end and closed.
/// Files are tracked by device and inode (a Codex session moved to `archived_sessions/` is the same
/// file) and resume at their saved position; one that shrank or whose last bytes changed is read again.
final class AgentLogSource {
    let logs: AgentLogs
    static let chunkBytes = 1 << 20
    /// Files that grew this recently are checked at every poll; the others at each rescan.
    static let hotSeconds = 120.0
    /// Directory depth walked below a root (Codex: sessions/YYYY/MM/DD; Claude: project/session/subagents).
    static let maxDepth = 8

    struct Tracked {
        var path: String
        var offset: Int64
        var tail: [UInt8] = []
        var lastGrowth: Date
        var started = false
    }

    init(logs: AgentLogs) { self.logs = logs }

    static func key(_ st: stat) -> String { "agent:\(st.st_dev):\(st.st_ino)" }

    /// Every `*.jsonl` regular file under the roots, in reading order: roots as given, paths sorted
    /// within each (so a session precedes its `subagents/` folder, `sessions/` precedes the archive).
    func files() -> (found: [(String, stat)], anyRoot: Bool) {
        var out: [(String, stat)] = []
        var seen = Set<String>()
        var anyRoot = false
        for root in logs.roots {
            var paths: [String] = []
            if root.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) {
                var g = glob_t()
                if glob(root, 0, nil, &g) == 0 {
                    paths = (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }
                }
                globfree(&g)
            } else {
                paths = [root]
            }
            var below: [String] = []
            for p in paths {
                var st = stat()
                guard stat(p, &st) == 0 else { continue }
                anyRoot = true
                if (st.st_mode & S_IFMT) == S_IFDIR {
                    AgentLogSource.walk(p, depth: 0, into: &below)
                } else if (st.st_mode & S_IFMT) == S_IFREG {
                    below.append(p)
                }
            }
            for p in below.sorted() {
                var st = stat()
                guard stat(p, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
                let k = AgentLogSource.key(st)
                if seen.insert(k).inserted { out.append((p, st)) }
            }
        }
        return (out, anyRoot)
    }

    /// `*.jsonl` files below `dir`; symbolic links to folders are not followed (no cycles).
    static func walk(_ dir: String, depth: Int, into out: inout [String]) {
        guard depth <= maxDepth, let d = opendir(dir) else { return }
        defer { closedir(d) }
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            let path = dir + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: walk(path, depth: depth + 1, into: &out)
            case S_IFREG, S_IFLNK: if name.hasSuffix(".jsonl") { out.append(path) }
            default: break
            }
        }
    }

    func run(_ ctx: SourceContext) {
        var tracked: [String: Tracked] = [:]
        var order: [String] = []
        var lastScan = Date.distantPast
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: AgentLogSource.chunkBytes, alignment: 16)
        defer { buffer.deallocate() }
        ctx.setState(.connecting)
        while !ctx.isStopping {
            var candidates: [String] = []
            if Date().timeIntervalSince(lastScan) >= ctx.settings.rescanSeconds || !ctx.follow {
                lastScan = Date()
                let (found, anyRoot) = files()
                var present = Set<String>()
                for (path, st) in found {
                    let k = AgentLogSource.key(st)
                    present.insert(k)
                    if tracked[k] != nil { tracked[k]!.path = path; continue }
                    tracked[k] = Tracked(path: path, offset: 0, lastGrowth: Date(timeIntervalSince1970: 0))
                    order.append(k)
                }
                // A log that was deleted: its last line counts, its saved position is forgotten.
                for k in order where !present.contains(k) {
                    if tracked[k]?.started == true { ctx.emit(.endOfStream, stream: k, forget: true) }
                    tracked[k] = nil
                }
                order.removeAll { tracked[$0] == nil }
                if anyRoot {
                    ctx.setState(ctx.follow ? .live : .connecting)
                    ctx.setError(nil)
                } else {
                    ctx.setError(logs.missingHint)
                    if !ctx.follow { ctx.setState(.failed); return }
                    ctx.setState(.connecting)
                }
                candidates = order
            } else {
                let now = Date()
                candidates = order.filter { now.timeIntervalSince(tracked[$0]!.lastGrowth) < AgentLogSource.hotSeconds }
            }
            var progressed = false
            for k in candidates {
                guard var t = tracked[k] else { continue }
                let (moved, alive) = read(&t, key: k, buffer: buffer, ctx: ctx)
                if !alive { return }
                progressed = progressed || moved
                tracked[k] = t
            }
            if !ctx.follow {
                for k in order where tracked[k]?.started == true { ctx.emit(.endOfStream, stream: k) }
                ctx.setState(.ended)
                return
            }
            if !progressed && !ctx.sleep(ctx.settings.pollSeconds * 4) { return }
        }
    }

    /// Reads one file from its offset to its end; returns (read anything, still running).
    func read(_ t: inout Tracked, key: String, buffer: UnsafeMutableRawPointer, ctx: SourceContext) -> (Bool, Bool) {
        var st = stat()
        guard stat(t.path, &st) == 0 else { return (false, true) }
        let size = Int64(st.st_size)
        if t.started && size == t.offset { return (false, true) }
        let fd = open(t.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            ctx.setError("\(t.path): \(String(cString: strerror(errno)))")
            return (false, true)
        }
        defer { close(fd) }
        if !t.started {
            t.started = true
            if let saved = ctx.savedPositions[key] {
                let (head, context) = AgentLogSource.splitSaved(saved)
                if let resume = FileTailSource.resumeOffset(head, fd: fd, size: size) {
                    t.offset = resume
                    if let context, !ctx.emit(.restoreContext(context), stream: key) { return (false, false) }
                }
            }
        } else if size < t.offset || wasRewritten(t, fd: fd) {
            t.offset = 0
            t.tail = []
            if !ctx.emit(.truncated, stream: key, position: "0") { return (true, false) }
        }
        var moved = false
        while true {
            let n = pread(fd, buffer, AgentLogSource.chunkBytes, off_t(t.offset))
            if n < 0 {
                if errno == EINTR { continue }
                ctx.setError("\(t.path): \(String(cString: strerror(errno)))")
                return (moved, true)
            }
            if n == 0 { return (moved, true) }
            let bytes = [UInt8](UnsafeRawBufferPointer(start: buffer, count: n))
            t.offset += Int64(n)
            t.tail = Array(bytes.suffix(32))
            t.lastGrowth = Date()
            moved = true
            if !ctx.emit(.bytes(bytes, endOffset: t.offset), stream: key) { return (moved, false) }
            if ctx.isStopping { return (moved, false) }
        }
    }

    /// A saved position is `OFFSET/HASH`, then the stream's context after a newline (see LiveIngest).
    static func splitSaved(_ saved: String) -> (String, String?) {
        guard let nl = saved.firstIndex(of: "\n") else { return (saved, nil) }
        let rest = String(saved[saved.index(after: nl)...])
        return (String(saved[..<nl]), rest.isEmpty ? nil : rest)
    }

    /// The bytes just before our offset are not the ones we read: the file was rewritten.
    func wasRewritten(_ t: Tracked, fd: Int32) -> Bool {
        guard !t.tail.isEmpty, t.offset >= Int64(t.tail.count) else { return false }
        var check = [UInt8](repeating: 0, count: t.tail.count)
        let at = off_t(t.offset - Int64(t.tail.count))
        let n = check.withUnsafeMutableBytes { pread(fd, $0.baseAddress, t.tail.count, at) }
        return n == t.tail.count && check != t.tail
    }
}

extension AgentLogs {
    /// True when no `*.jsonl` file is below any root now (a folder given by mistake).
    public var hasNoLogFiles: Bool { AgentLogSource(logs: self).files().found.isEmpty }
}
