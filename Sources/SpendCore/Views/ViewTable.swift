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
    public var rows: [[Cell]]
    /// An opaque identity per row (parallel to `rows`, or empty): the group's id, never its display
    /// name, so a selection follows the group when rows re-sort and two keys that mask alike stay apart.
    public var rowIDs: [String]

    public init(title: String, columns: [Column], rows: [[Cell]], rowIDs: [String] = []) {
        self.title = title
        self.columns = columns
        self.rows = rows
        self.rowIDs = rowIDs
    }

    public func column(_ id: String) -> Int? { columns.firstIndex { $0.id == id } }
}
