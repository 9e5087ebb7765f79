/// The one table that says what a `status` or `cache_hit` value means. The fast scanner reads it on
/// raw bytes, the importers on decoded text, so the two paths cannot drift apart again.
public enum EventClassification {
    /// Status words that mean success (ASCII, compared case-insensitively); "" is "no status".
    static let successWords: [StaticString] = ["", "ok", "success", "succeeded", "completed"]
    /// `cache_hit` words that mean the gateway answered from its own response cache.
    static let cacheHitWords: [StaticString] = ["true", "yes", "1", "exact", "semantic"]

    /// A status given as text: a success word, or an all-digit HTTP code below 400, is fine; any
    /// other text (`error`, `failure`, `timeout`, `+200`, ` ok`) is an error.
    @inline(__always)
    public static func statusIsError(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        if n > 0 && n <= 18 {
            var code: Int64 = 0, digits = true
            for i in 0..<n {
                let d = p[i] &- 48
                if d > 9 { digits = false; break }
                code = code * 10 + Int64(d)
            }
            if digits { return code >= 400 }
        } else if n > 18 && allDigits(p, n) {
            return true  // a "code" of 19+ digits is garbage, and certainly not a success
        }
        return !matches(p, n, successWords)
    }

    /// A status given as a JSON number: an HTTP code.
    @inline(__always)
    public static func statusIsError(code: Double) -> Bool { code >= 400 }

    /// A `cache_hit` given as text (LiteLLM writes Python's `True`; the native schema allows a kind).
    @inline(__always)
    public static func isCacheHit(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool { matches(p, n, cacheHitWords) }

    public static func statusIsError(text: String) -> Bool {
        if text.isEmpty { return false }
        var s = text
        return s.withUTF8 { statusIsError($0.baseAddress!, $0.count) }
    }

    public static func isCacheHit(text: String) -> Bool {
        if text.isEmpty { return false }
        var s = text
        return s.withUTF8 { isCacheHit($0.baseAddress!, $0.count) }
    }

    static func allDigits(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        for i in 0..<n where p[i] &- 48 > 9 { return false }
        return true
    }

    /// Whether the bytes equal one of `words`, ASCII case-insensitively (no Unicode case folding:
    /// the Kelvin sign does not make "OK").
    @inline(__always)
    static func matches(_ p: UnsafePointer<UInt8>, _ n: Int, _ words: [StaticString]) -> Bool {
        for w in words where w.utf8CodeUnitCount == n {
            let q = w.utf8Start
            var same = true
            for i in 0..<n {
                var c = p[i]
                if c >= 65 && c <= 90 { c |= 0x20 }
                if c != q[i] { same = false; break }
            }
            if same { return true }
        }
        return false
    }
}
