import SpendCore

/// The one aggregate spendtop sends for a grouping of LiteLLM_SpendLogs over a window: rows are
/// read, reduced to the numbers a rollup cell holds and summed on the server, per minute
/// (`GROUP BY date_trunc('minute', "startTime")`) and per value of each dimension. Every value is
/// derived exactly as `LiteLLMSpendLogsImporter` derives it from the same row, so the answer equals
/// what the `sqlite:` source computes from the same rows (tested). No raw row ever leaves the server.
///
/// Parameters: `$1`, `$2` the window `[start, end)` in epoch ms, `$3` the latency bucket bounds
/// (when latency is kept), then two per filter (text[] of raw values, and whether `(none)` matches).
public struct SpendLogsSQL: Sendable {
    public struct Filter: Sendable, Equatable {
        public var dimension: Dimension
        /// Raw values as the table holds them (never display names).
        public var values: [String]
        /// Rows without a value (`(none)`) match too.
        public var includesNone: Bool

        public init(_ dimension: Dimension, values: [String], includesNone: Bool = false) {
            self.dimension = dimension
            self.values = values
            self.includesNone = includesNone
        }
    }

    public let schema: SpendLogsSchema
    public let dimensions: [Dimension]
    public let filters: [Filter]
    /// Count latency buckets (SpendCore's `LatencyHistogram` bounds) per cell.
    public let latency: Bool
    /// One cell per minute; false: one cell per group for the whole window.
    public let perMinute: Bool

    public init(schema: SpendLogsSchema, dimensions: [Dimension], filters: [Filter] = [],
                latency: Bool, perMinute: Bool = true) throws {
        for d in dimensions + filters.map(\.dimension) where SpendLogsSQL.dimensionExpression(d, schema) == nil {
            throw PostgresError(.result, "LiteLLM_SpendLogs has no \(d.name) dimension")
        }
        self.schema = schema
        self.dimensions = dimensions
        self.filters = filters
        self.latency = latency
        self.perMinute = perMinute
    }

    /// Output columns after the minute (if any) and the dimensions, in this order.
    public static let measureColumns = ["requests", "errors", "retries", "gateway_cache_hits", "unpriced",
                                        "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
                                        "reasoning_tokens", "spend", "latency_sum_ms", "shaped_requests",
                                        "log_tokens_sum", "cache_share_sum", "latency_buckets"]

    public func parameters(fromMs: Int64, toMs: Int64) -> [String?] {
        var p: [String?] = [String(fromMs), String(toMs)]
        if latency { p.append(SpendLogsSQL.arrayLiteral(LatencyHistogram.lowerBounds.map { "\($0)" })) }
        for f in filters {
            p.append(SpendLogsSQL.arrayLiteral(f.values))
            p.append(f.includesNone ? "true" : "false")
        }
        return p
    }

    public var text: String {
        var filterDims: [Dimension] = []
        for f in filters where !dimensions.contains(f.dimension) && !filterDims.contains(f.dimension) { filterDims.append(f.dimension) }
        let dims = dimensions + filterDims
        let row = SpendLogsSQL.rowQuery(schema, dims: dims, perMinute: perMinute)


        var firstParam = latency ? 4 : 3
        var conditions: [String] = []
        for f in filters {
            let i = dims.firstIndex(of: f.dimension)!
            conditions.append("(d\(i) = ANY($\(firstParam)::text[]) OR (d\(i) IS NULL AND $\(firstParam + 1)::bool))")
            firstParam += 2
        }
        let whereFilters = conditions.isEmpty ? "" : "\n  WHERE " + conditions.joined(separator: " AND ")
        let keys = (perMinute ? ["minute_t"] : []) + dimensions.indices.map { "d\($0)" }
        let minuteOut = perMinute ? ["(EXTRACT(EPOCH FROM minute_t) / 60)::int8 AS minute"] : []
        let dimsOut = dimensions.indices.map { "d\($0)" }
        let head = (minuteOut + dimsOut).map { $0 + ", " }.joined()
        let groupBy = keys.isEmpty ? "" : "\nGROUP BY " + keys.joined(separator: ", ")
        let measures = SpendLogsSQL.aggregates
        if !latency {
            return "WITH r AS (\n  \(row)\n)\nSELECT " + head
                + measures.map { "\($0.sum)::\($0.type)" }.joined(separator: ", ") + ", NULL::int8[]"
                + "\nFROM r" + whereFilters + groupBy
        }
        // Latency: sum per (cell, bucket) first, then fold the buckets of a cell into one array of
        // bucket·2³² + count, so a cell is one row however many buckets it fills.
        let inner = "SELECT " + keys.map { $0 + ", " }.joined()
            + "CASE WHEN lat >= 0 THEN width_bucket(lat, $3::float8[]) END AS lb, "
            + measures.map { "\($0.sum) AS \($0.name)" }.joined(separator: ", ")
            + "\nFROM r" + whereFilters + "\nGROUP BY " + (keys + ["lb"]).joined(separator: ", ")
        return "WITH r AS (\n  \(row)\n), g AS (\n" + inner + "\n)\nSELECT " + head
            + measures.map { "sum(\($0.name))::\($0.type)" }.joined(separator: ", ")
            + ", array_agg(lb::int8 * 4294967296 + n) FILTER (WHERE lb IS NOT NULL)"
            + "\nFROM g" + groupBy
    }

