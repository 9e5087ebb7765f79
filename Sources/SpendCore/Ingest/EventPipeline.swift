/// Turns the bytes of one source into rollup updates: splits lines, takes the fast native path
/// when it can and the importers otherwise, and counts every line as an event, a sample or a reject.
public final class EventPipeline {
    public let rollup: Rollup
    /// Formats described in config (`[[mapping]]`), tried before the built-in importers.
    public var mappings: [FieldMapping] = [] {
        didSet { mappingMarkers = mappings.map { Array("\"\($0.matchPath.split(separator: ".").first ?? "")\"".utf8) } }
    }
    /// `"key"` bytes of each mapping's first match component: a line holding one skips the fast path.
    var mappingMarkers: [[UInt8]] = []
    public var stats: SourceStats {
        var s = counted
        if nativeLines > 0 { s.formats[NativeImporter.formatName, default: 0] += nativeLines }
        return s
    }
    var counted = SourceStats()
    /// Fast-path lines, kept apart from `formats` so the hot path does no dictionary work.
    var nativeLines: Int64 = 0
    var splitter: LineSplitter
    /// This stream's memory for formats whose lines depend on earlier ones (Codex sessions).
    public let context = StreamContext()
    /// For a stream known to hold one agent's logs: lines holding none of `markers` cannot carry
    /// usage and are counted as that format's transcript without being parsed (most of a Claude
    /// transcript's bytes are tool results). A line that is not `{…}` is still parsed, and rejected.
    public var skim: (format: String, markers: [[UInt8]])?
    let lineMemory = LineMemory()
    /// Fast-path events waiting to be counted in one batch (see `Rollup.prefetch`): the first `batched`.
    /// The scanner writes straight into the next free place, so an event is not copied to be batched.
    var batch = ContiguousArray<InternedEvent>(repeating: InternedEvent(), count: EventPipeline.batchSize)
    var batched = 0
    static let batchSize = 32
    /// Let the fast scanner find a compact line's end itself (`consumeWhole`); off only to compare the two reads.
    public var delimitsLines = true

    public init(rollup: Rollup, maxLineBytes: Int = 1 << 20) {
        self.rollup = rollup
        splitter = LineSplitter(maxLineBytes: maxLineBytes)
    }

    public func feed(_ chunk: UnsafeRawBufferPointer) {
        counted.bytes += Int64(chunk.count)
        // A mapping reads lines by their text: each is first checked for its markers (`consume(line:)`).
        let whole = delimitsLines && mappingMarkers.isEmpty ? { self.consumeWhole($0, $1) } : nil
        splitter.feed(chunk, line: { self.consume(line: $0) }, tooLong: { self.reject(.lineTooLong) }, whole: whole)
        flush()
    }

    /// End of input: a last line without a newline still counts.
    public func finish() {
        splitter.finish { self.consume(line: $0) }
        flush()
    }

    /// Counts the batched fast-path events, in order.
    public func flush() {
        guard batched > 0 else { return }
        let n = batched
        batched = 0
        batch.withUnsafeMutableBufferPointer { b in
            rollup.prefetch(UnsafeBufferPointer(rebasing: b[..<n]))
            for i in 0..<n { count(&b[i]) }
        }
    }

    public func consume(line: UnsafeRawBufferPointer) {
        guard let base = line.baseAddress?.assumingMemoryBound(to: UInt8.self), !isBlank(line) else { return }
        counted.lines += 1
        if (mappingMarkers.isEmpty || !mayMatchMapping(line))
            && batch.withUnsafeMutableBufferPointer({
                NativeLineScanner.scan(base, line.count, into: &$0[batched], rollup: rollup, memory: lineMemory)
            }) == .event {
            nativeLines += 1
            batched += 1
            if batched == EventPipeline.batchSize { flush() }
            return
        }
        flush()
        consumeSlow(line)
    }

    /// A line the fast scanner reads from its start to its newline (`NativeLineScanner.scanLine`), counted as
    /// `consume(line:)` would count it; nil leaves it to the splitter's newline search and `consume(line:)`.
    func consumeWhole(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        guard let end = batch.withUnsafeMutableBufferPointer({
            NativeLineScanner.scanLine(p, n, into: &$0[batched], rollup: rollup, memory: lineMemory)
        }) else { return nil }
        counted.lines += 1
        nativeLines += 1
        batched += 1
        if batched == EventPipeline.batchSize { flush() }
        return end
    }

