import SpendCore

extension SpendStore {
    /// USD spent by `scope` in `[fromMs, toMs)`: each stored event priced as a rollup prices it (its own cost when it
    /// had one, else `prices`), so a month budget can count the days a 24-hour rollup no longer holds.
    public func spend(scope: AlertScope, fromMs: Int64, toMs: Int64, prices: PriceTable) throws -> Double {
        guard toMs > fromMs, scope.gpu == nil else { return 0 }
        do {
            var conditions = ["ts >= \(fromMs)", "ts < \(toMs)"]
            for f in scope.filters {
                // By id (the raw value's hash) when the scope knows it, else every value shown with that name.
                let match = f.id == nil ? "name = ?" : "hash = ?"
                let q = try db.prepare("SELECT id FROM dims WHERE dim = ? AND " + match)
                q.bind(1, Int64(f.dimension.rawValue))
                if let id = f.id { q.bind(2, Int64(bitPattern: id.rawValue)) } else { q.bind(2, f.value) }
                var ids: [Int64] = []
                while try q.step() { ids.append(q.int(0)) }
                if ids.isEmpty { return 0 }
                conditions.append("\(f.dimension.name) IN (\(ids.map(String.init).joined(separator: ",")))")
            }
            var models: [Int64: ModelPrice?] = [:]
            let names = try db.prepare("SELECT id, name FROM dims WHERE dim = \(SpendCore.Dimension.model.rawValue)")
            var modelNames: [Int64: String] = [:]
            while try names.step() { modelNames[names.int(0)] = names.text(1) ?? "" }
            let s = try db.prepare("SELECT model, input, output, cache_read, cache_write, reasoning, cost, flags FROM events WHERE "
                                   + conditions.joined(separator: " AND "))
            var total = 0.0
            while try s.step() {
                if let c = s.optionalDouble(6) { total += c; continue }
                let m = s.int(0)
                if models[m] == nil { models[m] = modelNames[m].flatMap { prices.price(for: $0) } }
                guard let p = models[m] ?? nil else { continue }
                let usage = TokenUsage(input: s.int(1), output: s.int(2), cacheRead: s.int(3), cacheWrite: s.int(4), reasoning: s.int(5))
                total += p.cost(usage, batch: s.int(7) & 4 != 0)
            }
            return total
        } catch let f as SQLiteDatabase.Failure {
            throw Failure(description: "store \(path): \(f.description)")
        }
    }
}
