import SpendCore

/// LiteLLM's spend logs in PostgreSQL, read by aggregates the server computes (`SpendLogsSQL`):
/// per-minute cells of `Measures` for a window, a grouping and exact filters. Remembers the raw
/// value behind each id it has shown, so filters given as ids (never display names, which two
/// keys can share) are sent to the server as the values the table holds. One per connection.
public final class PostgresSpendLogs {
    /// A filter on ids as `DimensionValue` reports them (`0` is `(none)`).
    public struct Filter: Sendable, Equatable {
        public var dimension: Dimension
        public var ids: Set<UInt64>
        public init(_ dimension: Dimension, ids: Set<UInt64>) {
            self.dimension = dimension
            self.ids = ids
        }
    }

    public let connection: PostgresConnection
    public let schema: SpendLogsSchema
    /// The SQL text of the last aggregate sent (tests and `--debug` read it).
    public private(set) var lastSQL = ""
    /// Display values and raw text by dimension and id, learned from answers (kept across reconnects).
    public final class Values {
        var known: [Dimension: [UInt64: (DimensionValue, String)]] = [:]
        public init() {}
    }
    let values: Values

    /// Reads the table's columns; a missing table or one without `startTime`/`spend` is a `.server` error.
    public init(connection: PostgresConnection, table: String = "LiteLLM_SpendLogs", values: Values = Values()) throws {
        self.connection = connection
        self.values = values
        guard let quoted = SpendLogsSchema.quote(table: table) else {
            throw PostgresError(.result, "table name \(table): letters, digits, _ and one optional schema. prefix only")
        }
        let r = try connection.query("""
            SELECT a.attname::text, format_type(a.atttypid, NULL) FROM pg_attribute a
            WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
            """, [quoted], binary: false)
        var columns: [String: String] = [:]
        for i in 0..<r.rowCount {
            if let n = try r.string(i, 0), let t = try r.string(i, 1) { columns[n] = t }
        }
        guard !columns.isEmpty else {
            throw PostgresError(.server, "\(connection.displayName): no table \(table) (or no permission to see it)")
        }
        schema = try SpendLogsSchema(quotedTable: quoted, columns: columns)
    }

    /// Cells of `dimensions` for rows with `startTime` in `[fromMs, toMs)`, one per minute (or one
    /// for the whole window with `perMinute: false`). Latency buckets are counted for the groupings
    /// the rollups keep them for (`Grouping.keepsLatency`) unless `latency` says otherwise.
    public func cells(fromMs: Int64, toMs: Int64, dimensions: [Dimension], filters: [Filter] = [],
                      latency: Bool? = nil, perMinute: Bool = true) throws -> [RemoteCell] {
        let keepsLatency = latency ?? SpendLogsSQL.keepsLatency(dimensions)
        let sqlFilters = filters.map { f -> SpendLogsSQL.Filter in
            let raw = f.ids.compactMap { values.known[f.dimension]?[$0]?.1 }
            return SpendLogsSQL.Filter(f.dimension, values: raw.sorted(), includesNone: f.ids.contains(0))
        }
        let q = try SpendLogsSQL(schema: schema, dimensions: dimensions, filters: sqlFilters,
                                 latency: keepsLatency, perMinute: perMinute)
        lastSQL = q.text
        let windowMinute = Rollup.floorDiv(fromMs, 60_000)
        var out: [RemoteCell] = []
        try connection.stream(q.text, q.parameters(fromMs: fromMs, toMs: toMs)) { r in
            var c = 0
            let minute: Int64
            if perMinute {
                guard let m = try r.int64(0, 0) else { throw PostgresError(.result, "an aggregate row without a minute") }
                minute = m
                c = 1
            } else {
                minute = windowMinute
            }
            var group: [DimensionValue] = []
            group.reserveCapacity(dimensions.count)
            for d in dimensions {
                group.append(value(d, r, c))
                c += 1
            }
            guard let m = try measures(r, from: c) else { return }  // a total over no rows
            out.append(RemoteCell(minute: minute, values: group, measures: m))
        }
        return out
    }

