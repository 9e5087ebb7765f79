import SpendCore

/// What a source thread hands to the ingest thread: one stream's data and where it leaves off.
struct SourceBatch {
    enum Payload {
        /// Raw JSONL bytes; `endOffset` is the file offset after them (positions are computed
        /// from it minus the partial line the splitter holds back).
        case bytes([UInt8], endOffset: Int64?)
        /// Complete records (SSE `data`), one JSON value each.
        case records([[UInt8]])
        /// Rows or samples the source already decoded.
        case decoded([DecodedLine], format: String)
        /// Events from a spendtop store, with the dimension values they introduce.
        case stored([InternedEvent], [GPUSample], dims: [StoredDimension])
        /// Rejects counted on the source thread (an unreadable metric line, an oversized event).
        case rejects(RejectReason, Int64)
        /// End of this stream: a last line without a newline still counts.
        case endOfStream
        /// The file was truncated (copytruncate): the held-back partial line is discarded.
        case truncated
        /// The stream's importer context saved with its position (`StreamContext.snapshot`), sent
        /// before the bytes of a resumed read.
        case restoreContext(String)
    }

    var source: Int
    /// The stream within the source (a file's `DEV:INODE`); "" for single-stream sources.
    var stream: String = ""
    var payload: Payload
    /// Position to save once this batch is counted (nil: keep; files compute theirs).
    var position: String?
    /// Forget this stream's saved position (a rotated file no longer followed).
    var forget = false

    var cost: Int {
        switch payload {
        case .bytes(let b, _): return b.count + 64
        case .records(let r): return r.reduce(64) { $0 + $1.count + 16 }
        case .decoded(let d, _): return 256 * d.count + 64
        case .stored(let e, let g, _): return MemoryLayout<InternedEvent>.stride * e.count + 128 * g.count + 64
        default: return 64
        }
    }
}
