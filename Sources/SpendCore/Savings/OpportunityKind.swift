/// The levers the savings advisor puts a price on (docs/savings.md has each formula).
public enum OpportunityKind: String, CaseIterable, Sendable {
    /// Spend recorded on requests whose status is an error (exact).
    case failedRequests = "failed_requests"
    /// Simple requests on a model with a cheaper sibling, repriced on the same tokens.
    case rightSize = "right_size"
    /// Long prompts with a cache hit ratio below the target, on a model whose cache reads are cheaper.
    case promptCache = "prompt_cache"
    /// Latency-tolerant requests sent at standard rates instead of batch rates.
    case batch
    /// GPU-hours under the utilisation threshold, at the GPU-hour price.
    case idleGPU = "idle_gpu"
}
