/// What one source has delivered: lines, events, GPU samples, duplicates and rejects by reason.
public struct SourceStats: Sendable, Equatable {
    public var lines: Int64 = 0
    public var bytes: Int64 = 0
    public var events: Int64 = 0
    public var gpuSamples: Int64 = 0
    public var duplicates: Int64 = 0
    /// Records that replaced their request's counted record (the request still counts once).
    public var superseded: Int64 = 0
    /// Well-formed lines deliberately not counted, by reason.
    public var skipped: [SkipReason: Int64] = [:]
    public var expired: Int64 = 0
    public var rejects: [RejectReason: Int64] = [:]
    /// Lines per detected format (`native`, `litellm`, …).
    public var formats: [String: Int64] = [:]
    public var firstMs: Int64?
    public var lastMs: Int64?

    public init() {}

    public var rejected: Int64 { rejects.values.reduce(0, +) }

    mutating func noteTime(_ ms: Int64) {
        if firstMs.map({ ms < $0 }) ?? true { firstMs = ms }
        if lastMs.map({ ms > $0 }) ?? true { lastMs = ms }
    }
}
