/// Cuts a byte stream into lines across chunk boundaries: holds a partial last line until it
/// completes, and caps line length so one runaway line cannot take the memory.
public struct LineSplitter {
    public let maxLineBytes: Int
    var pending: [UInt8] = []
    /// True while skipping the rest of an over-long line.
    var discarding = false

    public init(maxLineBytes: Int = 1 << 20) { self.maxLineBytes = maxLineBytes }

    /// Bytes of an incomplete line held back.
    public var pendingCount: Int { pending.count }

    /// Calls `line` for each complete line in `chunk` (without `\n` or a trailing `\r`) and
    /// `tooLong` once for each line beyond the cap.
    /// `whole`, when given, is offered each line that starts in the chunk with nothing pending, with the bytes ahead
    /// (at most `maxLineBytes` and its newline): it returns the index of the newline ending the line it took, or
    /// nil to leave the line to the search for its newline and `line` as usual.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer,
                              line: (UnsafeRawBufferPointer) -> Void, tooLong: () -> Void,
                              whole: ((UnsafePointer<UInt8>, Int) -> Int?)? = nil) {
        guard let base = chunk.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let n = chunk.count
        var start = 0
        while start < n {
            let rest = n - start
            if let whole, pending.isEmpty, !discarding, let end = whole(base + start, min(rest, maxLineBytes + 1)) {
                start += end + 1
                continue
            }
            guard let nl = memchr(base + start, 10, rest) else {
                append(base + start, rest, tooLong: tooLong)
                return
            }
            let end = UnsafePointer<UInt8>(nl.assumingMemoryBound(to: UInt8.self)) - base
            if discarding {
                discarding = false
            } else if pending.isEmpty {
                if end - start > maxLineBytes { tooLong() } else { emit(base + start, end - start, line) }
            } else {
                append(base + start, end - start, tooLong: tooLong)
                if discarding {
                    discarding = false
                } else {
                    let whole = pending
                    pending.removeAll(keepingCapacity: true)
                    whole.withUnsafeBufferPointer { emit($0.baseAddress!, $0.count, line) }
                }
            }
            start = end + 1
        }
    }

    /// At end of input: the last line even without a newline.
    public mutating func finish(line: (UnsafeRawBufferPointer) -> Void) {
        defer { pending.removeAll(); discarding = false }
        guard !pending.isEmpty, !discarding else { return }
        let whole = pending
        whole.withUnsafeBufferPointer { emit($0.baseAddress!, $0.count, line) }
    }

    private mutating func append(_ p: UnsafePointer<UInt8>, _ n: Int, tooLong: () -> Void) {
        if discarding { return }
        if pending.count + n > maxLineBytes {
            pending.removeAll()
            discarding = true
            tooLong()
            return
        }
        pending.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
    }

    @inline(__always)
    private func emit(_ p: UnsafePointer<UInt8>, _ n: Int, _ line: (UnsafeRawBufferPointer) -> Void) {
        var len = n
        if len > 0 && p[len - 1] == 13 { len -= 1 }
        line(UnsafeRawBufferPointer(start: p, count: len))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
