/// One series of a PromQL answer: its labels and its points (timestamps in ms, values as the engine gave them).
public struct PromQLSeries: Sendable, Equatable {
    public var labels: [String: String]
    public var timestampsMs: [Int64]
    public var values: [Double]

    public init(labels: [String: String], timestampsMs: [Int64] = [], values: [Double] = []) {
        self.labels = labels
        self.timestampsMs = timestampsMs
        self.values = values
    }
}

/// A successful answer of `/api/v1/query_range` (a matrix) or `/api/v1/query` (a vector or scalar, read as
/// one-point series), with the engine's warnings.
public struct PromQLAnswer: Sendable, Equatable {
    public var series: [PromQLSeries]
    public var warnings: [String]

    public init(series: [PromQLSeries], warnings: [String] = []) {
        self.series = series
        self.warnings = warnings
    }
}

/// Why a PromQL request gave no answer, as one line fit for the header and `!` (never a credential).
public struct PromQLFailure: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// The engine answered `"status":"error"` (bad_data, execution, timeout, too many samples…).
        case engine(String)
        /// An HTTP error without an engine message (a proxy's 502, an auth gateway's 401).
        case http(Int)
        /// The connection failed or timed out; worth reconnecting.
        case transport
        /// The body was not a PromQL answer.
        case unreadable
        /// The answer was larger than the configured bound (too many series).
        case tooLarge
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// A failure the next poll may not have (the network, the engine being busy) rather than a query it refuses.
    public var isTransient: Bool {
        switch kind {
        case .transport: return true
        case .http(let s): return s == 429 || s >= 500
        case .engine(let t): return t == "timeout" || t == "unavailable" || t == "canceled"
        case .unreadable, .tooLarge: return false
        }
    }
}
