/// Turns the answers of `PromQLQueries.dcgm` and `.vllm` into per-minute GPU cells, reading the gauges as the
/// `prom:` scrape does (memory total = used + free, KV-cache use in %, prefix-cache hit rate = hits ÷ queries).
public enum PromQLGPUCells {
    public static func cells(dcgm: PromQLAnswer?, vllm: PromQLAnswer?, grid: PromQLGrid,
                             mapping: PromQLMapping) -> [RemoteGPUCell] {
        struct Key: Hashable { let gpu: String; let cell: Int }
        var readings: [Key: GPUSample] = [:]
        var fbFree: [Key: Double] = [:]
        var hits: [Key: Double] = [:], queries: [Key: Double] = [:]
        var order: [Key] = []
        func reading(_ key: Key, node: String, gpu: String) {
            if readings[key] == nil {
                readings[key] = GPUSample(timestampMs: grid.minute(key.cell) * 60_000, node: node, gpu: gpu)
                order.append(key)
            }
        }
        /// Every finite point of `answer` on the grid, with its reading's key and gauge name (`spendtop_m`).
        func points(_ answer: PromQLAnswer?, node: (PromQLSeries) -> (String, String)?,
                    _ body: (Key, String, Double) -> Void) {
            for s in answer?.series ?? [] {
                guard let (n, g) = node(s) else { continue }
                let m = s.labels["spendtop_m"] ?? ""
                for (t, v) in zip(s.timestampsMs, s.values) where v.isFinite {
                    guard let k = grid.cell(endingAtMs: t) else { continue }
                    let key = Key(gpu: n + ":" + g, cell: k)
                    reading(key, node: n, gpu: g)
                    body(key, m, v)
                }
            }
        }
        points(dcgm, node: { s in
            guard let host = PromQLMapping.value(s.labels, mapping.gpuHostLabel) else { return nil }
            return (host, PromQLMapping.value(s.labels, mapping.gpuIndexLabel) ?? "0")
        }) { key, m, v in
            switch m {
            case "util": readings[key]!.utilPct = v
            case "fb_used": readings[key]!.memUsedMB = v
            case "fb_free": fbFree[key] = v
            case "power": readings[key]!.powerW = v
            default: break
            }
        }
        points(vllm, node: { s in
            (PromQLMapping.value(s.labels, mapping.vllmNodeLabel) ?? "vllm",
             "vllm" + (PromQLMapping.value(s.labels, mapping.vllmEngineLabel) ?? ""))
        }) { key, m, v in
            switch m {
            case "waiting": readings[key]!.queueDepth = v
            case "running": readings[key]!.runningRequests = v
            case "kv": readings[key]!.kvCachePct = v * 100
            case "hits": hits[key] = v
            case "queries": queries[key] = v
            default: break
            }
        }
        for (key, free) in fbFree {
            if let used = readings[key]?.memUsedMB { readings[key]!.memTotalMB = used + free }
        }
        for (key, q) in queries where q > 0 {
            if let h = hits[key], h >= 0 { readings[key]!.prefixCacheHitRate = min(1, h / q) }
        }
        return order.map { key in
            let r = readings[key]!
            var m = GPUMeasures()
            m.add(r)
            let gpu = DimensionValue(raw: r.groupName, dimension: .gpu)
            return RemoteGPUCell(minute: grid.minute(key.cell), gpu: gpu, measures: m)
        }
    }
}
