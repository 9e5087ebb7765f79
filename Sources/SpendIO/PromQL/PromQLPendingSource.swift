import SpendCore

/// A `promql:` SOURCE in the event feed. The engine's series are never copied as events: views will read
/// them by pushdown (`PromQLReader`) through the query boundary (issue 10 Part A). Until that is wired, the
/// feed checks that the engine answers and reports the source as not readable here, so `check` and the
/// header say why it shows nothing instead of looking healthy and empty.
final class PromQLPendingSource {
    let url: String

    init(url: String) { self.url = url }

    func run(_ ctx: SourceContext) {
        ctx.setState(.connecting)
        do {
            var settings = try PromQLSettings(url: url)
            settings.insecure = ctx.settings.insecure
            for (k, v) in ctx.settings.headers { settings.addSecretHeader(k, v) }
            settings.timeoutSeconds = 10
            let client = PromQLClient(settings: settings)
            client.shouldAbort = { ctx.isStopping }
            _ = try client.query("sum(vector(1))")
            ctx.setError("\(settings.name): the engine answers; promql: is read by server-side aggregation, "
                         + "which this command does not read yet")
        } catch {
            ctx.setError("\(error)")
        }
        ctx.setState(.failed)
    }
}
