import SpendCore

/// A `postgres://` SOURCE in the event feed. Its rows are never copied: views will read it by
/// pushdown through the query boundary (issue 10 Part A). Until that is wired, the feed connects,
/// checks the table, and reports the source as not readable here, so `check` and the header say
/// why it shows nothing instead of looking healthy and empty.
final class PostgresPendingSource {
    let url: String
    let table: String?

    init(url: String, table: String?) {
        self.url = url
        self.table = table
    }

    func run(_ ctx: SourceContext) {
        ctx.setState(.connecting)
        do {
            let logs = try PostgresSpendLogs(connection: try PostgresConnection(url: url), table: table ?? "LiteLLM_SpendLogs")
            _ = logs.schema
            ctx.setError("\(PostgresURL.redact(url)): connected to \(table ?? "LiteLLM_SpendLogs"); postgres:// is answered "
                         + "by server-side aggregates, which this command does not read yet")
        } catch {
            ctx.setError("\(error)")
        }
        ctx.setState(.failed)
    }
}
