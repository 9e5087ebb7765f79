/// The presentation model every output reads: columns and rows of typed cells. Panes format the
/// cells for the screen, the CSV writer prints them raw, so both always show the same rows.
public struct ViewTable: Sendable {
    public enum Kind: Sendable { case text, usd, count, percent, milliseconds, rate, number, time, megabytes }

    public struct Column: Sendable, Equatable {
        /// Stable machine name: the CSV header (documented in docs/export.md).
        public var id: String
        /// Short screen title.
        public var title: String
        public var kind: Kind

        public init(id: String, title: String, kind: Kind) {
            self.id = id
            self.title = title
            self.kind = kind
        }
    }

    public enum Cell: Sendable, Equatable {
        case text(String)
        case number(Double)
        case empty

        public var number: Double? { if case .number(let v) = self { return v }; return nil }
        public var text: String? { if case .text(let v) = self { return v }; return nil }
    }

    public var title: String
    public var columns: [Column]
    /// The rows in order, each row's cells made when it is read (`Rows`).
    public var rows: Rows
    /// An opaque identity per row (parallel to `rows`, or empty): the group's id, never its display
    /// name, so a selection follows the group when rows re-sort and two keys that mask alike stay apart.
    public var rowIDs: RowIDs { RowIDs(rows: rows) }

    public init(title: String, columns: [Column], rows: [[Cell]], rowIDs: [String] = []) {
        precondition(rowIDs.isEmpty || rowIDs.count == rows.count, "one identity per row")
        self.title = title
        self.columns = columns
        self.rows = Rows(source: .cells(rows, ids: rowIDs), order: nil)
    }

    /// A group view's rows, formatted into cells as they are read; in view order even when the query answered
    /// them in any order.
    public init(title: String, groups: GroupRows) {
        self.title = title
        columns = GroupRows.columns(groups.dimension)
        let source = Source.groups(groups)
        rows = Rows(source: source, order: groups.ordered ? nil : Rows.order(source, keys: nil, descending: false))
    }

    public func column(_ id: String) -> Int? { columns.firstIndex { $0.id == id } }

    /// This table's rows narrowed to those whose text in one of `columns` holds `needle` (case-insensitive; an
    /// empty needle keeps all) and sorted by column `sortBy` (nil: as they are): numbers numerically, text
    /// lexicographically, empty cells last in either direction, ties in this table's order. Nothing is sorted
    /// here: positions are ordered as they are read (`RowOrder`). Meant for a table as built, not one arranged.
    public func arranged(matching needle: String, in textColumns: [Int], sortBy: Int?, descending: Bool) -> ViewTable {
        let source = rows.source
        var keep: [Int]?
        if !needle.isEmpty {
            let lowered = needle.lowercased()
            keep = (0..<source.count).filter { r in
                textColumns.contains { c in source.cell(r, c).text?.lowercased().contains(lowered) ?? false }
            }
        }
        var out = self
        let keys = sortBy.map { c in (0..<source.count).map { source.cell($0, c) } }
        if keep == nil && keys == nil { return out }
        out.rows = Rows(source: source, order: Rows.order(source, rows: keep, keys: keys, descending: descending))
        return out
    }

    /// The identities of the rows whose first cell is the text `name`, in no particular order (no row is ordered
    /// or formatted beyond that cell).
    public func rowIDs(named name: String) -> [String] {
        let s = rows.source
        guard s.hasIDs else { return [] }
        return rows.tableRowsInAnyOrder.filter { s.cell($0, 0).text == name }.map { s.id($0)! }
    }
}
