/// Makes text from the data safe for a terminal or a spreadsheet: no control characters, no escape
/// sequences, no bidi overrides.
public enum TextSanitizer {
    /// Removes C0/C1 controls and DEL, whole ESC sequences (CSI, OSC, DCS … up to their terminator),
    /// and the Unicode bidi controls that can reorder what a reader sees.
    public static func clean(_ text: String) -> String {
        var fast = true
        for u in text.unicodeScalars where isUnsafe(u) { fast = false; break }
        if fast { return text }

        var out = String.UnicodeScalarView()
        var it = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return it.next()
        }
        while let u = next() {
            if u.value == 0x1B {
                skipEscape(next: next, pushBack: { pending = $0 })
                continue
            }
            if u.value == 0x9B { skipCSIBody(next: next); continue }  // 8-bit CSI
            if u.value == 0x9D || u.value == 0x90 || u.value == 0x9E || u.value == 0x9F { skipString(next: next); continue }
            if isUnsafe(u) {
                // Tabs and newlines become spaces so that words stay apart.
                if u.value == 0x09 || u.value == 0x0A || u.value == 0x0D { out.append(" ") }
                continue
            }
            out.append(u)
        }
        return String(out)
    }

    @inline(__always)
    static func isUnsafe(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        if v < 0x20 || v == 0x7F { return true }
        if v >= 0x80 && v < 0xA0 { return true }
        if v >= 0x202A && v <= 0x202E { return true }
        if v >= 0x2066 && v <= 0x2069 { return true }
        return false
    }

    private static func skipEscape(next: () -> Unicode.Scalar?, pushBack: (Unicode.Scalar) -> Void) {
        guard let c = next() else { return }
        switch c.value {
        case 0x5B: skipCSIBody(next: next)                          // ESC [
        case 0x5D, 0x50, 0x5E, 0x5F, 0x58: skipString(next: next)   // OSC, DCS, PM, APC, SOS
        case 0x20...0x2F:                                          // ESC intermediate… final
            while let d = next() { if d.value >= 0x30 && d.value <= 0x7E { return } }
        case 0x30...0x7E: return                                   // two-character sequence
        default: if !isUnsafe(c) { pushBack(c) }
        }
    }

    private static func skipCSIBody(next: () -> Unicode.Scalar?) {
        while let d = next() { if d.value >= 0x40 && d.value <= 0x7E { return } }
    }

    /// String sequences end at BEL or ST (ESC \\); a runaway one eats the rest, which is safe.
    private static func skipString(next: () -> Unicode.Scalar?) {
        while let d = next() {
            if d.value == 0x07 || d.value == 0x9C { return }
            if d.value == 0x1B { _ = next(); return }
        }
    }
}
