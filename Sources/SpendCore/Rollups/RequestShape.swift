/// One request's part of the typical-request sums (`Measures.shapedRequests`), computed once per event rather
/// than once for every grouping's cell it lands in: the ln is the costly part of adding an event.
public struct RequestShape: Sendable {
    /// 1 for a request with input tokens (the ones the sums are over), else 0 with both values 0.
    public var counted: Int64 = 0
    public var logTokens = 0.0
    public var cacheShare = 0.0

    /// No part: for a rollup that keeps no typical-request sums.
    public init() {}

    @inline(__always)
    public init(_ e: borrowing InternedEvent) {
        guard e.inputTokens > 0 else { return }
        counted = 1
        logTokens = Measures.logTokens(input: e.inputTokens, output: e.outputTokens)
        cacheShare = Measures.cacheShare(input: e.inputTokens, cacheRead: e.cacheReadTokens)
    }
}
