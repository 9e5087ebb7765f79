import Foundation
import SpendCore
#if canImport(Glibc)
import Glibc
#endif

/// Reads whole regular files headless on every core (issue 12 point 4), for `export` and `check` (one part
/// with one thread or little input, straight from the read buffer): each
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
        /// Parts as planned, one per thread.
        public var parts: Int
        /// Parts cut off the back of a part still being read, by a thread that had finished its own.
        public var cutParts: Int
        /// Parts read again (their first stretch, or all of them) because they shared requests with an earlier part.
        public var rereadParts: Int
        /// Of those, parts read again whole: a shared request lay past the first stretch.
        public var rereadWholeParts: Int
    }

    /// Formats whose lines depend on earlier lines of their stream: a part cannot start in their middle.
    static let contextFormats: Set<String> = [CodexSessionImporter.formatName, OTLPSpanImporter.formatName,
                                              OTelSpanLineImporter.formatName, ClaudeTranscriptImporter.formatName]

    struct Segment: Equatable {
        var file: Int
        var start: Int
        var end: Int
    }

    /// What one thread reads: consecutive pieces of one or more files.
    struct Part {
        var segments: [Segment]
    }

    /// The threads to use: `SPENDTOP_THREADS` when set (1 turns the parallel read off), else the cores.
    public static var threads: Int {
        let asked = ProcessInfo.processInfo.environment["SPENDTOP_THREADS"].flatMap { Int($0) }
        if let t = asked, t >= 1 { return min(t, 64) }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// nil when a file is not a readable regular file or the read would not merge exactly. One thread, or
    /// files too small for two parts of `minPartBytes`, make one part: the files read one after the other
    /// straight from `pread`'s buffer, without the live sources' copy of every chunk. A part is cut in two for an
    /// idle thread while at least twice `cutMinimum` (by default `minPartBytes`) of it is left.
    public static func read(paths: [String], options: Rollup.Options, prices: PriceTable, mappings: [FieldMapping],
                            maxLineBytes: [Int], threads: Int = ParallelFileRead.threads,
                            minPartBytes: Int = 4 << 20, cutMinimum: Int? = nil) -> Result? {
        guard threads >= 1, options.retentionMinutes == nil, maxLineBytes.count == paths.count else { return nil }
        // Read with pread into a buffer per part, not mapped: mapped pages of a large file would count in
        // the process's resident memory for as long as the read runs.
        var files: [Int32] = []
        defer { for fd in files { close(fd) } }
        var sizes: [Int] = []
        for path in paths {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            files.append(fd)
            var st = stat()
            guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            sizes.append(Int(st.st_size))
        }
        // The files end to end, cut into one part per thread at line boundaries: many small files make a few
        // parts of several files each, not a part per file (each part is checked against every earlier one).
        let total = sizes.reduce(0, +)
        let n = max(1, min(threads, total / max(1, minPartBytes)))
        var cuts: [(file: Int, offset: Int)] = []
        for k in 1..<n {
            var at = total / n * k, f = 0
            while f < sizes.count - 1 && at >= sizes[f] { at -= sizes[f]; f += 1 }
            guard let end = lineBoundary(files[f], size: sizes[f], after: at) else { return nil }
            // A line longer than a part can carry the previous cut past this one's target.
            if let last = cuts.last, (f, end) < (last.file, last.offset) { continue }
            cuts.append((f, end))
        }
        cuts.append((sizes.count - 1, sizes.last ?? 0))
        var parts: [Part] = []
        var from = (file: 0, offset: 0)
        for to in cuts {
            var segments: [Segment] = []
            for f in from.file...to.file {
                let start = f == from.file ? from.offset : 0, end = f == to.file ? to.offset : sizes[f]
                if end > start { segments.append(Segment(file: f, start: start, end: end)) }
            }
            if !segments.isEmpty { parts.append(Part(segments: segments)) }
            from = to
        }
        guard !parts.isEmpty else { return nil }  // only empty files: the sequential read reports them

        // One pipeline per file piece, as one stream per file in the sequential read. A cursor's pieces are read
        // chunk by chunk as claimed, so that another thread can cut off what the owner has not reached.
        let readPiece = { (cursor: PartCursor, i: Int, rollup: Rollup, buffer: UnsafeMutableRawPointer)
            -> SourceStats? in
            guard let segment = cursor.segment(i) else { return nil }
            let pipeline = EventPipeline(rollup: rollup, maxLineBytes: maxLineBytes[segment.file])
            pipeline.mappings = mappings
            while let (start, count) = cursor.claim(i, chunkBytes) {
                var done = 0
                while done < count {
                    let n = pread(files[segment.file], buffer + done, count - done, off_t(start + done))
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { return nil }
                    done += n
                }
                pipeline.feed(UnsafeRawBufferPointer(start: buffer, count: count))
            }
            pipeline.finish()
            return pipeline.stats
        }
        let readSegment = { (segment: Segment, rollup: Rollup, buffer: UnsafeMutableRawPointer) -> SourceStats? in
            readPiece(PartCursor([segment]), 0, rollup, buffer)
        }
        let cursors = PartCursors()
        let readOne = { (part: Part, seed: [UInt64], first: Bool, cuttable: Bool) -> PartRead? in
            let rollup = Rollup(options: options, prices: prices)
            // The first stretch (below) counts its requests from the start, so the reservation covers them too.
            if first { rollup.countedHashes = [] }
            // A first read of a part expected to hold too few ids to sweep (the estimate is a tenth over) keeps no
            // minutes unless a sweep comes after all; preseeded ids must keep theirs (never swept). A part that will
            // sweep keeps them from the start: an untimed table's first sweep could forget nothing.
            let lines = estimatedLines(part, files)
            rollup.reserveRequestIDs(lines + seed.count,
                                     untimed: seed.isEmpty && lines * 10 / 11 < rollup.idsBeforeFirstSweep)
            rollup.preseedDuplicates(seed)
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkBytes, alignment: 16)
            defer { buffer.deallocate() }
            var read = PartRead(rollup: rollup)
            var segments = part.segments
            var extent: [Segment] = []
            if first {
                // The first stretch (a sixteenth) gets cells of its own: requests shared with the part before
                // are retries and replays near the cut, and then only this stretch is read again.
                let s = segments[0]
                guard let cut = lineBoundary(files[s.file], size: s.end, after: s.start + (s.end - s.start) / 16)
                else { return nil }
                let head = Segment(file: s.file, start: s.start, end: cut)
                guard let stats = readSegment(head, rollup, buffer) else { return nil }
                read.head = (rollup.splitCells(), [(s.file, stats)], rollup.countedHashes!.count, head)
                segments[0].start = cut
                extent.append(head)
            }
            let cursor = PartCursor(segments.filter { $0.end > $0.start })
            if cuttable { cursors.add(cursor) }
            defer { if cuttable { cursors.remove(cursor) } }
            var i = 0
            while let s = cursor.segment(i) {
                guard let stats = readPiece(cursor, i, rollup, buffer) else { return nil }
                read.stats.append((s.file, stats))
                i += 1
            }
            read.extent = Part(segments: extent + cursor.extent)
            return read
        }
        // Each thread reads its part, then takes the back half of whichever part has most left, until none is
        // worth cutting (two parts of at least `minPartBytes`); the pieces are put back in file order.
        let results = ResultSlots<[PartRead?]>(count: max(threads, parts.count))
        DispatchQueue.concurrentPerform(iterations: max(threads, parts.count)) { t in
            var mine: [PartRead?] = []
            if t < parts.count { mine.append(readOne(parts[t], [], t > 0, threads > 1)) }
            while threads > 1, mine.allSatisfy({ $0 != nil }),
                  let back = cursors.takeWork(minimum: max(cutMinimum ?? minPartBytes, 1), files: files) {
                mine.append(readOne(Part(segments: back), [], true, true))
            }
            results.set(t, mine)
        }
        // A read error (the file shrank under us, say) leaves it to the sequential read to report.
        let done = results.values.flatMap { $0 }
        guard done.allSatisfy({ $0 != nil }) else { return nil }
        var read = done.map { $0! }.sorted { a, b in
            let x = a.extent.segments[0], y = b.extent.segments[0]
            return (x.file, x.start) < (y.file, y.start)
        }
        // One part reads each file as one stream, as the sequential read does: nothing to merge.
        if read.count > 1 {
            for r in read {
                for (_, s) in r.allStats where !contextFormats.isDisjoint(with: s.formats.keys) { return nil }
            }
        }

        let merged = read[0].rollup
        var rereads = 0
        for i in 1..<read.count {
            let shared = sharedRequests(read[i].rollup, earlier: read[0..<i].map(\.rollup), threads: threads)
            if !shared.hashes.isEmpty {
                rereads += 1
                if let head = read[i].head, shared.lastIndex < head.counted {
                    // Every shared request is in the first stretch: read it again knowing them.
                    let again = Rollup(options: options, prices: prices)
                    again.preseedDuplicates(shared.hashes)
                    let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkBytes, alignment: 16)
                    defer { buffer.deallocate() }
                    guard let stats = readSegment(head.segment, again, buffer) else { return nil }
                    read[i].head = (again, [(head.segment.file, stats)], head.counted, head.segment)
                } else {
                    guard var whole = readOne(read[i].extent, shared.hashes, false, false) else { return nil }
                    whole.rereadWhole = true
                    read[i] = whole
                }
            }
            for r in read[i].rollups {
                if merged.mergeBlocker(r) != nil { return nil }
                merged.absorb(r)
            }
            read[i].rollup.countedHashes = nil
        }
        var stats = Array(repeating: SourceStats(), count: paths.count)
        for r in read {
            for (f, s) in r.allStats { LiveIngest.add(s, to: &stats[f]) }
        }
        return Result(rollup: merged, stats: stats, parts: parts.count, cutParts: read.count - parts.count,
                      rereadParts: rereads, rereadWholeParts: read.filter(\.rereadWhole).count)
    }

    /// One part as read: its cells (with the first stretch's apart when it was split) and its stats.
    struct PartRead {
        /// The first stretch's cells, stats, how many requests it counted, and where it lies.
        var head: (rollup: Rollup, stats: [(Int, SourceStats)], counted: Int, segment: Segment)?
        /// The rest of the part, holding the whole part's request ids.
        var rollup: Rollup
        var stats: [(Int, SourceStats)] = []
        var rereadWhole = false
        /// What the part covered once read (a part can be cut short by another thread).
        var extent = Part(segments: [])

        init(rollup: Rollup) { self.rollup = rollup }

        var rollups: [Rollup] { (head.map { [$0.rollup] } ?? []) + [rollup] }
        var allStats: [(Int, SourceStats)] { (head?.stats ?? []) + stats }
    }

    /// 256 KiB, not 1 MiB: the buffer `pread` fills stays in the core's L2 cache for the scan that follows
    /// (alternating runs at 5M events, 2 threads: wall 0.88 and CPU 0.93 of 1 MiB's; 128 KiB and 64 KiB no better).
    static let chunkBytes = 256 << 10

    /// `Rollup.sharedRequests` on every core, one piece a thread, and how far into `later`'s counted requests the
    /// last shared one lies.
    static func sharedRequests(_ later: Rollup, earlier: [Rollup], threads: Int) -> (hashes: [UInt64], lastIndex: Int) {
        let n = later.countedHashCount
        var hashes: [UInt64] = []
        if threads > 1 && n >= 1 << 16 {
            let pieces = ResultSlots<[UInt64]>(count: threads)
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                pieces.set(t, Rollup.sharedRequests(later, earlier: earlier, piece: t, of: threads))
            }
            hashes = pieces.values.flatMap { $0 }
        } else {
            hashes = Rollup.sharedRequests(later, earlier: earlier)
        }
        return (hashes, Rollup.lastCounted(of: hashes, in: later))
    }

    /// Lines in a part, from the mean length of the lines in its first 256 KiB (a tenth more, so that a slightly
    /// shorter rest does not make the tables grow at the end); 0 on a read error.
    static func estimatedLines(_ part: Part, _ files: [Int32]) -> Int {
        guard let s = part.segments.first else { return 0 }
        let bytes = part.segments.reduce(0) { $0 + $1.end - $1.start }
        var window = [UInt8](repeating: 0, count: min(256 << 10, s.end - s.start))
        let n = window.withUnsafeMutableBytes { pread(files[s.file], $0.baseAddress, $0.count, off_t(s.start)) }
        guard n > 0 else { return 0 }
        let lines = window[0..<n].reduce(0) { $1 == 10 ? $0 + 1 : $0 }
        guard lines > 0 else { return 0 }
        return Int(Double(bytes) / (Double(n) / Double(lines)) * 1.1)
    }

    /// The offset just after the first newline at or after `offset` (the file's end when there is none);
    /// nil on a read error.
    static func lineBoundary(_ fd: Int32, size: Int, after offset: Int) -> Int? {
        var window = [UInt8](repeating: 0, count: 64 << 10)
        var at = offset
        while at < size {
            let n = window.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(at)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            // memchr, not `firstIndex(of:)`: a cut can land in a line of a gigabyte, and the generic search went
            // byte by byte (28 s of the debug build's test of such a line).
            let i = window.withUnsafeBytes { w -> Int? in
                memchr(w.baseAddress!, 10, n).map { UnsafeRawPointer($0) - w.baseAddress! }
            }
            if let i { return at + i + 1 }
            at += n
        }
        return size
    }
}
