import CCurl
import Foundation
import SpendCore

/// `/api/v1/query_range` and `/api/v1/query` over libcurl (TLS as for HTTP sources). Every failure is a
/// `PromQLFailure` with one masked line: the engine's own error, an HTTP status, a timeout, an answer too big.
public final class PromQLClient: @unchecked Sendable {
    public let settings: PromQLSettings
    /// Checked while a request is in flight: true aborts it (the poller stopping).
    public var shouldAbort: () -> Bool = { false }
    /// Requests sent and answer bytes read, for `check` and the bench (requests may run on several threads).
    public var requests: Int { lock.lock(); defer { lock.unlock() }; return counts.requests }
    public var bytesRead: Int { lock.lock(); defer { lock.unlock() }; return counts.bytes }
    private var counts = (requests: 0, bytes: 0)
    private let lock = NSLock()

    public init(settings: PromQLSettings) {
        self.settings = settings
    }

    /// A matrix: one series per group, points every `stepSeconds` from `start` to `end` (epoch seconds).
    public func queryRange(_ query: String, startSeconds: Int64, endSeconds: Int64,
                           stepSeconds: Int64) throws -> PromQLAnswer {
        try get("/api/v1/query_range", [("query", query), ("start", String(startSeconds)), ("end", String(endSeconds)),
                                         ("step", String(stepSeconds))])
    }

    /// An instant vector at `atSeconds` (now when nil), each series with one point.
    public func query(_ query: String, atSeconds: Int64? = nil) throws -> PromQLAnswer {
        var params = [("query", query)]
        if let t = atSeconds { params.append(("time", String(t))) }
        return try get("/api/v1/query", params)
    }

    /// RFC 3986 unreserved characters only: a `+` in PromQL must not reach the engine as a space.
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "abcdefghijklmnopqrstuvwxyz"
                                                       + "0123456789-._~")

    static func encode(_ params: [(String, String)]) -> String {
        params.map { k, v in
            k + "=" + (v.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "")
        }.joined(separator: "&")
    }

    func get(_ path: String, _ params: [(String, String)]) throws -> PromQLAnswer {
        let url = settings.baseURL + path + "?" + PromQLClient.encode(params)
        let transfer = CurlTransfer(url: url, headers: settings.headers + [("Accept", "application/json")],
                                    insecure: settings.insecure, timeoutSeconds: settings.timeoutSeconds)
        transfer.failOnHTTPError = false
        var body: [UInt8] = []
        var tooBig = false
        let limit = settings.maxBodyBytes
        transfer.shouldAbort = { [shouldAbort] in shouldAbort() }
        transfer.onData = { chunk, _ in
            if body.count + chunk.count > limit { tooBig = true; return false }
            body.append(contentsOf: chunk)
            return true
        }
        let outcome = transfer.perform()
        lock.lock()
        counts.requests += 1
        counts.bytes += body.count
        lock.unlock()
        if tooBig {
            throw PromQLFailure(.tooLarge,
                                "answer larger than \(limit >> 20) MB: too many series; narrow [promql] matchers")
        }
        guard outcome.ok else {
            let reason = outcome.code == CURLE_OPERATION_TIMEDOUT
                ? "no answer within \(Int(settings.timeoutSeconds)) s" : outcome.message
            throw PromQLFailure(.transport, settings.mask("\(settings.name): \(reason)"))
        }
        do {
            return try PromQLDecoder.decode(body, httpStatus: outcome.status)
        } catch let f as PromQLFailure {
            throw PromQLFailure(f.kind, settings.mask(f.message))
        }
    }
}
