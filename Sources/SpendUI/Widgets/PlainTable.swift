import SpendCore

/// A `ViewTable` as aligned plain text, for headless output (non-TTY, `check`, `make demo` before the console).
public enum PlainTable {
    /// Renders the named columns (all when empty) with at most `limit` rows.
    public static func render(_ t: ViewTable, columns ids: [String] = [], limit: Int = .max) -> String {
        let idx = ids.isEmpty ? Array(t.columns.indices) : ids.compactMap { t.column($0) }
        let shown = t.rows.prefix(limit)
        var grid: [[String]] = [idx.map { t.columns[$0].title }]
        for row in shown { grid.append(idx.map { NumberFormat.cell(row[$0], t.columns[$0].kind) }) }
        let widths = idx.indices.map { c in grid.map { $0[c].count }.max() ?? 0 }
        var out = ""
        for line in grid {
            var parts: [String] = []
            for (c, s) in line.enumerated() {
                let pad = String(repeating: " ", count: widths[c] - s.count)
                parts.append(t.columns[idx[c]].kind == .text ? s + pad : pad + s)
            }
            out += parts.joined(separator: "  ") + "\n"
        }
        if t.rows.count > shown.count { out += "… \(t.rows.count - shown.count) more rows\n" }
        return out
    }
}
