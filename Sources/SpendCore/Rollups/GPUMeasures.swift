/// Per-GPU sums over a bucket; averages are sums ÷ samples, per reading (a missing reading is not a 0).
public struct GPUMeasures: Sendable {
    public var samples: Int64 = 0
    public var utilSum = 0.0, utilCount: Int64 = 0
    public var memUsedSum = 0.0, memUsedCount: Int64 = 0
    public var memTotalSum = 0.0, memTotalCount: Int64 = 0
    public var powerSum = 0.0, powerCount: Int64 = 0
    public var queueSum = 0.0, queueCount: Int64 = 0
    public var kvCacheSum = 0.0, kvCacheCount: Int64 = 0
    public var prefixHitSum = 0.0, prefixHitCount: Int64 = 0
    public var runningSum = 0.0, runningCount: Int64 = 0

    public init() {}

    public mutating func add(_ s: GPUSample) {
        samples += 1
        if let v = s.utilPct { utilSum += v; utilCount += 1 }
        if let v = s.memUsedMB { memUsedSum += v; memUsedCount += 1 }
        if let v = s.memTotalMB { memTotalSum += v; memTotalCount += 1 }
        if let v = s.powerW { powerSum += v; powerCount += 1 }
        if let v = s.queueDepth { queueSum += v; queueCount += 1 }
        if let v = s.kvCachePct { kvCacheSum += v; kvCacheCount += 1 }
        if let v = s.prefixCacheHitRate { prefixHitSum += v; prefixHitCount += 1 }
        if let v = s.runningRequests { runningSum += v; runningCount += 1 }
    }

    public mutating func merge(_ o: GPUMeasures) {
        samples += o.samples
        utilSum += o.utilSum; utilCount += o.utilCount
        memUsedSum += o.memUsedSum; memUsedCount += o.memUsedCount
        memTotalSum += o.memTotalSum; memTotalCount += o.memTotalCount
        powerSum += o.powerSum; powerCount += o.powerCount
        queueSum += o.queueSum; queueCount += o.queueCount
        kvCacheSum += o.kvCacheSum; kvCacheCount += o.kvCacheCount
        prefixHitSum += o.prefixHitSum; prefixHitCount += o.prefixHitCount
        runningSum += o.runningSum; runningCount += o.runningCount
    }

    public var utilPct: Double? { utilCount > 0 ? utilSum / Double(utilCount) : nil }
    public var memUsedMB: Double? { memUsedCount > 0 ? memUsedSum / Double(memUsedCount) : nil }
    public var memTotalMB: Double? { memTotalCount > 0 ? memTotalSum / Double(memTotalCount) : nil }
    public var powerW: Double? { powerCount > 0 ? powerSum / Double(powerCount) : nil }
    public var queueDepth: Double? { queueCount > 0 ? queueSum / Double(queueCount) : nil }
    public var kvCachePct: Double? { kvCacheCount > 0 ? kvCacheSum / Double(kvCacheCount) : nil }
    public var prefixCacheHitRate: Double? { prefixHitCount > 0 ? prefixHitSum / Double(prefixHitCount) : nil }
    public var runningRequests: Double? { runningCount > 0 ? runningSum / Double(runningCount) : nil }
}