    /// Several groupings in one scan (`GROUPING SETS`): every row is read and its metadata parsed once
    /// for all of them. Rows come back tagged with `GROUPING(d0, …)`, which `groupingID` predicts.
    /// Parameters: `$1`, `$2` the window, `$3` the latency bounds. Per minute; no filters.
    public static func groupingSets(_ s: SpendLogsSchema, _ groupings: [[Dimension]]) -> (text: String, dimensions: [Dimension]) {
        var dims: [Dimension] = []
        for g in groupings { for d in g where !dims.contains(d) { dims.append(d) } }
        let row = rowQuery(s, dims: dims, perMinute: true)
        let cols = dims.indices.map { "d\($0)" }
        let sets = groupings.map { g -> String in
            let keys = ["minute_t"] + g.map { "d\(dims.firstIndex(of: $0)!)" } + (keepsLatency(g) ? ["lb"] : [])
            return "(" + keys.joined(separator: ", ") + ")"
        }
        let grouping = cols.isEmpty ? "0" : "GROUPING(" + cols.joined(separator: ", ") + ")"
        let inner = "SELECT minute_t, " + cols.map { $0 + ", " }.joined() + "lb, \(grouping) AS gid, "
            + aggregates.map { "\($0.sum) AS \($0.name)" }.joined(separator: ", ")
            + "\nFROM b\nGROUP BY GROUPING SETS (" + sets.joined(separator: ", ") + ")"
        let text = "WITH r AS (\n  \(row)\n), b AS (\n  SELECT r.*, CASE WHEN lat >= 0 THEN width_bucket(lat, $3::float8[]) END AS lb"
            + " FROM r OFFSET 0\n), g AS (\n" + inner + "\n)\nSELECT gid, (EXTRACT(EPOCH FROM minute_t) / 60)::int8 AS minute, "
            + cols.map { $0 + ", " }.joined()
            + aggregates.map { "sum(\($0.name))::\($0.type)" }.joined(separator: ", ")
            + ", array_agg(lb::int8 * 4294967296 + n) FILTER (WHERE lb IS NOT NULL)"
            + "\nFROM g\nGROUP BY " + (["gid", "minute_t"] + cols).joined(separator: ", ")
        return (text, dims)
    }

    /// The `GROUPING(d0, …)` value of a grouping's rows: a bit per dimension it does not group by.
    static func groupingID(_ g: [Dimension], all dims: [Dimension]) -> Int64 {
        var id: Int64 = 0
        for (i, d) in dims.enumerated() where !g.contains(d) { id |= 1 << Int64(dims.count - 1 - i) }
        return id
    }

    /// The groupings that carry latency buckets, as the rollups keep them (`Grouping.keepsLatency`).
    public static func keepsLatency(_ g: [Dimension]) -> Bool {
        g.count <= 1 && !g.contains(.apiKey) && !g.contains(.user)
    }

