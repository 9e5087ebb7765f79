import Foundation
import SpendCore

/// Screen formatting of numbers: right-aligned units (`$1.2k`, `31.0k`, `2.31 s`, `47.2%`).
public enum NumberFormat {
    public static func usd(_ v: Double) -> String {
        let a = abs(v)
        let sign = v < 0 ? "-" : ""
        if a >= 1_000_000 { return sign + "$" + String(format: "%.1fM", a / 1_000_000) }
        if a >= 10_000 { return sign + "$" + String(format: "%.1fk", a / 1000) }
        if a >= 100 { return sign + "$" + String(format: "%.0f", a) }
        if a >= 0.01 || a == 0 { return sign + "$" + String(format: "%.2f", a) }
        return sign + "$" + String(format: "%.4f", a)
    }

    public static func count(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1e9 { return String(format: "%.1fG", v / 1e9) }
        if a >= 1e6 { return String(format: "%.1fM", v / 1e6) }
        if a >= 1e4 { return String(format: "%.1fk", v / 1e3) }
        if v == v.rounded() { return String(Int64(v)) }
        return String(format: "%.1f", v)
    }

    /// Rates keep two significant decimals when small (`0.10`), one otherwise (`92.4`), units above 10k.
    public static func rate(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1e4 { return count(v) }
        if a < 10 { return String(format: "%.2f", v) }
        return String(format: "%.1f", v)
    }

    public static func percent(_ v: Double) -> String { String(format: "%.1f%%", v) }

    public static func milliseconds(_ v: Double) -> String {
        if v >= 1000 { return String(format: "%.2f s", v / 1000) }
        return String(format: "%.0f ms", v)
    }

    public static func cell(_ c: ViewTable.Cell, _ kind: ViewTable.Kind) -> String {
        switch c {
        case .empty: return "—"
        case .text(let s): return s
        case .number(let v):
            switch kind {
            case .usd: return usd(v)
            case .percent: return percent(v)
            case .milliseconds: return milliseconds(v)
            case .rate: return rate(v)
            case .count, .number: return count(v)
            case .text, .time: return count(v)
            }
        }
    }
}
