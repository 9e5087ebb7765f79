import Foundation
import SpendCore
#if canImport(Glibc)
import Glibc
#endif

/// Reads whole regular files headless on every core (issue 12 point 4), for `export` and `check`: each
/// file is cut into parts at line boundaries, each part is read into a rollup of its own, and the parts
/// are merged in file order. The result equals one rollup reading the files one after the other:
/// a request a later part shares with an earlier one is found after the parallel read (each later part
/// keeps the hashes it counted) and that part is read again knowing them, so it counts them as
/// duplicates. Input that merges only approximately (a fold into `(other)`, supersedable records,
/// formats that remember earlier lines) returns nil, and the caller reads it sequentially.
public enum ParallelFileRead {
    public struct Result {
        public var rollup: Rollup
        /// Per file, in the order given.
        public var stats: [SourceStats]
        public var parts: Int
        /// Parts read a second time because they shared requests with an earlier part.
        public var rereadParts: Int
    }

    /// Formats whose lines depend on earlier lines of their stream: a part cannot start in their middle.
    static let contextFormats: Set<String> = [CodexSessionImporter.formatName, OTLPSpanImporter.formatName,
                                              OTelSpanLineImporter.formatName, ClaudeTranscriptImporter.formatName]

    struct Part {
        var file: Int
        var start: Int
        var end: Int
    }

    /// The threads to use: `SPENDTOP_THREADS` when set (1 turns the parallel read off), else the cores.
    public static var threads: Int {
        let asked = ProcessInfo.processInfo.environment["SPENDTOP_THREADS"].flatMap { Int($0) }
        if let t = asked, t >= 1 { return min(t, 64) }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// nil when a file is not a readable regular file, the read would not merge exactly, or one thread
    /// (or parts of less than `minPartBytes`) leaves nothing to share out.
    public static func read(paths: [String], options: Rollup.Options, prices: PriceTable, mappings: [FieldMapping],
                            maxLineBytes: [Int], threads: Int = ParallelFileRead.threads,
                            minPartBytes: Int = 4 << 20) -> Result? {
        guard threads > 1, options.retentionMinutes == nil, maxLineBytes.count == paths.count else { return nil }
        // Read with pread into a buffer per part, not mapped: mapped pages of a large file would count in
        // the process's resident memory for as long as the read runs.
        var files: [Int32] = []
        defer { for fd in files { close(fd) } }
        var parts: [Part] = []
        for (f, path) in paths.enumerated() {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            files.append(fd)
            var st = stat()
            guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            let size = Int(st.st_size)
            let n = max(1, min(threads, size / max(1, minPartBytes)))
            var start = 0
            for i in 1...n {
                guard let end = i == n ? size : lineBoundary(fd, size: size, after: size / n * i) else { return nil }
                // An empty file is one empty part, so that it is still named in the stats.
                if end > start || i == n && parts.last?.file != f {
                    parts.append(Part(file: f, start: start, end: end))
                }
                start = max(start, end)
            }
        }
        guard parts.count > 1 else { return nil }

        let readOne = { (part: Part, seed: [UInt64], keepHashes: Bool) -> (Rollup, SourceStats)? in
            let rollup = Rollup(options: options, prices: prices)
            if keepHashes { rollup.countedHashes = [] }
            rollup.preseedDuplicates(seed)
            let pipeline = EventPipeline(rollup: rollup, maxLineBytes: maxLineBytes[part.file])
            pipeline.mappings = mappings
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkBytes, alignment: 16)
            defer { buffer.deallocate() }
            var offset = part.start
            while offset < part.end {
                let n = pread(files[part.file], buffer, min(chunkBytes, part.end - offset), off_t(offset))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return nil }
                pipeline.feed(UnsafeRawBufferPointer(start: buffer, count: n))
                offset += n
            }
            pipeline.finish()
            return (rollup, pipeline.stats)
        }
        let results = ResultSlots<(Rollup, SourceStats)?>(count: parts.count)
        DispatchQueue.concurrentPerform(iterations: parts.count) { i in
            results.set(i, readOne(parts[i], [], i > 0))
        }
        // A read error (the file shrank under us, say) leaves it to the sequential read to report.
        let done = results.values
        guard done.allSatisfy({ $0 != nil }) else { return nil }
        var read = done.map { $0! }
        for (_, stats) in read where !contextFormats.isDisjoint(with: stats.formats.keys) { return nil }

        let merged = read[0].0
        var rereads = 0
        for i in 1..<read.count {
            let shared = Rollup.sharedRequests(read[i].0, earlier: read[0..<i].map(\.0))
            if !shared.isEmpty {
                rereads += 1
                guard let again = readOne(parts[i], shared, false) else { return nil }
                read[i] = again
            }
            if merged.mergeBlocker(read[i].0) != nil { return nil }
            merged.absorb(read[i].0)
            read[i].0.countedHashes = nil
        }
        var stats = Array(repeating: SourceStats(), count: paths.count)
        for (i, part) in parts.enumerated() { LiveIngest.add(read[i].1, to: &stats[part.file]) }
        return Result(rollup: merged, stats: stats, parts: parts.count, rereadParts: rereads)
    }

    static let chunkBytes = 1 << 20

    /// The offset just after the first newline at or after `offset` (the file's end when there is none);
    /// nil on a read error.
    static func lineBoundary(_ fd: Int32, size: Int, after offset: Int) -> Int? {
        var window = [UInt8](repeating: 0, count: 64 << 10)
        var at = offset
        while at < size {
            let n = window.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(at)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            if let i = window[0..<n].firstIndex(of: 10) { return at + i + 1 }
            at += n
        }
        return size
    }
}

/// One slot per parallel task, each written by its own task only.
final class ResultSlots<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: T) { lock.lock(); slots[i] = v; lock.unlock() }
    var values: [T] { lock.lock(); defer { lock.unlock() }; return slots.map { $0! } }
}
