/// Compact numbers for reason lines (no locale, no Foundation formatters).
enum AlertFormat {
    static func number(_ v: Double) -> String {
        if !v.isFinite { return v > 0 ? "∞" : "-" }
        let a = abs(v)
        if a >= 1_000_000 { return trim(v / 1_000_000, 1) + "M" }
        if a >= 10_000 { return trim(v / 1000, 1) + "k" }
        if a >= 100 { return trim(v, 0) }
        if a >= 10 { return trim(v, 1) }
        if a >= 0.1 || a == 0 { return trim(v, 2) }
        return trim(v, 4)
    }

    static func trim(_ v: Double, _ digits: Int) -> String {
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        let r = (v * p).rounded() / p
        var s = digits == 0 ? String(Int64(r)) : String(r)
        if s.contains("."), !s.contains("e") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    static func ratio(_ v: Double) -> String {
        if !v.isFinite { return "∞×" }
        return (v >= 10 ? trim(v, 0) : trim(v, 1)) + "×"
    }

    static func clock(_ ms: Int64) -> String {
        let s = Timestamp.format(ms: ms, withSeconds: false)
        return String(s.dropFirst(11))  // HH:MMZ
    }
}