    /// The measure columns of a row from column `c` on; nil for a cell of no requests.
    func measures(_ r: PostgresResult, from c: Int) throws -> Measures? {
        var m = Measures()
        m.requests = try r.int64(0, c) ?? 0
        if m.requests == 0 { return nil }
        m.errors = try r.int64(0, c + 1) ?? 0
        m.retries = try r.int64(0, c + 2) ?? 0
        m.gatewayCacheHits = try r.int64(0, c + 3) ?? 0
        m.unpriced = try r.int64(0, c + 4) ?? 0
        m.inputTokens = try r.int64(0, c + 5) ?? 0
        m.outputTokens = try r.int64(0, c + 6) ?? 0
        m.cacheReadTokens = try r.int64(0, c + 7) ?? 0
        m.cacheWriteTokens = try r.int64(0, c + 8) ?? 0
        m.reasoningTokens = try r.int64(0, c + 9) ?? 0
        m.spend = try r.double(0, c + 10) ?? 0
        m.latencySumMs = try r.double(0, c + 11) ?? 0
        m.shapedRequests = try r.int64(0, c + 12) ?? 0
        m.logTokensSum = try r.double(0, c + 13) ?? 0
        m.cacheShareSum = try r.double(0, c + 14) ?? 0
        for packed in try r.int64Array(0, c + 15) {
            m.latency.add(bucket: Int(packed >> 32), count: UInt32(truncatingIfNeeded: packed))
        }
        return m
    }

    /// Cells of several groupings for rows in `[fromMs, toMs)`, per minute, from one scan of the
    /// table (`SpendLogsSQL.groupingSets`): what a poll of every kept grouping costs once.
    public func cells(fromMs: Int64, toMs: Int64, groupings: [[Dimension]]) throws -> [[Dimension]: [RemoteCell]] {
        var out: [[Dimension]: [RemoteCell]] = [:]
        for g in groupings { out[g] = [] }
        let unique = Array(out.keys).sorted { $0.map(\.rawValue).lexicographicallyPrecedes($1.map(\.rawValue)) }
        if unique.count == 1 {
            out[unique[0]] = try cells(fromMs: fromMs, toMs: toMs, dimensions: unique[0])
            return out
        }
        let (text, dims) = SpendLogsSQL.groupingSets(schema, unique)
        lastSQL = text
        var byID: [Int64: [Dimension]] = [:]
        for g in unique { byID[SpendLogsSQL.groupingID(g, all: dims)] = g }
        let bounds = SpendLogsSQL.arrayLiteral(LatencyHistogram.lowerBounds.map { "\($0)" })
        try connection.stream(text, [String(fromMs), String(toMs), bounds]) { r in
            guard let id = try r.int64(0, 0), let g = byID[id], let minute = try r.int64(0, 1) else {
                throw PostgresError(.result, "an aggregate row of no grouping asked for")
            }
            var group: [DimensionValue] = []
            group.reserveCapacity(g.count)
            for d in g { group.append(value(d, r, 2 + dims.firstIndex(of: d)!)) }
            guard let m = try measures(r, from: 2 + dims.count) else { return }
            out[g]!.append(RemoteCell(minute: minute, values: group, measures: m))
        }
        return out
    }

    /// The id and display form of column `c`, hashing the bytes in place; a String is made only
    /// the first time a value is seen.
    func value(_ d: Dimension, _ r: PostgresResult, _ c: Int) -> DimensionValue {
        if r.isNull(0, c) { return .none }
        let b = r.bytes(0, c)
        guard b.count > 0, let base = b.baseAddress else { return .none }
        let id = ByteHash.hash(base, b.count)
        if let v = values.known[d]?[id] { return v.0 }
        let raw = String(decoding: b, as: UTF8.self)
        let v = DimensionValue(id: id, name: Interner.displayName(raw, dimension: d))
        values.known[d, default: [:]][id] = (v, raw)
        return v
    }

    /// The ids shown so far for `dimension` under a display name (filters typed by a person).
    public func ids(_ dimension: Dimension, named name: String) -> Set<UInt64> {
        Set((values.known[dimension] ?? [:]).filter { $0.value.0.name == name }.map(\.key))
    }

    /// Runs `body` in one read-only REPEATABLE READ transaction: every aggregate in it sees the same rows.
    public func consistently<T>(_ body: () throws -> T) throws -> T {
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        do {
            let v = try body()
            try connection.execute("COMMIT")
            return v
        } catch {
            if connection.isOpen { try? connection.execute("ROLLBACK") }
            throw error
        }
    }

    /// The first and last `startTime` (ms) of the table, or nil when it is empty.
    public func extent() throws -> (oldestMs: Int64, newestMs: Int64)? {
        let r = try connection.query("""
            SELECT (EXTRACT(EPOCH FROM min(s."startTime")) * 1000)::int8, (EXTRACT(EPOCH FROM max(s."startTime")) * 1000)::int8
            FROM \(schema.quotedTable) s WHERE isfinite(s."startTime")
            """)
        guard r.rowCount == 1, let a = try r.int64(0, 0), let b = try r.int64(0, 1) else { return nil }
        return (a, b)
    }
}