    /// Decodes a line through the importers (also the entry for sources that already hold objects).
    func consumeSlow(_ line: UnsafeRawBufferPointer) {
        if let skim, Self.isObjectShaped(line), !skim.markers.contains(where: { EventPipeline.contains(line, $0) }) {
            counted.formats[skim.format, default: 0] += 1
            return
        }
        if !Self.isValidUTF8(line) { reject(.invalidUTF8); return }
        switch JSONFields.parse(line) {
        case .failure(let reason): reject(reason)
        case .success(let fields): consume(fields: fields)
        }
    }

    public func consume(fields: JSONFields) {
        let (format, decoded) = ImporterRegistry.decode(fields, mappings: mappings, context: context)
        consume(decoded: decoded, format: format)
    }

    /// One complete record from a framed source (an SSE `data` field): counted as bytes and a line.
    public func consume(record: UnsafeRawBufferPointer) {
        counted.bytes += Int64(record.count)
        consume(line: record)
    }

    /// Bytes of an incomplete last line held back (a source's saved position stops before them).
    public var pendingBytes: Int { splitter.pendingCount }

    /// Counts one event replayed from a store (already interned in this pipeline's rollup).
    public func consume(interned e: inout InternedEvent) {
        flush()
        count(&e)
    }

    /// Counts what a non-line source already decoded (SQLite rows, Prometheus scrapes, CSV).
    public func consume(decoded: DecodedLine, format: String) {
        flush()
        switch decoded {
        case .rejected(let reason):
            reject(reason)
        case .skipped(let reason):
            counted.formats[format, default: 0] += 1
            counted.skipped[reason, default: 0] += 1
        case .events(let events):
            counted.formats[format, default: 0] += 1
            for e in events {
                var i = rollup.intern(e)
                count(&i)
            }
        case .gpu(let samples):
            counted.formats[format, default: 0] += 1
            for s in samples {
                let before = rollup.expired, futureBefore = rollup.future
                rollup.ingest(s)
                if rollup.expired > before {
                    counted.expired += 1
                } else if rollup.future > futureBefore {
                    reject(.futureTimestamp)
                } else {
                    counted.gpuSamples += 1
                    counted.noteTime(s.timestampMs)
                }
            }
        }
    }

    @inline(__always)
    func count(_ e: inout InternedEvent) {
        let dupBefore = rollup.duplicates, futureBefore = rollup.future, supersededBefore = rollup.superseded
        if rollup.ingest(&e) {
            counted.events += 1
            counted.noteTime(e.timestampMs)
        } else if rollup.superseded > supersededBefore {
            counted.superseded += 1
            counted.noteTime(e.timestampMs)
        } else if rollup.duplicates > dupBefore {
            counted.duplicates += 1
        } else if rollup.future > futureBefore {
            reject(.futureTimestamp)
        } else {
            counted.expired += 1
        }
    }

    func mayMatchMapping(_ line: UnsafeRawBufferPointer) -> Bool {
        for marker in mappingMarkers {
            if EventPipeline.contains(line, marker) { return true }
        }
        return false
    }

    /// Byte-string search (Glibc's memmem is not visible to Swift).
    static func contains(_ hay: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, let base = hay.baseAddress, hay.count >= needle.count else { return false }
        var i = 0
        let last = hay.count - needle.count
        while i <= last {
            guard let hit = memchr(base + i, Int32(first), last - i + 1) else { return false }
            let at = UnsafeRawPointer(hit) - base
            if needle.withUnsafeBytes({ memcmp(base + at, $0.baseAddress!, needle.count) == 0 }) { return true }
            i = at + 1
        }
        return false
    }

    public func reject(_ reason: RejectReason) {
        counted.rejects[reason, default: 0] += 1
    }

    /// `{` … `}` around the line, spaces aside: a whole object, not a line cut short.
    static func isObjectShaped(_ line: UnsafeRawBufferPointer) -> Bool {
        var i = 0, j = line.count - 1
        while i <= j, line[i] == 32 || line[i] == 9 || line[i] == 13 { i += 1 }
        while j >= i, line[j] == 32 || line[j] == 9 || line[j] == 13 { j -= 1 }
        return i < j && line[i] == 123 && line[j] == 125
    }

    func isBlank(_ line: UnsafeRawBufferPointer) -> Bool {
        for b in line where !(b == 32 || b == 9 || b == 13) { return false }
        return true
    }

    static func isValidUTF8(_ line: UnsafeRawBufferPointer) -> Bool {
        var ascii = true
        for b in line where b >= 128 { ascii = false; break }
        if ascii { return true }
        var it = line.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&it) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
