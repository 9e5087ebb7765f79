import CCurl
import Foundation
import SpendCore

/// An SSE (`text/event-stream`) or NDJSON stream over HTTP(S): reconnects with capped exponential
/// backoff and jitter, resumes SSE with `Last-Event-ID`, and saves that id with the events it ends.
final class HTTPStreamSource {
    let url: String
    let positionKey: String

    init(url: String) {
        self.url = url
        positionKey = "sse:" + SourceSpec.redact(url) + "#" + String(ByteHash.hash(url), radix: 16)
    }

    func run(_ ctx: SourceContext) {
        var parser = ServerSentEventParser(lastEventID: ctx.savedPositions[positionKey],
                                           maxEventBytes: ctx.settings.maxLineBytes)
        var failures = 0
        var stalled = false
        let positionKey = self.positionKey
        let finiteIdle = min(ctx.settings.finiteIdleSeconds, ctx.settings.idleTimeoutSeconds)
        while !ctx.isStopping {
            ctx.setState(.connecting)
            var headers = ctx.settings.headers
            headers.append(("Accept", "text/event-stream, application/x-ndjson;q=0.9, */*;q=0.5"))
            if let id = parser.lastEventID { headers.append(("Last-Event-ID", id)) }
            let transfer = CurlTransfer(url: url, headers: headers, insecure: ctx.settings.insecure,
                                        keepAliveSeconds: max(1, min(60, Int(ctx.settings.idleTimeoutSeconds / 3))))
            var isSSE: Bool?
            // Connecting counts as silence too: a server that accepts and never answers is stalled.
            var lastData = Date()
            var idledOut = false
            var stalledOut = false
            var oversizedSeen = parser.oversized
            var sentBytes = false
            transfer.shouldAbort = {
                if ctx.isStopping { return true }
                let idle = Date().timeIntervalSince(lastData)
                if !ctx.follow && idle > finiteIdle {
                    idledOut = true
                    return true
                }
                // No byte, comment or heartbeat for the idle timeout: a stall or a silent partition.
                if ctx.follow && idle > ctx.settings.idleTimeoutSeconds {
                    stalledOut = true
                    return true
                }
                return false
            }
            transfer.onData = { chunk, t in
                lastData = Date()
                if stalled {
                    stalled = false
                    ctx.setStalled(false)
                }
                if isSSE == nil {
                    isSSE = (t.contentType ?? "").lowercased().contains("event-stream")
                    ctx.setState(.live)
                    ctx.setError(nil)
                    failures = 0
                }
                if isSSE == true {
                    var records: [[UInt8]] = []
                    parser.feed(chunk) { records.append($0.data) }
                    if parser.oversized > oversizedSeen {
                        ctx.emit(.rejects(.lineTooLong, Int64(parser.oversized - oversizedSeen)), stream: positionKey)
                        oversizedSeen = parser.oversized
                    }
                    if !records.isEmpty {
                        return ctx.emit(.records(records), stream: positionKey, position: parser.lastEventID)
                    }
                    return !ctx.isStopping
                }
                sentBytes = true
                return ctx.emit(.bytes([UInt8](chunk), endOffset: nil), stream: positionKey)
            }
            let outcome = transfer.perform()
            if ctx.isStopping { break }
            // NDJSON: a clean end completes the last line; a dropped connection's half line is dropped.
            if sentBytes { ctx.emit(outcome.ok ? .endOfStream : .truncated, stream: positionKey) }
            if idledOut || (outcome.ok && !ctx.follow) {
                ctx.setState(.ended)
                return
            }
            let delay: Double
            if outcome.ok {
                // The server ended the stream: come back soon, as EventSource does; a server's
                // `retry:` is honoured up to the backoff cap, never days.
                delay = min(ctx.settings.backoffCapSeconds,
                            Double(parser.retryMs ?? Int(ctx.settings.backoffBaseSeconds * 1000)) / 1000)
            } else {
                failures += 1
                if stalledOut {
                    stalled = true
                    let idle = ctx.settings.idleTimeoutSeconds
                    ctx.setStalled(reason: String(format: "stalled: nothing received for %.0f s; reconnecting", idle))
                } else {
                    ctx.setError(outcome.message)
                }
                if !ctx.follow && failures >= ctx.settings.finiteAttempts {
                    ctx.setState(.failed)
                    return
                }
                let base = parser.retryMs.map { Double($0) / 1000 } ?? ctx.settings.backoffBaseSeconds
                let capped = min(ctx.settings.backoffCapSeconds, base * pow(2, Double(failures - 1)))
                delay = capped * Double.random(in: 0.5...1.0)
            }
            ctx.setState(.retrying(atMs: Int64((Date().timeIntervalSince1970 + delay) * 1000)))
            if !ctx.sleep(delay) { break }
            parser.reconnected()
        }
    }
}
