/// The ways a request's price or fate differs from an ordinary one, as the savings advisor reprices
/// requests: failed, sent as batch, marked batch-eligible, input above the tier threshold. The rollup
/// keeps feature×model cells per class only for requests with a bit set (few), so an ordinary
/// request costs the ingest loop one test; the ordinary part is the pair's total minus those cells.
public struct RequestClass: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Status is an error.
    public static let error = RequestClass(rawValue: 1)
    /// Sent through a batch API (`batch: true`), so billed at batch rates.
    public static let batch = RequestClass(rawValue: 2)
    /// `batch_eligible: true`: latency-tolerant work.
    public static let batchEligible = RequestClass(rawValue: 4)
    /// Input above `ModelPrice.tierThreshold`: billed at a tiered model's `*_above_200k_tokens` rates.
    public static let aboveTier = RequestClass(rawValue: 8)
    public static let ordinary: RequestClass = []

    /// Bits above the model id in a class cell's second id (model ids stay far below 2^27).
    static let shift: Int32 = 27
    static let modelMask: Int32 = (1 << shift) - 1

    @inline(__always)
    static func of(_ e: borrowing InternedEvent) -> RequestClass {
        var bits: UInt8 = e.isError ? 1 : 0
        if e.batch { bits |= 2 }
        if e.batchEligible { bits |= 4 }
        if e.inputTokens > ModelPrice.tierThreshold { bits |= 8 }
        return RequestClass(rawValue: bits)
    }

    /// The class table's second id: the model and the class bits (a model id past the mask folds into `(other)`).
    @inline(__always)
    static func pack(model: Int32, _ c: RequestClass) -> Int32 {
        let m = model >= 0 && model <= modelMask ? model : Interner.otherID
        return m | Int32(c.rawValue) << shift
    }

    public static func unpack(_ packed: Int32) -> (model: Int32, requestClass: RequestClass) {
        (packed & modelMask, RequestClass(rawValue: UInt8(truncatingIfNeeded: packed >> shift)))
    }

    public var isError: Bool { contains(.error) }
    public var isBatch: Bool { contains(.batch) }
    public var isAboveTier: Bool { contains(.aboveTier) }

    /// `error+batch`, `ordinary`.
    public var description: String {
        let names = [(RequestClass.error, "error"), (.batch, "batch"), (.batchEligible, "batch_eligible"),
                     (.aboveTier, "above_tier")].filter { contains($0.0) }.map(\.1)
        return names.isEmpty ? "ordinary" : names.joined(separator: "+")
    }
}
