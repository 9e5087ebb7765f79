import SpendCore

/// What one pane shows: its table (the export writer's model), row trends, and the filters it was
/// answered with (fewer than the drill path when the backend cannot answer them all together).
public struct PaneData: Sendable {
    public var table: ViewTable
    /// Spend per minute per group (the rows' ids), for the sparklines.
    public var trends: [GroupID: [Double]]
    public var filters: [ViewQuery.Filter]
    /// Set when the pane could not apply the whole drill path: "all features".
    public var scopeNote: String?

    public init(table: ViewTable, trends: [GroupID: [Double]] = [:], filters: [ViewQuery.Filter] = [],
                scopeNote: String? = nil) {
        self.table = table
        self.trends = trends
        self.filters = filters
        self.scopeNote = scopeNote
    }
}
