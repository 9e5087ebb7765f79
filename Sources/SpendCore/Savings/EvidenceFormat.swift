import Foundation

/// Compact numbers for the evidence line (`9.1k`, `4.5%`, `$12.40`): the core has no screen
/// formatter, and the same words go to the screen and the CSV.
enum EvidenceFormat {
    static func count<T: BinaryInteger>(_ n: T) -> String { count(Double(n)) }

    static func count(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1e6 { return String(format: "%.1fM", v / 1e6) }
        if a >= 1e3 { return String(format: "%.1fk", v / 1e3) }
        return String(Int64(v.rounded()))
    }

    /// A setting as written: `10`, `7.5`.
    static func plain(_ v: Double) -> String {
        let r = (v * 1e4).rounded() / 1e4  // 0.3 × 100 reads 30, not 30.000000000000004
        return r == r.rounded() && abs(r) < 1e15 ? String(Int64(r)) : String(r)
    }

    /// A fraction as a percent with one decimal.
    static func percent(_ fraction: Double) -> String { String(format: "%.1f%%", fraction * 100) }

    static func usd(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1e6 { return String(format: "$%.1fM", v / 1e6) }
        if a >= 1e4 { return String(format: "$%.1fk", v / 1e3) }
        if a >= 100 { return String(format: "$%.0f", v) }
        if a >= 0.01 || a == 0 { return String(format: "$%.2f", v) }
        return String(format: "$%.4f", v)
    }

    static func hours(_ h: Double) -> String { String(format: h >= 100 ? "%.0f" : "%.1f", h) }
}
