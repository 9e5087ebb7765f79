/// A group view's rows (`ViewResult.rows`) as table cells, each cell made when it is read: a pane shows one page
/// of a day's 20k keys, and formatting every row four times a second cost more than reading them.
/// The columns are `GroupRows.columns(dimension)`: the name, `ExportView.measureColumns`, and for keys the
/// number of features.
public struct GroupRows: Sendable {
    /// Where the rows come from: a view's `GroupRow`s, or the rollup's sums as it holds them (`GroupColumns`),
    /// which spares making (and later freeing) a `GroupRow` per group at every refresh.
    enum Storage: Sendable {
        case rows([GroupRow])
        case columns(GroupColumns)
    }

    let storage: Storage
    public let dimension: Dimension
    /// True when the rows come in view order (`GroupRow.viewOrder`); otherwise the table orders them when read.
    public let ordered: Bool
    let withFeatures: Bool

    public init(_ result: ViewResult, dimension: Dimension) {
        storage = .rows(result.rows)
        self.dimension = dimension
        ordered = result.ordered
        withFeatures = dimension == .apiKey
    }

    /// The rows of `columns`, in no particular order.
    public init(_ columns: GroupColumns, dimension: Dimension) {
        storage = .columns(columns)
        self.dimension = dimension
        ordered = false
        withFeatures = dimension == .apiKey
    }

    public static func columns(_ dimension: Dimension) -> [ViewTable.Column] {
        var columns = [ViewTable.Column(id: dimension.name,
                                        title: dimension.name.uppercased().replacingOccurrences(of: "_", with: " "),
                                        kind: .text)]
        columns += ExportView.measureColumns
        if dimension == .apiKey { columns.append(.init(id: "features", title: "FEATURES", kind: .count)) }
        return columns
    }

    public var count: Int {
        switch storage {
        case .rows(let rows): return rows.count
        case .columns(let c): return c.count
        }
    }

    /// Row `r` as a `GroupRow` (made when asked, for the columns' storage).
    public func row(_ r: Int) -> GroupRow {
        switch storage {
        case .rows(let rows): return rows[r]
        case .columns(let c): return c.row(r)
        }
    }
    /// The keys' features column, after the name and the measures.
    static let featuresColumn = 1 + ExportView.measureColumns.count
    var columnCount: Int { GroupRows.featuresColumn + (withFeatures ? 1 : 0) }

    /// Row `r`'s cells, in column order.
    public func cells(_ r: Int) -> [ViewTable.Cell] {
        var out = [ViewTable.Cell]()
        out.reserveCapacity(columnCount)
        for c in 0..<columnCount { out.append(cell(r, c)) }
        return out
    }

    /// Row `r`'s cell in column `c` (what `cells(r)[c]` holds), without the others.
    public func cell(_ r: Int, _ c: Int) -> ViewTable.Cell {
        switch storage {
        case .rows(let rows):
            let row = rows[r]
            return cell(c, name: row.name, measures: row.measures, share: row.share,
                             featureCount: row.featureCount, seconds: row.durationSeconds)
        case .columns(let g):
            let m = g.measures(r)
            // Only the name column reads the name, and only the features column the count.
            let features = c == GroupRows.featuresColumn ? g.featureCount(r) : nil
            return cell(c, name: c == 0 ? g.name(r) : "", measures: m, share: g.share(m),
                             featureCount: features, seconds: g.durationSeconds)
        }
    }

    /// Column `c` of a row with these figures; `GroupRow`'s rates, one formula for both storages.
    func cell(_ c: Int, name: String, measures m: Measures, share: Double, featureCount: Int?,
              seconds: Double) -> ViewTable.Cell {
        func n(_ v: Double?) -> ViewTable.Cell { v.map { .number($0) } ?? .empty }
        func pct(_ v: Double?) -> ViewTable.Cell { n(v.map { $0 * 100 }) }
        func num(_ v: Int64) -> ViewTable.Cell { .number(Double(v)) }
        // Never silently $0: a group none of whose requests could be priced has no spend figure.
        func money(_ v: @autoclosure () -> Double) -> ViewTable.Cell {
            m.requests > 0 && m.unpriced == m.requests && m.spend == 0 ? .empty : .number(v())
        }
        func perSecond(_ v: Int64) -> Double { GroupRow.perSecond(Double(v), seconds: seconds) }
        switch c {
        case 0: return .text(name)
        case 1: return money(m.spend)
        case 2: return money(share * 100)
        case 3: return money(GroupRow.spendPerHour(m.spend, seconds: seconds))
        case 4: return money(GroupRow.spendPerHour(m.spend, seconds: seconds) * 24)
        case 5: return num(m.requests)
        case 6: return .number(perSecond(m.requests))
        case 7: return .number(perSecond(m.inputTokens))
        case 8: return .number(perSecond(m.outputTokens))
        case 9: return num(m.inputTokens)
        case 10: return num(m.outputTokens)
        case 11: return num(m.cacheReadTokens)
        case 12: return num(m.cacheWriteTokens)
        case 13: return num(m.reasoningTokens)
        case 14: return pct(m.cacheHitRatio)
        case 15: return pct(m.gatewayCacheHitRate)
        case 16: return num(m.errors)
        case 17: return pct(m.errorRate)
        case 18: return num(m.retries)
        case 19: return pct(m.retryRate)
        case 20: return n(m.latency.percentile(0.50))
        case 21: return n(m.latency.percentile(0.95))
        case 22: return n(m.latency.percentile(0.99))
        case 23: return num(m.unpriced)
        case GroupRows.featuresColumn where withFeatures: return featureCount.map { .number(Double($0)) } ?? .empty
        default: preconditionFailure("no column \(c) in a \(dimension.name) view")
        }
    }

    /// `api_key:00a1…`: row `r`'s identity.
    public func rowID(_ r: Int) -> String {
        switch storage {
        case .rows(let rows): return GroupID.rowID(dimension, rows[r].id)
        case .columns(let c): return GroupID.rowID(dimension, c.id(r))
        }
    }

    /// The row of the group `rowID` names, if it is one of these.
    public func row(withID rowID: String) -> Int? {
        guard let (d, id) = GroupID.parse(rowID: rowID), d == dimension else { return nil }
        switch storage {
        case .rows(let rows): return rows.firstIndex { $0.id == id }
        case .columns(let c): return c.row(withID: id)
        }
    }

    /// True when row `a` comes before row `b` in view order (by index when the rows came ordered).
    public func precedes(_ a: Int, _ b: Int) -> Bool {
        if ordered { return a < b }
        switch storage {
        case .rows(let rows):
            let x = rows[a], y = rows[b]
            if GroupRow.viewOrder(x, y) { return true }
            if GroupRow.viewOrder(y, x) { return false }
            return a < b
        case .columns(let c):
            return c.precedes(a, b)
        }
    }
}