    /// The row CTE: one row per spend log in the window, reduced to its minute, the raw values of
    /// `dims` (`d0`, `d1`, …) and the numbers a cell sums. `OFFSET 0` keeps PostgreSQL from inlining
    /// it: each row's expressions are then computed once, not once per reference in the aggregates.
    static func rowQuery(_ s: SpendLogsSchema, dims: [Dimension], perMinute: Bool) -> String {
        let m = s.json("metadata") == "NULL::jsonb" ? nil : s.json("metadata")
        var select: [String] = []
        if perMinute { select.append("date_trunc('minute', s.\"startTime\") AS minute_t") }
        for (i, d) in dims.enumerated() { select.append("\(SpendLogsSQL.dimensionExpression(d, s)!) AS d\(i)") }
        let usage = ["m.additional_usage_values", "m.usage_object"]
        func largest(_ paths: [String]) -> String {
            guard m != nil else { return "0::int8" }
            let reads = usage.flatMap { u in paths.map { SpendLogsSQL.jsonCount("\(u) #> '{\($0)}'") } }
            return "GREATEST(0::int8, \(reads.joined(separator: ", ")))"
        }
        let spend = s.number("spend")
        select.append("CASE WHEN \(spend) > '-Infinity' AND \(spend) < 'Infinity' THEN \(spend) END AS spend")
        let promptFallback = m == nil ? "NULL::int8" : SpendLogsSQL.jsonCount("m.usage_object -> 'prompt_tokens'")
        let completionFallback = m == nil ? "NULL::int8" : SpendLogsSQL.jsonCount("m.usage_object -> 'completion_tokens'")
        select.append("COALESCE(\(s.count("prompt_tokens")), \(promptFallback), 0) AS input_tokens")
        select.append("COALESCE(\(s.count("completion_tokens")), \(completionFallback), 0) AS output_tokens")
        select.append("\(largest(["prompt_tokens_details,cached_tokens", "cache_read_input_tokens"])) AS cache_read")
        select.append("\(largest(["cache_creation_input_tokens", "prompt_tokens_details,cache_creation_tokens", "prompt_tokens_details,cache_write_tokens"])) AS cache_write")
        select.append("\(largest(["completion_tokens_details,reasoning_tokens"])) AS reasoning")
        // The importer reads metadata.status first; a JSON null or no key falls back to the column.
        let columnError = SpendLogsSQL.statusIsError(s.text("status"))
        if m != nil {
            select.append("""
                CASE jsonb_typeof(m.status) WHEN 'string' THEN \(SpendLogsSQL.statusIsError("(m.status #>> '{}')")) \
                WHEN 'number' THEN trunc((m.status)::numeric) >= 400 WHEN 'boolean' THEN false \
                WHEN 'object' THEN false WHEN 'array' THEN false ELSE \(columnError) END AS err
                """)
            select.append("COALESCE(\(SpendLogsSQL.jsonCount("m.attempted_retries")) > 0, false) AS retry")
        } else {
            select.append("\(columnError) AS err")
            select.append("false AS retry")
        }
        select.append("COALESCE(lower(\(s.text("cache_hit"))) IN ('true', 'yes', '1', 'exact', 'semantic'), false) AS gw_hit")
        select.append("\(latencyExpression(s)) AS lat")

        var from = "FROM \(s.quotedTable) s"
        if let m {
            // One parse of the (often kilobytes long, TOASTed) metadata per row for all the keys read.
            from += "\n  CROSS JOIN LATERAL jsonb_to_record(CASE WHEN jsonb_typeof(\(m)) = 'object' THEN \(m) ELSE '{}'::jsonb END)"
                + "\n    AS m(user_api_key_alias jsonb, user_api_key_team_id jsonb, user_api_key_user_id jsonb, status jsonb,"
                + " attempted_retries jsonb, additional_usage_values jsonb, usage_object jsonb)"
        }
        let bound: (String) -> String = { p in
            s.startIsTimestampTZ ? "to_timestamp(\(p)::int8 / 1000.0)" : "(to_timestamp(\(p)::int8 / 1000.0) AT TIME ZONE 'UTC')"
        }
        return "SELECT " + select.joined(separator: ",\n  ") + "\n  " + from
            + "\n  WHERE s.\"startTime\" >= \(bound("$1")) AND s.\"startTime\" < \(bound("$2"))\n  OFFSET 0"
    }

    /// The measures summed per cell, in the order of `measureColumns` (less the histogram).
    static let aggregates: [(name: String, sum: String, type: String)] = [
        ("n", "count(*)", "int8"), ("errors", "count(*) FILTER (WHERE err)", "int8"),
        ("retries", "count(*) FILTER (WHERE retry)", "int8"), ("gw_hits", "count(*) FILTER (WHERE gw_hit)", "int8"),
        ("unpriced", "count(*) FILTER (WHERE spend IS NULL)", "int8"), ("input_tokens", "sum(input_tokens)", "int8"),
        ("output_tokens", "sum(output_tokens)", "int8"), ("cache_read", "sum(cache_read)", "int8"),
        ("cache_write", "sum(cache_write)", "int8"), ("reasoning", "sum(reasoning)", "int8"),
        ("spend", "sum(spend)", "float8"), ("lat_sum", "sum(lat) FILTER (WHERE lat >= 0)", "float8"),
        // Measures.shapedRequests, logTokensSum and cacheShareSum, as `Measures.add` sums them.
        ("shaped", "count(*) FILTER (WHERE input_tokens > 0)", "int8"),
        ("log_tokens", "COALESCE(sum(ln(input_tokens::float8 + GREATEST(output_tokens, 0))) "
            + "FILTER (WHERE input_tokens > 0), 0)", "float8"),
        ("cache_share", "COALESCE(sum(LEAST(GREATEST(cache_read, 0), input_tokens)::float8 / input_tokens) "
            + "FILTER (WHERE input_tokens > 0), 0)", "float8"),
    ]

