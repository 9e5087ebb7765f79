/// A group view's rows (`ViewResult.rows`) as table cells, each cell made when it is read: a pane shows one page
/// of a day's 20k keys, and formatting every row four times a second cost more than reading them.
/// The columns are `GroupRows.columns(dimension)`: the name, `ExportView.measureColumns`, and for keys the
/// number of features.
public struct GroupRows: Sendable {
    public let rows: [GroupRow]
    public let dimension: Dimension
    /// True when `rows` come in view order (`GroupRow.viewOrder`); otherwise the table orders them when read.
    public let ordered: Bool
    let withFeatures: Bool

    public init(_ result: ViewResult, dimension: Dimension) {
        rows = result.rows
        self.dimension = dimension
        ordered = result.ordered
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

    public var count: Int { rows.count }
    var columnCount: Int { 1 + ExportView.measureColumns.count + (withFeatures ? 1 : 0) }

    /// Row `r`'s cells, in column order.
    public func cells(_ r: Int) -> [ViewTable.Cell] {
        var out = [ViewTable.Cell]()
        out.reserveCapacity(columnCount)
        for c in 0..<columnCount { out.append(cell(r, c)) }
        return out
    }

    /// Row `r`'s cell in column `c` (what `cells(r)[c]` holds), without the others.
    public func cell(_ r: Int, _ c: Int) -> ViewTable.Cell {
        let row = rows[r], m = row.measures
        func n(_ v: Double?) -> ViewTable.Cell { v.map { .number($0) } ?? .empty }
        func pct(_ v: Double?) -> ViewTable.Cell { n(v.map { $0 * 100 }) }
        func num(_ v: Int64) -> ViewTable.Cell { .number(Double(v)) }
        // Never silently $0: a group none of whose requests could be priced has no spend figure.
        func money(_ v: @autoclosure () -> Double) -> ViewTable.Cell {
            m.requests > 0 && m.unpriced == m.requests && m.spend == 0 ? .empty : .number(v())
        }
        switch c {
        case 0: return .text(row.name)
        case 1: return money(m.spend)
        case 2: return money(row.share * 100)
        case 3: return money(row.spendPerHour)
        case 4: return money(row.projectedPerDay)
        case 5: return num(m.requests)
        case 6: return .number(row.requestsPerSecond)
        case 7: return .number(row.inputTokensPerSecond)
        case 8: return .number(row.outputTokensPerSecond)
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
        case 24 where withFeatures: return row.featureCount.map { .number(Double($0)) } ?? .empty
        default: preconditionFailure("no column \(c) in a \(dimension.name) view")
        }
    }

    /// `api_key:00a1…`: row `r`'s identity.
    public func rowID(_ r: Int) -> String { GroupID.rowID(dimension, rows[r].id) }

    /// The row of the group `rowID` names, if it is one of these.
    public func row(withID rowID: String) -> Int? {
        guard let (d, id) = GroupID.parse(rowID: rowID), d == dimension else { return nil }
        return rows.firstIndex { $0.id == id }
    }

    /// True when row `a` comes before row `b` in view order (by index when the rows came ordered).
    public func precedes(_ a: Int, _ b: Int) -> Bool {
        if ordered { return a < b }
        let x = rows[a], y = rows[b]
        if GroupRow.viewOrder(x, y) { return true }
        if GroupRow.viewOrder(y, x) { return false }
        return a < b
    }
}
