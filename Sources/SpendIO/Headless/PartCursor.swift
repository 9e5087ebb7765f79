import Foundation

/// What is left of a part while a thread reads it (`ParallelFileRead`). Equal parts do not end together on a shared
/// VM: a thread that has finished its own work cuts what another part has left in two at a line boundary and
/// reads the back half as a part of its own, and the owner stops at the cut. The owner claims each chunk before
/// reading it, so a cut never falls behind what it has read.
final class PartCursor: @unchecked Sendable {
    private let lock = NSLock()
    private var segments: [ParallelFileRead.Segment]
    /// The segment the owner reads and the offset of its next chunk.
    private var at: (segment: Int, offset: Int)

    init(_ segments: [ParallelFileRead.Segment]) {
        self.segments = segments
        at = (0, segments.first?.start ?? 0)
    }

    /// Segment `i` as it stands (its end may move back), or nil past the last one.
    func segment(_ i: Int) -> ParallelFileRead.Segment? {
        lock.lock(); defer { lock.unlock() }
        return i < segments.count ? segments[i] : nil
    }

    /// The part's extent once read: the segments as cut.
    var extent: [ParallelFileRead.Segment] {
        lock.lock(); defer { lock.unlock() }
        return segments
    }

    /// The next stretch of segment `i` to read, at most `bytes` long, or nil at its end.
    func claim(_ i: Int, _ bytes: Int) -> (offset: Int, count: Int)? {
        lock.lock(); defer { lock.unlock() }
        guard i < segments.count else { return nil }
        if at.segment < i { at = (i, segments[i].start) }
        let n = min(bytes, segments[i].end - at.offset)
        guard n > 0 else { return nil }
        defer { at.offset += n }
        return (at.offset, n)
    }

    /// Bytes not yet claimed.
    var remaining: Int {
        lock.lock(); defer { lock.unlock() }
        return unclaimed
    }

    private var unclaimed: Int {
        guard at.segment < segments.count else { return 0 }
        return segments[at.segment...].reduce(0) { $0 + $1.end - $1.start } - (at.offset - segments[at.segment].start)
    }

    /// Cuts off the back half of what is left, at the line boundary after its middle, and returns it; nil when
    /// less than `2 * minimum` bytes are left or the boundary cannot be read.
    func cutBackHalf(minimum: Int, files: [Int32]) -> [ParallelFileRead.Segment]? {
        lock.lock(); defer { lock.unlock() }
        let left = unclaimed
        guard left >= 2 * minimum else { return nil }
        var target = left / 2, j = at.segment, from = at.offset
        while target >= segments[j].end - from && j + 1 < segments.count {
            target -= segments[j].end - from
            j += 1
            from = segments[j].start
        }
        let s = segments[j]
        guard let cut = ParallelFileRead.lineBoundary(files[s.file], size: s.end, after: from + target) else {
            return nil
        }
        var back = Array(segments[(j + 1)...])
        if cut < s.end { back.insert(ParallelFileRead.Segment(file: s.file, start: cut, end: s.end), at: 0) }
        guard !back.isEmpty else { return nil }
        segments[j].end = cut
        segments.removeSubrange((j + 1)...)
        return back
    }
}

/// The parts being read, for a thread that has finished its own to take work from the one with most left.
final class PartCursors: @unchecked Sendable {
    private let lock = NSLock()
    private var open: [ObjectIdentifier: PartCursor] = [:]

    func add(_ c: PartCursor) { lock.lock(); open[ObjectIdentifier(c)] = c; lock.unlock() }
    func remove(_ c: PartCursor) { lock.lock(); open[ObjectIdentifier(c)] = nil; lock.unlock() }

    /// The back half of the part with most left, when it is worth a part of its own.
    func takeWork(minimum: Int, files: [Int32]) -> [ParallelFileRead.Segment]? {
        lock.lock()
        let largest = open.values.max { $0.remaining < $1.remaining }
        lock.unlock()
        return largest?.cutBackHalf(minimum: minimum, files: files)
    }
}
