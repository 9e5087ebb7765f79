/// One utilization reading of one GPU (native `kind:"gpu"` lines, DCGM scrapes, nvidia-smi CSV).
public struct GPUSample: Equatable, Sendable {
    public var timestampMs: Int64
    public var node: String
    public var gpu: String
    public var utilPct: Double?
    public var memUsedMB: Double?
    public var memTotalMB: Double?
    public var powerW: Double?
    public var queueDepth: Double?
    /// Inference-server readings (vLLM): KV-cache use in %, prefix-cache hit rate 0–1 since the
    /// previous scrape, requests in the running batch.
    public var kvCachePct: Double?
    public var prefixCacheHitRate: Double?
    public var runningRequests: Double?

    public init(timestampMs: Int64, node: String, gpu: String, utilPct: Double? = nil, memUsedMB: Double? = nil,
                memTotalMB: Double? = nil, powerW: Double? = nil, queueDepth: Double? = nil,
                kvCachePct: Double? = nil, prefixCacheHitRate: Double? = nil, runningRequests: Double? = nil) {
        self.kvCachePct = kvCachePct
        self.prefixCacheHitRate = prefixCacheHitRate
        self.runningRequests = runningRequests
        self.timestampMs = timestampMs
        self.node = node
        self.gpu = gpu
        self.utilPct = utilPct
        self.memUsedMB = memUsedMB
        self.memTotalMB = memTotalMB
        self.powerW = powerW
        self.queueDepth = queueDepth
    }

    /// The GPU's name in the `gpu` dimension: `node:index`.
    public var groupName: String { "\(node):\(gpu)" }
}
