/// RFC 4180 CSV of a `ViewTable`, safe to open in a spreadsheet: text cells are stripped of control
/// characters and neutralised when they start like a formula (SPEC §9).
public enum CSVWriter {
    public static func csv(_ table: ViewTable) -> String {
        var out = table.columns.map { field($0.id) }.joined(separator: ",") + "\r\n"
        for row in table.rows {
            out += row.map(cell).joined(separator: ",")
            out += "\r\n"
        }
        return out
    }

    static func cell(_ c: ViewTable.Cell) -> String {
        switch c {
        case .empty: return ""
        case .number(let v): return number(v)
        case .text(let s): return field(guardFormula(TextSanitizer.clean(s)))
        }
    }

    /// Numbers in plain decimal (no exponent), integers without a fraction, others to 9 places.
    public static func number(_ v: Double) -> String {
        guard v.isFinite else { return "" }
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        var s = String(format: "%.9f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// A leading `=`, `+`, `-`, `@`, tab or CR makes spreadsheets evaluate a cell: prefix a quote.
    public static func guardFormula(_ s: String) -> String {
        guard let f = s.unicodeScalars.first else { return s }
        switch f {
        case "=", "+", "-", "@", "\t", "\r": return "'" + s
        default: return s
        }
    }

    /// Quotes a field when it holds a comma, quote, CR, LF or leading/trailing space.
    public static func field(_ s: String) -> String {
        let needs = s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            || s.first == " " || s.last == " "
        guard needs else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

import Foundation
