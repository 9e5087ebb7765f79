extension ViewTable {
    /// Where a table's rows come from: cells as built, or a group view's rows formatted when read.
    enum Source: Sendable {
        case cells([[Cell]], ids: [String])
        case groups(GroupRows)

        var count: Int {
            switch self {
            case .cells(let rows, _): return rows.count
            case .groups(let g): return g.count
            }
        }

        func cells(_ r: Int) -> [Cell] {
            switch self {
            case .cells(let rows, _): return rows[r]
            case .groups(let g): return g.cells(r)
            }
        }

        func cell(_ r: Int, _ c: Int) -> Cell {
            switch self {
            case .cells(let rows, _): return rows[r][c]
            case .groups(let g): return g.cell(r, c)
            }
        }

        var hasIDs: Bool {
            switch self {
            case .cells(_, let ids): return !ids.isEmpty
            case .groups: return true
            }
        }

        func id(_ r: Int) -> String? {
            switch self {
            case .cells(_, let ids): return r < ids.count ? ids[r] : nil
            case .groups(let g): return g.rowID(r)
            }
        }

        func row(withID id: String) -> Int? {
            switch self {
            case .cells(_, let ids): return ids.firstIndex(of: id)
            case .groups(let g): return g.row(withID: id)
            }
        }

        /// The order rows keep among equals: as built, or a group view's view order.
        func precedes(_ a: Int, _ b: Int) -> Bool {
            switch self {
            case .cells: return a < b
            case .groups(let g): return g.precedes(a, b)
            }
        }
    }

    /// A table's rows in order. Row `i`'s cells are made when it is read, and where the rows are sorted
    /// (`ViewTable.arranged`), only the positions read are put in order (`RowOrder`).
    public struct Rows: RandomAccessCollection, Sendable {
        let source: Source
        /// nil: the source's rows, in the source's order.
        let order: RowOrder?

        public var startIndex: Int { 0 }
        public var endIndex: Int { order?.count ?? source.count }

        public subscript(position: Int) -> [Cell] { source.cells(tableRow(position)) }

        /// Row `position`'s cell in column `column`, without formatting its others.
        public func cell(_ position: Int, _ column: Int) -> Cell { source.cell(tableRow(position), column) }

        /// Column `column` of the rows at `positions`, put in order at once.
        public func cells(column: Int, _ positions: Range<Int>) -> [Cell] {
            tableRows(positions).map { source.cell($0, column) }
        }

        func tableRow(_ position: Int) -> Int {
            precondition(position >= 0 && position < count, "row \(position) of \(count)")
            return order?.row(at: position) ?? position
        }

        func tableRows(_ positions: Range<Int>) -> [Int] {
            order?.rows(positions) ?? Array(positions.clamped(to: 0..<source.count))
        }

        /// Every table row held, in no particular order.
        var tableRowsInAnyOrder: [Int] { order?.rowsInAnyOrder ?? Array(0..<source.count) }

        /// The position of the row identified as `id`, or nil when it is not among these rows. Counts the rows
        /// before it (one pass): finding the selection needs no sort.
        public func position(ofRowID id: String) -> Int? {
            guard let r = source.row(withID: id) else { return nil }
            guard let order else { return r }
            return order.position(ofRow: r)
        }

        /// `rows` (nil: all) of `source` sorted by `keys` (a cell per source row, nil: none) then the source's order.
        static func order(_ source: Source, rows: [Int]? = nil, keys: [Cell]?, descending: Bool) -> RowOrder {
            let all = rows ?? Array(0..<source.count)
            guard let keys else {
                return RowOrder(rows: all, tableCount: source.count) { a, b in source.precedes(a, b) }
            }
            return RowOrder(rows: all, tableCount: source.count) { a, b in
                switch (keys[a], keys[b]) {
                case (.number(let p), .number(let q)) where p != q: return descending ? p > q : p < q
                case (.text(let p), .text(let q)) where p != q: return descending ? p > q : p < q
                case (.empty, .empty): break
                case (.empty, _): return false
                case (_, .empty): return true
                default: break
                }
                return source.precedes(a, b)
            }
        }
    }

    /// Each row's identity, in the rows' order (empty when the table has none).
    public struct RowIDs: RandomAccessCollection, Sendable {
        let rows: Rows

        public var startIndex: Int { 0 }
        public var endIndex: Int { rows.source.hasIDs ? rows.count : 0 }

        public subscript(position: Int) -> String { rows.source.id(rows.tableRow(position)) ?? "" }
    }
}
