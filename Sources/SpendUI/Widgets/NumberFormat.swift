import Foundation
import SpendCore

/// The one screen formatter per quantity: three significant digits and SI suffixes (`$184`, `$78.4`,
/// `$17.7k`, `3.88k`, `2.31 s`, `47.2%`), used by every pane, the KPI tiles and the wallboard. CSV
/// keeps full precision (`CSVWriter.number`).
public enum NumberFormat {
    static let siSteps: [(scale: Double, suffix: String)] = [(1, ""), (1e3, "k"), (1e6, "M"), (1e9, "G"), (1e12, "T")]

    /// `a` (≥ 0, below 1000 once rounded) with three significant digits and at most `maxDecimals` decimals,
    /// and the value that text shows. Integer arithmetic, not `String(format:)`: this runs for every cell
    /// of every frame.
    static func significantParts(_ a: Double, maxDecimals: Int) -> (text: String, value: Double) {
        guard a > 0, a.isFinite else { return ("0", 0) }
        guard a < 1e15 else { return (String(format: "%.0f", a), a) }
        var decimals = max(0, min(maxDecimals, 2 - a.log10Floor))
        var scaled = (a * pow10(decimals)).rounded(.toNearestOrEven)
        // 9.996 rounds to 10.00: one decimal fewer keeps three digits.
        while decimals > 0 && scaled >= 1000 {
            decimals -= 1
            scaled = (a * pow10(decimals)).rounded(.toNearestOrEven)
        }
        let n = Int64(scaled), unit = Int64(pow10(decimals))
        var text = String(n / unit)
        if decimals > 0 {
            let frac = String(n % unit)
            text += "." + String(repeating: "0", count: decimals - frac.count) + frac
        }
        return (text, scaled / pow10(decimals))
    }

    static func significant(_ a: Double, maxDecimals: Int) -> String { significantParts(a, maxDecimals: maxDecimals).text }

    static func pow10(_ n: Int) -> Double {
        var v = 1.0
        for _ in 0..<abs(n) { v *= 10 }
        return n >= 0 ? v : 1 / v
    }

    /// Three significant digits with k, M, G, T beyond 999 (`0.104`, `92.4`, `5.96k`, `412k`, `1.00M`).
    static func si(_ v: Double, maxDecimals: Int, integer: Bool = false) -> String {
        guard v.isFinite else { return "—" }
        let a = abs(v), sign = v < 0 ? "-" : ""
        for (i, step) in siSteps.enumerated() {
            let m = a / step.scale
            if step.scale == 1 && integer && m == m.rounded() && m < 999.5 { return sign + String(Int64(m)) }
            let (text, shown) = significantParts(m, maxDecimals: step.scale == 1 ? maxDecimals : 2)
            // Rounding can reach 1000 ("1000k"): then the next suffix says it in three digits.
            if shown < 1000 || i == siSteps.count - 1 { return sign + text + step.suffix }
        }
        return sign + String(a)
    }

    /// Money: `$0`, `$0.0042`, `$1.23`, `$78.4`, `$184`, `$17.7k`, `$2.40M`; below $0.0001 `<$0.0001`.
    public static func money(_ v: Double) -> String {
        guard v.isFinite else { return "—" }
        let a = abs(v), sign = v < 0 ? "-" : ""
        if a > 0 && a < 0.0001 { return sign + "<$0.0001" }
        return sign + "$" + si(a, maxDecimals: 4)
    }

    /// Kept for callers that name the currency: the same as `money`.
    public static func usd(_ v: Double) -> String { money(v) }

    /// Things counted: `741`, `1.94k`, `412k`; a fractional count (an average) `2.50`.
    public static func count(_ v: Double) -> String { si(v, maxDecimals: 2, integer: true) }

    /// Tokens (a count): `3.88k`, `39.8k`.
    public static func tokens(_ v: Double) -> String { count(v) }

    /// Per-second rates: `0.104`, `15.3`, `5.96k`; below 0.0001 `<0.0001`.
    public static func rate(_ v: Double) -> String {
        guard v.isFinite else { return "—" }
        if v != 0 && abs(v) < 0.0001 { return (v < 0 ? "-" : "") + "<0.0001" }
        return si(v, maxDecimals: 4)
    }

    /// Bytes in SI units: `512 B`, `74.1 GB`.
    public static func bytes(_ v: Double) -> String {
        guard v.isFinite else { return "—" }
        let a = abs(v), sign = v < 0 ? "-" : ""
        let units: [(Double, String)] = [(1e15, "PB"), (1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
        for (scale, unit) in units where a >= scale * 0.9995 {
            return sign + significant(a / scale, maxDecimals: 2) + " " + unit
        }
        return sign + String(Int64(a.rounded())) + " B"
    }

    /// Megabytes as reported by GPUs (`mem_used_mb`), shown as bytes.
    public static func megabytes(_ v: Double) -> String { bytes(v * 1e6) }

    /// A duration given in milliseconds: `87.0 ms`, `912 ms`, `2.31 s`, `12.4 min`, `1.50 h`.
    public static func duration(ms v: Double) -> String {
        guard v.isFinite else { return "—" }
        let a = abs(v), sign = v < 0 ? "-" : ""
        func fits(_ x: Double) -> Bool { significantParts(x, maxDecimals: 2).value < 1000 }
        if a == 0 { return "0 ms" }
        if fits(a) && a < 1000 { return sign + significant(a, maxDecimals: 2) + " ms" }
        if a / 1000 < 60 { return sign + significant(a / 1000, maxDecimals: 2) + " s" }
        if a / 60_000 < 60 { return sign + significant(a / 60_000, maxDecimals: 2) + " min" }
        if a / 3_600_000 < 1000 { return sign + significant(a / 3_600_000, maxDecimals: 2) + " h" }
        return sign + si(a / 86_400_000, maxDecimals: 0) + " d"
    }

    /// Kept for callers that name the unit: the same as `duration(ms:)`.
    public static func milliseconds(_ v: Double) -> String { duration(ms: v) }

    /// Percent (0–100 scale): `47.2%`, `2.5%`, `100%`; at most one decimal.
    public static func percent(_ v: Double) -> String {
        guard v.isFinite else { return "—" }
        return (v < 0 ? "-" : "") + significant(abs(v), maxDecimals: 1) + "%"
    }

    /// A difference of percentages: `1 pt`, `7 pts`, `1.5 pts`.
    public static func points(_ v: Double) -> String {
        guard v.isFinite else { return "—" }
        var text = significant(abs(v), maxDecimals: 1)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return (v < 0 ? "-" : "") + text + (text == "1" ? " pt" : " pts")
    }

    public static func cell(_ c: ViewTable.Cell, _ kind: ViewTable.Kind) -> String {
        switch c {
        case .empty: return "—"
        case .text(let s): return s
        case .number(let v):
            switch kind {
            case .usd: return money(v)
            case .percent: return percent(v)
            case .milliseconds: return duration(ms: v)
            case .rate: return rate(v)
            case .megabytes: return megabytes(v)
            case .count, .number, .text, .time: return count(v)
            }
        }
    }
}

extension Double {
    /// ⌊log₁₀ x⌋ for x > 0, without Foundation.
    var log10Floor: Int {
        var x = self, n = 0
        guard x > 0, x.isFinite else { return 0 }
        while x >= 10 { x /= 10; n += 1 }
        while x < 1 { x *= 10; n -= 1 }
        return n
    }
}
