/// The readings of one GPU (or one inference engine) over one minute, as a remote engine averaged them:
/// what a rollup's `MinuteBucket.gpus` holds. Each reading is one averaged sample (`…Count` = 1), so a
/// window's average is the mean of its minutes.
public struct RemoteGPUCell: Sendable {
    public var minute: Int64
    /// `node:gpu` (DCGM `Hostname:gpu`, vLLM `instance:vllm<engine>`).
    public var gpu: DimensionValue
    public var measures: GPUMeasures

    public init(minute: Int64, gpu: DimensionValue, measures: GPUMeasures) {
        self.minute = minute
        self.gpu = gpu
        self.measures = measures
    }
}

/// Per-minute GPU cells kept so that a poll replaces the minutes it read again (see `RemoteCellWindow`).
public struct RemoteGPUWindow: Sendable {
    public private(set) var minutes: [Int64: [DimensionValue: GPUMeasures]] = [:]

    public init() {}

    /// Makes `cells` the whole content of minutes `range`.
    public mutating func replace(minutes range: ClosedRange<Int64>, with cells: [RemoteGPUCell]) {
        for m in minutes.keys where range.contains(m) { minutes[m] = nil }
        for c in cells where range.contains(c.minute) {
            minutes[c.minute, default: [:]][c.gpu, default: GPUMeasures()].merge(c.measures)
        }
    }

    public mutating func trim(before minute: Int64) {
        for m in minutes.keys where m < minute { minutes[m] = nil }
    }

    public var newestMinute: Int64? { minutes.keys.max() }

    /// Sums per GPU over minutes `[start, end]`.
    public func sum(fromMinute start: Int64, toMinute end: Int64) -> [DimensionValue: GPUMeasures] {
        var out: [DimensionValue: GPUMeasures] = [:]
        for (m, gpus) in minutes where m >= start && m <= end {
            for (g, v) in gpus { out[g, default: GPUMeasures()].merge(v) }
        }
        return out
    }
}
