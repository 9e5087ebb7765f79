import SpendCore

/// A pane's table: a `ViewTable` with the columns that fit, the selected row, the sort marker,
/// and a sparkline per row.
public struct TableWidget {
    public var table: ViewTable
    /// Column ids in the order they are dropped last-to-first when the pane is narrow; the first is the name.
    public var columns: [String]
    public var sortColumn: String?
    public var descending: Bool
    public var selected: Int?
    /// Spend per minute per group (the id in each row's `ViewTable.rowIDs`), for the TREND column.
    public var trends: [GroupID: [Double]]
    /// A short note per row identity (`▲ retries 9×`) shown after the trend.
    public var notes: [String: String]
    public var title: String
    public var rightTitle: String
    public var focused: Bool
    /// What an empty table says.
    public var emptyText = "no data in this window"
    /// A style per row (by index; nil or missing: plain text), e.g. ended alerts dim.
    public var rowRoles: [ThemeRole?] = []
    /// The text column that takes the width left over (default: the last column, when it is text).
    public var flexColumn: String?
    /// How much of the trends' last minute has passed (it is still open): drawn dimmer, at its pace.
    public var openFraction: Double?

    public init(table: ViewTable, columns: [String], sortColumn: String? = nil, descending: Bool = true, selected: Int? = nil,
                trends: [GroupID: [Double]] = [:], notes: [String: String] = [:], title: String,
                rightTitle: String = "",
                focused: Bool = false) {
        self.table = table
        self.columns = columns
        self.sortColumn = sortColumn
        self.descending = descending
        self.selected = selected
        self.trends = trends
        self.notes = notes
        self.title = title
        self.rightTitle = rightTitle
        self.focused = focused
    }

    static func width(of kind: ViewTable.Kind) -> Int {
        switch kind {
        case .usd: return 8
        case .percent: return 6
        case .rate: return 7
        case .count, .number: return 7
        case .megabytes: return 8
        case .milliseconds: return 9
        case .time: return 8
        case .text: return 12
        }
    }

    /// The first row shown when `selected` must be visible in `visibleRows` (bottom-anchored scrolling).
    public static func scrollOffset(selected: Int?, visibleRows: Int, rowCount: Int) -> Int {
        guard let s = selected, visibleRows > 0 else { return 0 }
        return max(0, min(s - visibleRows + 1, rowCount - visibleRows))
    }

    /// Which of `columns` fit in `width` cells, and their widths (name first, then by priority).
    public func layout(width: Int) -> [(index: Int, id: String, width: Int)] {
        var out: [(Int, String, Int)] = []
        guard let first = columns.first, let nameIdx = table.column(first) else { return [] }
        // The first 200 names, ordered at once (not row by row) and with no other cell formatted.
        let longest = table.rows.cells(column: nameIdx, 0..<min(200, table.rows.count))
            .map { CharWidth.of(NumberFormat.cell($0, table.columns[nameIdx].kind)) }.max() ?? 0
        let nameW = table.columns[nameIdx].kind == .time ? 8 : min(max(CharWidth.of(table.columns[nameIdx].title), longest, 6), max(6, width * 2 / 5), 28)
        // The trend keeps a minimal place even in narrow panes; it grows into what is left at the end.
        let wantsTrend = columns.contains("trend") && width >= 36
        var used = 2 + nameW + (wantsTrend ? 9 : 0)
        out.append((nameIdx, first, nameW))
        for id in columns.dropFirst() {
            if id == "trend" {
                if wantsTrend { out.append((-1, id, min(24, width - used + 8))); used = width }
                continue
            }
            guard let i = table.column(id) else { continue }
            let w = max(TableWidget.width(of: table.columns[i].kind), CharWidth.of(table.columns[i].title) + 1)
            if used + w + 1 > width { continue }
            out.append((i, id, w))
            used += w + 1
        }
        // A last text column (an alert's reason) takes what is left.
        if let flex = flexColumn, let i = out.firstIndex(where: { $0.1 == flex }) {
            if width > used { out[i].2 += width - used }
        } else if let last = out.last, last.0 >= 0, last.0 != nameIdx, table.columns[last.0].kind == .text, width > used {
            out[out.count - 1].2 += width - used
        }
        return out
    }

    /// For a group whose every request is unpriced (its spend cell empty), its tokens; else nil.
    func unpricedTokens(_ row: [ViewTable.Cell]) -> Double? {
        guard let s = table.column("spend_usd"), case .empty = row[s], let u = table.column("unpriced_requests"),
              let n = row[u].number, n > 0 else { return nil }
        let input = table.column("input_tokens").flatMap { row[$0].number } ?? 0
        let output = table.column("output_tokens").flatMap { row[$0].number } ?? 0
        return input + output
    }

