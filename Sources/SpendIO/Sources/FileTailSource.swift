import Foundation
import SpendCore
#if canImport(Glibc)
import Glibc
#endif

/// Follows a file or a glob of files like `tail -F`: files are tracked by device and inode, so a
/// renamed file is read to its end and its successor from the start; a file that shrinks or whose
/// last-read bytes changed (copytruncate) is read again from 0. Each file resumes at its saved offset.
final class FileTailSource {
    let pattern: String
    let isGlob: Bool
    static let chunkBytes = 1 << 20
    /// How long a file that left the pattern (renamed away) is still read after its last growth.
    static let orphanGraceSeconds = 1.0

    struct Tracked {
        var fd: Int32
        var path: String
        var offset: Int64
        /// The last bytes read, compared at EOF to notice a file rewritten past our offset.
        var tail: [UInt8] = []
        var orphanSince: Date?
        var lastGrowth = Date()
    }

    init(pattern: String) {
        self.pattern = pattern
        isGlob = pattern.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" })
    }

    static func key(_ st: stat) -> String { "file:\(st.st_dev):\(st.st_ino)" }

    func paths() -> [String] {
        guard isGlob else { return [pattern] }
        var g = glob_t()
        defer { globfree(&g) }
        guard glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }
    }

    func run(_ ctx: SourceContext) {
        var tracked: [String: Tracked] = [:]
        var lastScan = Date.distantPast
        var everSeen = false
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: FileTailSource.chunkBytes, alignment: 16)
        defer {
            buffer.deallocate()
            for t in tracked.values { close(t.fd) }
        }
        ctx.setState(.connecting)
        while !ctx.isStopping {
            var progressed = false
            if Date().timeIntervalSince(lastScan) >= ctx.settings.rescanSeconds || !ctx.follow {
                lastScan = Date()
                var seen = Set<String>()
                var missing: String?
                for path in paths() {
                    var st = stat()
                    guard stat(path, &st) == 0 else { missing = (isGlob ? "\(path): " : "") + String(cString: strerror(errno)); continue }
                    guard (st.st_mode & S_IFMT) == S_IFREG else { missing = (isGlob ? "\(path): " : "") + "not a regular file"; continue }
                    let key = FileTailSource.key(st)
                    seen.insert(key)
                    if tracked[key] != nil { tracked[key]!.path = path; tracked[key]!.orphanSince = nil; continue }
                    let fd = open(path, O_RDONLY | O_CLOEXEC)
                    guard fd >= 0 else { missing = (isGlob ? "\(path): " : "") + String(cString: strerror(errno)); continue }
                    var offset: Int64 = 0
                    if let saved = ctx.savedPositions[key] {
                        let (head, context) = AgentLogSource.splitSaved(saved)
                        if let resume = FileTailSource.resumeOffset(head, fd: fd, size: Int64(st.st_size)) {
                            offset = resume
                            if let context { ctx.emit(.restoreContext(context), stream: key) }
                        }
                    }
                    tracked[key] = Tracked(fd: fd, path: path, offset: offset)
                }
                if !seen.isEmpty || !tracked.isEmpty {
                    everSeen = true
                    ctx.setState(ctx.follow ? .live : .connecting)
                    ctx.setError(nil)
                } else if !ctx.follow || missing != nil || isGlob {
                    ctx.setError(missing ?? "no file matches yet")
                }
                for key in tracked.keys where !seen.contains(key) && tracked[key]!.orphanSince == nil {
                    tracked[key]!.orphanSince = Date()
                }
                if !ctx.follow && seen.isEmpty && tracked.isEmpty {
                    ctx.setState(.failed)
                    return
                }
            }
            for key in tracked.keys.sorted() {
                guard var t = tracked[key] else { continue }
                if ctx.follow && wasRewritten(t) {
                    t.offset = 0
                    t.tail = []
                    progressed = true
                    if !ctx.emit(.truncated, stream: key, position: "0") { return }
                }
                let (moved, alive) = readAvailable(&t, key: key, buffer: buffer, ctx: ctx)
                if !alive { return }
                progressed = progressed || moved
                if !ctx.follow || (t.orphanSince.map { Date().timeIntervalSince(max($0, t.lastGrowth)) >= FileTailSource.orphanGraceSeconds } ?? false) {
                    // Renamed away (or a finite read): its last line counts even without a newline.
                    let gone = t.orphanSince != nil
                    ctx.emit(.endOfStream, stream: key, forget: gone && ctx.follow)
                    close(t.fd)
                    tracked[key] = nil
                    continue
                }
                tracked[key] = t
            }
            if !ctx.follow {
                ctx.setState(.ended)
                return
            }
            if !everSeen { ctx.setState(.connecting) }
            if !progressed && !ctx.sleep(ctx.settings.pollSeconds) { return }
        }
    }

    /// Reads what is there (up to a fair share per round); returns (read anything, still running).
    func readAvailable(_ t: inout Tracked, key: String, buffer: UnsafeMutableRawPointer, ctx: SourceContext) -> (Bool, Bool) {
        var moved = false
        for _ in 0..<(ctx.follow ? 8 : Int.max) {
            let n = pread(t.fd, buffer, FileTailSource.chunkBytes, off_t(t.offset))
            if n < 0 {
                if errno == EINTR { continue }
                ctx.setError("\(t.path): \(String(cString: strerror(errno)))")
                return (moved, true)
            }
            if n == 0 {
                if ctx.follow && wasRewritten(t) {
                    t.offset = 0
                    t.tail = []
                    moved = true
                    if !ctx.emit(.truncated, stream: key, position: "0") { return (moved, false) }
                    continue
                }
                return (moved, true)
            }
            let bytes = [UInt8](UnsafeRawBufferPointer(start: buffer, count: n))
            t.offset += Int64(n)
            t.tail = Array(bytes.suffix(32))
            t.lastGrowth = Date()
            moved = true
            if !ctx.emit(.bytes(bytes, endOffset: t.offset), stream: key) { return (moved, false) }
        }
        return (moved, true)
    }

    /// Hex of the hash of the bytes just before a saved position.
    static func fingerprint(_ bytes: ArraySlice<UInt8>) -> String {
        String(bytes.withUnsafeBytes { ByteHash.hash($0.baseAddress!, $0.count) }, radix: 16)
    }

    /// The saved `OFFSET[/FINGERPRINT]` if it still fits the file, nil to read from the start.
    static func resumeOffset(_ saved: String, fd: Int32, size: Int64) -> Int64? {
        let parts = saved.split(separator: "/")
        guard let offset = parts.first.flatMap({ Int64($0) }), offset <= size else { return nil }
        guard parts.count > 1 else { return offset }
        guard offset >= 16 else { return nil }
        var check = [UInt8](repeating: 0, count: 16)
        let n = check.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 16, off_t(offset - 16)) }
        guard n == 16, fingerprint(check[...]) == parts[1] else { return nil }
        return offset
    }

    /// Copytruncate: the file is shorter than what we read, or the bytes before our offset changed.
    func wasRewritten(_ t: Tracked) -> Bool {
        var st = stat()
        guard fstat(t.fd, &st) == 0 else { return false }
        if Int64(st.st_size) < t.offset { return true }
        guard !t.tail.isEmpty else { return false }
        var check = [UInt8](repeating: 0, count: t.tail.count)
        let n = check.withUnsafeMutableBytes { pread(t.fd, $0.baseAddress, t.tail.count, off_t(t.offset - Int64(t.tail.count))) }
        return n == t.tail.count && check != t.tail
    }
}