    /// `endTime − startTime` in ms when both are set and in order (as the importer reads it), else
    /// `request_duration_ms`; negative or NULL means "no latency".
    static func latencyExpression(_ schema: SpendLogsSchema) -> String {
        let duration = schema.number("request_duration_ms")
        guard let end = schema.timestamp("endTime") else { return duration }
        return "CASE WHEN \(end) >= s.\"startTime\" AND s.\"startTime\" > '1970-01-01' "
            + "THEN EXTRACT(EPOCH FROM (\(end) - s.\"startTime\"))::float8 * 1000 ELSE \(duration) END"
    }

    /// The SQL for one dimension's raw value of a row (NULL for none), as the importer derives it.
    static func dimensionExpression(_ d: Dimension, _ s: SpendLogsSchema) -> String? {
        let m = s.json("metadata") != "NULL::jsonb"
        func meta(_ key: String) -> String { m ? jsonText("m.\(key)") : "NULL::text" }
        switch d {
        case .feature: return featureExpression(s.json("request_tags"))
        // The column holds a SHA-256 of the key; the alias, when the key has one, is what people recognise.
        case .apiKey: return "COALESCE(\(meta("user_api_key_alias")), \(s.text("api_key")))"
        case .model: return s.text("model")
        case .team: return "COALESCE(\(s.text("team_id")), \(meta("user_api_key_team_id")))"
        case .provider: return s.text("custom_llm_provider")
        case .user: return "COALESCE(\(s.text("user")), \(meta("user_api_key_user_id")), \(s.text("end_user")))"
        case .gateway: return "'litellm'::text"
        case .gpu: return nil
        }
    }

    /// SPEC §3: the value of the first `feature:NAME` tag, else the first tag (non-empty strings
    /// only). The first element answers most rows; the element-by-element search runs only when
    /// there are more tags and the first is not a feature tag.
    static func featureExpression(_ tags: String) -> String {
        if tags == "NULL::jsonb" { return "NULL::text" }
        let first = "(\(tags) -> 0)"
        let firstText = "(\(tags) ->> 0)"
        let elements = "jsonb_array_elements(\(tags)) WITH ORDINALITY AS a(e, i) WHERE jsonb_typeof(e) = 'string'"
        return """
            CASE WHEN jsonb_typeof(\(tags)) = 'array' THEN CASE \
            WHEN jsonb_typeof(\(first)) = 'string' AND left(\(firstText), 8) = 'feature:' AND length(\(firstText)) > 8 \
            THEN substr(\(firstText), 9) \
            WHEN jsonb_array_length(\(tags)) <= 1 THEN CASE WHEN jsonb_typeof(\(first)) = 'string' THEN NULLIF(\(firstText), '') END \
            ELSE COALESCE(\
            (SELECT substr(e #>> '{}', 9) FROM \(elements) AND left(e #>> '{}', 8) = 'feature:' \
            AND length(e #>> '{}') > 8 ORDER BY i LIMIT 1), \
            (SELECT e #>> '{}' FROM \(elements) AND e #>> '{}' <> '' ORDER BY i LIMIT 1)) END END
            """
    }

    /// A JSON string or number as text (what `JSONFields.string` accepts), empty as NULL.
    static func jsonText(_ j: String) -> String {
        "CASE WHEN jsonb_typeof(\(j)) IN ('string', 'number') THEN NULLIF(\(j) #>> '{}', '') END"
    }

    /// A JSON number, or a string holding a decimal number, as a count (`JSONFields.int`): rounded
    /// half away from zero, NULL beyond ±2^53.
    static func jsonCount(_ j: String) -> String {
        let decimal = #"'^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$'"#
        return "CASE jsonb_typeof(\(j)) WHEN 'number' THEN \(clampCount("(\(j))::numeric")) "
            + "WHEN 'string' THEN CASE WHEN (\(j) #>> '{}') ~ \(decimal) THEN \(clampCount("(\(j) #>> '{}')::numeric")) END END"
    }

    static func clampCount(_ n: String) -> String {
        "CASE WHEN abs(\(n)) <= 9007199254740992 THEN round(\(n))::int8 END"
    }

    /// `EventValues.isError(status:)` for text: ok/success/2xx fine, numbers ≥ 400 and other words errors.
    static func statusIsError(_ t: String) -> String {
        "CASE WHEN \(t) IS NULL THEN false WHEN lower(\(t)) IN ('', 'ok', 'success', 'succeeded', 'completed') THEN false "
            + "WHEN \(t) ~ '^[+-]?[0-9]+$' THEN \(t)::numeric >= 400 ELSE true END"
    }

    /// A PostgreSQL array literal of text values, every element quoted.
    static func arrayLiteral(_ values: [String]) -> String {
        "{" + values.map { v in
            "\"" + v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }.joined(separator: ",") + "}"
    }
}