    public func render(into c: inout Canvas, in r: Rect, theme: Theme) {
        let inner = Box(title: title, rightTitle: rightTitle, focused: focused).render(into: &c, in: r, theme: theme)
        guard inner.height >= 1, inner.width >= 4 else { return }
        let cols = layout(width: inner.width)
        // Header
        var x = inner.x + 2
        for col in cols {
            var title = col.index >= 0 ? table.columns[col.index].title : "TREND"
            if col.id == sortColumn { title += descending ? "▼" : "▲" }
            let text = CharWidth.truncate(title, to: col.width)
            let isText = col.index < 0 || table.columns[col.index].kind == .text
            if isText { c.put(text, x: x, y: inner.y, style: theme[.columnHeader], clip: inner) }
            else { c.putRight(text, maxX: x + col.width, y: inner.y, style: theme[.columnHeader], clip: inner) }
            x += col.width + 1
        }
        let visible = inner.height - 1
        guard visible > 0 else { return }
        if table.rows.isEmpty {
            c.put("  " + emptyText, x: inner.x, y: inner.y + 1, style: theme[.dim], clip: inner)
            return
        }
        let offset = TableWidget.scrollOffset(selected: selected, visibleRows: visible, rowCount: table.rows.count)
        for (line, rowIdx) in (offset..<min(table.rows.count, offset + visible)).enumerated() {
            let y = inner.y + 1 + line
            let row = table.rows[rowIdx]
            let isSel = rowIdx == selected
            let textRole = (rowIdx < rowRoles.count ? rowRoles[rowIdx] : nil) ?? .text
            if isSel { c.put(focused ? "▶" : "›", x: inner.x, y: y, style: theme[.title], clip: inner) }
            var x = inner.x + 2
            let identity = rowIdx < table.rowIDs.count ? table.rowIDs[rowIdx] : nil
            var name = ""
            for col in cols {
                if col.index < 0 {
                    if let tokens = unpricedTokens(row) {
                        // No price, so no spend trend: what the group used instead.
                        let text = KPITile.fit([NumberFormat.tokens(tokens) + " tok", NumberFormat.tokens(tokens) + "t"], width: col.width)
                        c.put(text, x: x, y: y, style: theme[.dim], clip: inner)
                        x += col.width + 1
                        continue
                    }
                    let key = identity ?? name
                    // Only the rows drawn parse their id back: a refresh never builds a string per group.
                    let values = identity.flatMap { GroupID.parse(rowID: $0) }.flatMap { trends[$0.1] } ?? []
                    let sparkWidth = min(col.width, 8)
                    var spark = Sparkline.render(values, width: sparkWidth, openFraction: openFraction)
                    let sparkLength = CharWidth.of(spark)
                    if let note = notes[key] { spark += "  " + note }
                    let role: ThemeRole = notes[key] == nil ? .chart : .anomaly
                    c.put(CharWidth.truncate(spark, to: col.width), x: x, y: y, style: theme[role], clip: inner)
                    if openFraction.map({ $0 < 1 }) ?? false, sparkLength > 0, sparkLength <= col.width {
                        c.restyle(Rect(x: x + sparkLength - 1, y: y, width: 1, height: 1)) { $0.with(.dim) }
                    }
                } else {
                    let column = table.columns[col.index]
                    var text = NumberFormat.cell(row[col.index], column.kind)
                    if column.id == "spend_usd", unpricedTokens(row) != nil {
                        c.putRight(CharWidth.truncate("unpriced", to: col.width), maxX: x + col.width, y: y, style: theme[.warn], clip: inner)
                        x += col.width + 1
                        continue
                    }
                    if column.kind == .time, let t = text.firstIndex(of: "T") { text = String(text[text.index(after: t)...].prefix(8)) }
                    if col.index == table.columns.startIndex || column.kind == .text {
                        if col.index == 0 { name = text }
                        c.put(CharWidth.truncate(text, to: col.width), x: x, y: y, style: theme[textRole], clip: inner)
                    } else {
                        c.putRight(CharWidth.truncate(text, to: col.width), maxX: x + col.width, y: y, style: theme[textRole], clip: inner)
                    }
                }
                x += col.width + 1
            }
            if isSel && focused { c.restyle(Rect(x: inner.x + 1, y: y, width: inner.width - 1, height: 1)) { _ in theme[.selected] } }
        }
        if table.rows.count > visible {
            let more = "\(offset + 1)–\(min(table.rows.count, offset + visible)) of \(table.rows.count)"
            c.putRight(" " + more + " ", maxX: r.maxX - 1, y: r.maxY - 1, style: theme[.dim], clip: r)
        }
    }
}
