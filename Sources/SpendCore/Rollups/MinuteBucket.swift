/// All rollup cells of one minute: one `CellTable` per kept grouping, plus GPU readings.
public final class MinuteBucket {
    public let minute: Int64
    public var tables: [CellTable]
    public var gpus = [Int32: GPUMeasures]()

    init(minute: Int64, groupings: Int) {
        self.minute = minute
        tables = Array(repeating: CellTable(), count: groupings)
    }

    public var memoryBytes: Int { tables.reduce(0) { $0 + $1.memoryBytes } + gpus.count * 120 }
}
