import Foundation
import SpendCore

/// Scrapes a Prometheus text page (DCGM exporter, vLLM) every interval into GPU samples.
final class PrometheusSource {
    let url: String
    var scrape = PrometheusScrape()
    static let maxPageBytes = 32 << 20

    init(url: String) { self.url = url }

    /// The page's lines that are UTF-8, and how many were not: one bad line costs that line, not the scrape.
    static func validLines(_ body: [UInt8]) -> (String, invalid: Int) {
        if let text = String(validating: body, as: UTF8.self) { return (text, 0) }
        var out = "", invalid = 0
        for line in body.split(separator: 10, omittingEmptySubsequences: false) {
            if let s = String(validating: line, as: UTF8.self) { out += s; out += "\n" } else { invalid += 1 }
        }
        return (out, invalid)
    }

    func run(_ ctx: SourceContext) {
        let node = URL(string: url).flatMap { u in u.host.map { h in u.port.map { "\(h):\($0)" } ?? h } } ?? "prometheus"
        var failures = 0
        while !ctx.isStopping {
            let transfer = CurlTransfer(url: url, headers: ctx.settings.headers + [("Accept", "text/plain;version=0.0.4")],
                                        insecure: ctx.settings.insecure, timeoutSeconds: 10)
            var body: [UInt8] = []
            var tooBig = false
            transfer.shouldAbort = { ctx.isStopping }
            transfer.onData = { chunk, _ in
                if body.count + chunk.count > PrometheusSource.maxPageBytes { tooBig = true; return false }
                body.append(contentsOf: chunk)
                return true
            }
            let outcome = transfer.perform()
            if ctx.isStopping { return }
            var delay = ctx.settings.scrapeIntervalSeconds
            if outcome.ok, let (text, invalid) = Optional(PrometheusSource.validLines(body)) {
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let samples = scrape.samples(from: text, atMs: now, defaultNode: node)
                if invalid > 0 { ctx.emit(.rejects(.invalidUTF8, Int64(invalid))) }
                if scrape.lastRejected > 0 { ctx.emit(.rejects(.unreadableMetric, Int64(scrape.lastRejected))) }
                if !samples.isEmpty { ctx.emit(.decoded([.gpu(samples)], format: "prometheus")) }
                failures = 0
                ctx.setState(ctx.follow ? .live : .ended)
                ctx.setError(samples.isEmpty ? "no DCGM or vLLM metrics on the page" : nil)
            } else {
                failures += 1
                ctx.setError(tooBig ? "page larger than 32 MB" : outcome.message)
                if !ctx.follow {
                    if failures >= ctx.settings.finiteAttempts || outcome.ok || tooBig { ctx.setState(.failed); return }
                    delay = min(ctx.settings.backoffCapSeconds, ctx.settings.backoffBaseSeconds * pow(2, Double(failures - 1)))
                } else {
                    delay = min(ctx.settings.scrapeIntervalSeconds,
                                ctx.settings.backoffBaseSeconds * pow(2, Double(failures - 1))) * Double.random(in: 0.5...1.0)
                }
                ctx.setState(.retrying(atMs: Int64((Date().timeIntervalSince1970 + delay) * 1000)))
            }
            if !ctx.follow && failures == 0 { return }
            if !ctx.sleep(delay) { return }
        }
    }
}
