import CByteScan

/// The measured hot path (SPEC §11, PERF.md): reads a native-schema line byte by byte, without
/// `String`, `Dictionary` or Foundation, straight into an `InternedEvent`.
///
/// It only accepts the plain, common shape: ASCII strings without escapes, flat values, a `ts`.
/// Anything else (escapes, non-ASCII text, nested values, GPU samples, other formats, malformed
/// JSON) is handed to `ImporterRegistry`, which decodes it fully or rejects it with a reason.
public enum NativeLineScanner {
    public enum Outcome { case event, handOver }

    /// Where each dimension's text sits in the line; interned only once the whole line is good.
    struct Spans {
        var start = InlineArray<7, Int32>(repeating: 0)
        var length = InlineArray<7, Int32>(repeating: 0)
        var requestStart: Int32 = 0
        var requestLength: Int32 = 0
    }

    @inline(__always)
    static func isWhitespace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 13 || c == 10 }

    /// The first index from `start` that is not JSON whitespace. Compact lines have none, so one compare
    /// (every whitespace byte is at most a space) settles the usual case.
    @inline(__always)
    static func skipSpace(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> Int {
        var i = start
        while i < n, p[i] <= 32, isWhitespace(p[i]) { i += 1 }
        return i
    }

    @inline(__always)
    static func equals(_ p: UnsafePointer<UInt8>, _ n: Int, _ s: StaticString) -> Bool {
        n == s.utf8CodeUnitCount && memcmp(p, s.utf8Start, n) == 0
    }

    /// The index of the first byte from `start` that ends a plain string: a quote, a backslash, a
    /// control character or a non-ASCII byte (the caller hands anything but a quote over).
    /// Thirty-two bytes at a time with SSE2 on x86-64 (then sixteen), then eight with SWAR bit tricks; the
    /// lowest flagged byte is exact either way.
    @inline(__always)
    static func plainStringEnd(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int) -> Int {
        var i = start
        #if arch(x86_64)
        while i + 32 <= n {
            let stops = cbytescan_string_stops32(p + i)
            if stops != 0 { return i + stops.trailingZeroBitCount }
            i += 32
        }
        if i + 16 <= n {
            let stops = cbytescan_string_stops16(p + i)
            if stops != 0 { return i + stops.trailingZeroBitCount }
            i += 16
        }
        #endif
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while i + 8 <= n {
            let x = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            let q = x ^ (ones &* 0x22)
            let b = x ^ (ones &* 0x5C)
            let quote = (q &- ones) & ~q
            let slash = (b &- ones) & ~b
            let control = (x &- ones &* 0x20) & ~x
            let flagged = (quote | slash | control | x) & highs
            if flagged != 0 { return i + (flagged.trailingZeroBitCount >> 3) }
            i += 8
        }
        while i < n {
            let c = p[i]
            if c == 34 || c == 92 || c < 32 || c >= 128 { return i }
            i += 1
        }
        return n
    }

    /// `Int64(v.rounded())` without the libm call for the usual whole number (|v| ≤ 2^53 here).
    @inline(__always)
    static func whole(_ v: Double) -> Int64 {
        let t = Int64(v)
        return Double(t) == v ? t : Int64(v.rounded())
    }

    /// Field ids; `-1` is an unknown key (its scalar value is skipped), `98` a key of another format.
    @inline(__always)
    static func field(_ k: UnsafePointer<UInt8>, _ n: Int) -> Int {
        switch n {
        case 2: return equals(k, n, "ts") ? 0 : -1
        case 5 where equals(k, n, "usage") || equals(k, n, "spend"): return 98
        case 13 where equals(k, n, "response_cost") || equals(k, n, "resourceSpans"): return 98
        case 4:
            if equals(k, n, "team") { return 3 }
            if equals(k, n, "user") { return 4 }
            if equals(k, n, "kind") { return 99 }
            return -1
        case 5:
            if equals(k, n, "model") { return 5 }
            if equals(k, n, "retry") { return 20 }
            if equals(k, n, "batch") { return 22 }
            return -1
        case 6: return equals(k, n, "status") ? 19 : -1
        case 7:
            if equals(k, n, "feature") { return 1 }
            if equals(k, n, "api_key") { return 2 }
            if equals(k, n, "gateway") { return 7 }
            if equals(k, n, "ttft_ms") { return 18 }
            return -1
        case 8:
            if equals(k, n, "provider") { return 6 }
            if equals(k, n, "cost_usd") { return 16 }
            return -1
        case 9: return equals(k, n, "cache_hit") ? 21 : -1
        case 10:
            if equals(k, n, "request_id") { return 8 }
            if equals(k, n, "latency_ms") { return 17 }
            return -1
        case 12: return equals(k, n, "input_tokens") ? 10 : -1
        case 13: return equals(k, n, "output_tokens") ? 11 : -1
        case 14: return equals(k, n, "batch_eligible") ? 23 : -1
        case 16: return equals(k, n, "reasoning_tokens") ? 14 : -1
        case 17: return equals(k, n, "cache_read_tokens") ? 12 : -1
        case 18: return equals(k, n, "cache_write_tokens") ? 13 : -1
        default: return -1
        }
    }

    /// A key the key order did not predict at once, from its opening quote at `start` through its colon: its
    /// field id and the index after the colon, learnt for the next line; nil hands the line over. `spaced`
    /// says whitespace came before it, so the key order is asked again past it; `compact` (a line finding its own
    /// end) hands over whitespace before the colon. Kept out of line: the scanner inlines one key-order check,
    /// the usual one.
    @inline(never)
    static func readKey(_ p: UnsafePointer<UInt8>, _ start: Int, _ n: Int, keys: KeyOrder, slot: Int,
                        spaced: Bool, compact: Bool = false) -> (field: Int, next: Int)? {
        if spaced, let hit = keys.match(slot, p, start, n) { return (hit.field, start + hit.length) }
        guard p[start] == 34 else { return nil }
        var i = plainStringEnd(p, start + 1, n)
        guard i < n, p[i] == 34 else { return nil }
        let f = field(p + start + 1, i - start - 1)
        // Keys that make NativeImporter.matches decline the line, whatever their value.
        if f == 98 { return nil }
        let afterQuote = i + 1
        i = skipSpace(p, afterQuote, n)
        if compact && i != afterQuote { return nil }
        guard i < n, p[i] == 58 else { return nil }  // :
        i += 1
        keys.learn(slot, p, start, i - start, field: f)
        return (f, i)
    }

    /// Scans one line (without its newline) with nothing known of earlier lines.
    public static func scan(_ p: UnsafePointer<UInt8>, _ n: Int, into e: inout InternedEvent, rollup: Rollup) -> Outcome {
        scan(p, n, into: &e, rollup: rollup, memory: LineMemory())
    }

    /// Scans one line (without its newline). On `.event`, `e` is filled and interned through `rollup`.
    /// `memory` carries the key order and the date from line to line; it changes no outcome, only the speed.
    public static func scan(_ p: UnsafePointer<UInt8>, _ n: Int, into e: inout InternedEvent, rollup: Rollup,
                            memory: LineMemory) -> Outcome {
        scanObject(p, n, into: &e, rollup: rollup, memory: memory, delimited: false) != nil ? .event : .handOver
    }

    /// Scans a line from its start with `n` bytes of input ahead, finding its end itself: the index of its
    /// newline when the line is an event as `scan` would read it (then filled and interned as `scan` does), else
    /// nil with nothing interned, and the caller finds the line's end and scans it as usual. Only a compact line
    /// (no whitespace inside, which is where a newline could hide) is taken: saves the separate search for the
    /// newline, a pass over every byte of the input.
    public static func scanLine(_ p: UnsafePointer<UInt8>, _ n: Int, into e: inout InternedEvent, rollup: Rollup,
                                memory: LineMemory) -> Int? {
        scanObject(p, n, into: &e, rollup: rollup, memory: memory, delimited: true)
    }

    /// Both scans: the end of the line read (`n`, or the newline's index when `delimited`), or nil to hand over.
    @inline(__always)
    static func scanObject(_ p: UnsafePointer<UInt8>, _ n: Int, into e: inout InternedEvent, rollup: Rollup,
                           memory: LineMemory, delimited: Bool) -> Int? {
        let keys = memory.keys
        let keySlots = keys.slots
        var i = 0
        var slot = KeyOrder.first
        // Whitespace anywhere is where a delimited scan could read past a newline: it hands such lines back.
        var spaced = false
        if delimited {
            guard n > 0, p[0] == 123 else { return nil }
        } else {
            while i < n && isWhitespace(p[i]) { i += 1 }
        }
        guard i < n, p[i] == 123 else { return nil }  // {
        i += 1
        var spans = Spans()
        var haveTS = false
        e = InternedEvent()
        while true {
            let f: Int
            // A learnt key starts with its quote, so it is tried before the whitespace and `}` checks.
            if let hit = KeyOrder.match(keySlots, slot, p, i, n) {
                f = hit.field
                i += hit.length
            } else {
                let at = skipSpace(p, i, n)
                if at > i { spaced = true }
                guard at < n else { return nil }
                if p[at] == 125 { i = at + 1; break }  // }
                guard let (g, next) = readKey(p, at, n, keys: keys, slot: slot, spaced: at > i, compact: delimited)
                else { return nil }
                f = g
                i = next
            }
            slot = KeyOrder.after(f)
            guard i < n else { return nil }
            var c = p[i]
            if c <= 32 {
                spaced = true
                i = skipSpace(p, i, n)
                guard i < n else { return nil }
                c = p[i]
            }
            if c == 34 {  // string value
                i += 1
                let s = i
                i = plainStringEnd(p, i, n)
                guard i < n, p[i] == 34 else { return nil }
                let len = i - s
                i += 1
                switch f {
                case 0:
                    guard let ms = Timestamp.parseRFC3339(UnsafeRawBufferPointer(start: p + s, count: len),
                                                          day: &memory.day) else { return nil }
                    e.timestampMs = ms
                    haveTS = true
                case 1...7:
                    spans.start[f - 1] = Int32(s)
                    spans.length[f - 1] = Int32(len)
                case 8:
                    spans.requestStart = Int32(s)
                    spans.requestLength = Int32(len)
                case 19: e.isError = EventClassification.statusIsError(p + s, len)
                case 21: e.gatewayCacheHit = EventClassification.isCacheHit(p + s, len)
                case 99:
                    return nil  // GPU samples and other kinds take the general path
                case -1:
                    break
                default:
                    return nil  // a number field given as text: let the general path read it
                }
            } else if c == 45 || (c >= 48 && c <= 57) {
                // `FastNumber.parse` by its two halves, so that the word step is inlined in this loop (the
                // compiler keeps `parse` a call); a sign takes the digit loop.
                let short = c != 45 ? FastNumber.shortDecimal(p, i, n) : nil
                guard let (v, next) = short ?? FastNumber.digitLoop(p, i, n) else { return nil }
                // 1e400 parses to infinity and 1e300 tokens would trap in Int64(): the general path decides.
                guard v.isFinite, f < 10 || f > 20 || v.magnitude <= 9_007_199_254_740_992 else { return nil }
                i = next
                switch f {
                case 0:
                    guard let ms = Timestamp.epochToMs(v) else { return nil }
                    e.timestampMs = ms
                    haveTS = true
                case 10: e.inputTokens = whole(v)
                case 11: e.outputTokens = whole(v)
                case 12: e.cacheReadTokens = whole(v)
                case 13: e.cacheWriteTokens = whole(v)
                case 14: e.reasoningTokens = whole(v)
                case 16: e.cost = v
                case 17: e.latencyMs = v
                case 18: e.ttftMs = v
                case 19: e.isError = EventClassification.statusIsError(code: v)
                case 20: e.retry = Int32(clamping: whole(v))
                case -1: break
                default: return nil
                }
            } else if c == 116 || c == 102 || c == 110 {  // true false null
                let word: StaticString = c == 116 ? "true" : (c == 102 ? "false" : "null")
                let wl = word.utf8CodeUnitCount
                guard i + wl <= n, memcmp(p + i, word.utf8Start, wl) == 0 else { return nil }
                i += wl
                let truth = c == 116
                switch f {
                case 21: e.gatewayCacheHit = truth
                case 22: e.batch = truth
                case 23: e.batchEligible = truth
                case 0: return nil
                default: break  // null means absent
                }
            } else {
                return nil  // nested objects and arrays: another format or an extension
            }
            if i < n && p[i] == 44 { i += 1; continue }  // , straight after the value
            let after = i
            i = skipSpace(p, i, n)
            if i > after { spaced = true }
            guard i < n else { return nil }
            if p[i] == 44 { i += 1; continue }
            if p[i] == 125 { i += 1; break }  // }
            return nil
        }
        if delimited {
            guard !spaced, haveTS else { return nil }
            while i < n && (p[i] == 32 || p[i] == 9 || p[i] == 13) { i += 1 }
            guard i < n, p[i] == 10 else { return nil }
        } else {
            while i < n && isWhitespace(p[i]) { i += 1 }
            guard i == n, haveTS else { return nil }
        }

        e.feature = intern(.feature, 0, spans, p, rollup)
        e.apiKey = intern(.apiKey, 1, spans, p, rollup)
        e.team = intern(.team, 2, spans, p, rollup)
        e.user = intern(.user, 3, spans, p, rollup)
        e.model = intern(.model, 4, spans, p, rollup)
        e.provider = intern(.provider, 5, spans, p, rollup)
        e.gateway = intern(.gateway, 6, spans, p, rollup)
        if spans.requestLength > 0 {
            e.requestHash = ByteHash.hash(p + Int(spans.requestStart), Int(spans.requestLength))
        }
        return i
    }

    @inline(__always)
    static func intern(_ d: Dimension, _ slot: Int, _ spans: Spans, _ p: UnsafePointer<UInt8>, _ rollup: Rollup) -> Int32 {
        let len = Int(spans.length[slot])
        if len == 0 { return Interner.noneID }
        return rollup.internBytes(d, p + Int(spans.start[slot]), len)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
