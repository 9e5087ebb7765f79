/// All rollup cells of one minute: one `CellTable` per kept grouping, plus GPU readings.
public final class MinuteBucket {
    public let minute: Int64
    public var tables: [CellTable]
    /// Feature×model cells per `RequestClass` for requests with a class bit set (with the feature×model grouping).
    public var classes = CellTable()
    public var gpus = [Int32: GPUMeasures]()
    /// Set whenever the minute's cells, request ids or standing records change: the store's checkpoint
    /// rewrites only these minutes (a late event makes its old minute change again).
    public internal(set) var changed = true

    init(minute: Int64, groupings: Int) {
        self.minute = minute
        tables = Array(repeating: CellTable(), count: groupings)
    }

    public var memoryBytes: Int { tables.reduce(0) { $0 + $1.memoryBytes } + classes.memoryBytes + gpus.count * 120 }
}
