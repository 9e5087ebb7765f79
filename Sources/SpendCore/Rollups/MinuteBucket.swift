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

    /// Minutes the bucket covers from `minute` on: 1, or a compaction tier's span (`TimeCompaction.swift`).
    public internal(set) var span: Int64 = 1

    init(minute: Int64, groupings: Int, span: Int64 = 1) {
        self.minute = minute
        self.span = span
        tables = Array(repeating: CellTable(), count: groupings)
    }

    /// Adds another bucket's cells (a minute folded into this span).
    func absorb(_ other: MinuteBucket) {
        for slot in tables.indices {
            let t = other.tables[slot]
            for i in 0..<t.keys.count {
                let (a, b) = CellTable.ids(t.keys[i])
                tables[slot].merge(a, b, t.cells[i])
            }
        }
        for i in 0..<other.classes.keys.count {
            let (a, b) = CellTable.ids(other.classes.keys[i])
            classes.merge(a, b, other.classes.cells[i])
        }
        // GPU readings stay minute by minute (idle GPU-hours are counted on the minutes sampled).
        for (m, readings) in other.gpuByMinute { gpuByMinute[m] = readings }
        if !other.gpus.isEmpty { gpuByMinute[other.minute] = other.gpus }
    }

    /// A folded bucket's GPU readings per minute (empty while `span` is 1: `gpus` holds the minute's).
    public internal(set) var gpuByMinute: [Int64: [Int32: GPUMeasures]] = [:]

    /// The GPU readings of one of the bucket's minutes.
    public func gpuReadings(minute m: Int64) -> [Int32: GPUMeasures] {
        span == 1 ? (m == minute ? gpus : [:]) : gpuByMinute[m] ?? [:]
    }

    /// Each minute of `[start, end]` in this bucket that holds GPU readings, in time order.
    func forEachGPUMinute(from start: Int64, to end: Int64, _ body: (Int64, [Int32: GPUMeasures]) -> Void) {
        if span == 1 {
            if !gpus.isEmpty && minute >= start && minute <= end { body(minute, gpus) }
            return
        }
        for (m, readings) in gpuByMinute.sorted(by: { $0.key < $1.key }) where m >= start && m <= end {
            body(m, readings)
        }
    }

    public var memoryBytes: Int {
        tables.reduce(0) { $0 + $1.memoryBytes } + classes.memoryBytes
            + (gpus.count + gpuByMinute.values.reduce(0) { $0 + $1.count }) * 120
    }
}
