import Foundation
import SpendCore

/// What one read of a Prometheus-compatible engine returns: per-cell measures for each grouping asked for,
/// and the GPU readings, on one step grid.
public struct PromQLRead: Sendable {
    public var grid: PromQLGrid
    public var cells: [[SpendCore.Dimension]: [RemoteCell]]
    public var gpus: [RemoteGPUCell]
}

/// Answers per-minute cells by pushdown: for each counter and grouping one `sum by` range query of levels
/// (`PromQLQueries.level`), whose step differences are the growth; one query per counter for the steps where
/// a series restarted or left (`events`), which are then read again per series on the server (`exactGrowth`)
/// for those steps only. Never a raw series of a window. Used from one thread at a time.
public final class PromQLReader: RemoteCellReading {
    public let settings: PromQLSettings
    public let client: PromQLClient
    var mapping: PromQLMapping { settings.mapping }

    public init(settings: PromQLSettings, client: PromQLClient? = nil) {
        self.settings = settings
        self.client = client ?? PromQLClient(settings: settings)
    }

    /// The grid for minutes `[from, to]` at the step their length needs.
    public func grid(fromMinute from: Int64, toMinute to: Int64) -> PromQLGrid {
        PromQLGrid(fromMinute: from, toMinute: to,
                   stepSeconds: PromQLGrid.stepSeconds(forMinutes: to - from + 1, maxPoints: settings.maxPoints))
    }

    /// Every grouping of `groupings` and the GPUs over `grid`. Only groupings no other one contains are asked
    /// for (growth is additive: features are the sum of features × keys); the events of each counter first, then
    /// each (counter, grouping) and the GPUs side by side, `settings.concurrency` at a time, since the engine
    /// evaluates concurrent queries on its own cores.
    public func read(grid: PromQLGrid, groupings: [[SpendCore.Dimension]], gpus: Bool = true) throws -> PromQLRead {
        var unique: [[SpendCore.Dimension]] = []
        for g in groupings where !unique.contains(g) { unique.append(g) }
        let source = PromQLReader.sources(unique, mapping: mapping)
        var asked: [[SpendCore.Dimension]] = []
        for g in unique where !asked.contains(source[g]!) { asked.append(source[g]!) }
        let counters = mapping.counters.sorted { $0.key.rawValue < $1.key.rawValue }
        let lock = NSLock()
        var events: [PromQLMapping.CounterField: Set<Int>] = [:]
        try PromQLReader.parallel(counters.count, width: settings.concurrency) { i in
            let cells = try eventCells(counters[i].value, grid: grid)
            lock.lock(); events[counters[i].key] = cells; lock.unlock()
        }
        var growths: [[SpendCore.Dimension]: [(PromQLMapping.CounterField, [[String: String]: CellGrowth])]] = [:]
        var gpuCells: [RemoteGPUCell] = []
        let tasks = asked.flatMap { g in counters.map { (g, $0) } }
        let readsGPUs = gpus && mapping.readsGPUs
        try PromQLReader.parallel(tasks.count + (readsGPUs ? 1 : 0), width: settings.concurrency) { i in
            guard i < tasks.count else {
                let cells = try self.gpuCells(grid: grid)
                lock.lock(); gpuCells = cells; lock.unlock()
                return
            }
            let (g, (field, counter)) = tasks[i]
            let growth = try self.growth(counter, labels: mapping.groupLabels(g), grid: grid,
                                         events: events[field] ?? [])
            lock.lock(); growths[g, default: []].append((field, growth)); lock.unlock()
        }
        var out: [[SpendCore.Dimension]: [RemoteCell]] = [:]
        for g in unique { out[g] = assemble(grid: grid, dimensions: g, growths: growths[source[g]!] ?? []) }
        return PromQLRead(grid: grid, cells: out, gpus: gpuCells)
    }

    /// For each grouping, the one to ask the engine for: among those whose labels contain its labels and are
    /// contained in no other's, the one with the fewest labels.
    static func sources(_ groupings: [[SpendCore.Dimension]],
                        mapping: PromQLMapping) -> [[SpendCore.Dimension]: [SpendCore.Dimension]] {
        let labels = Dictionary(groupings.map { ($0, Set(mapping.groupLabels($0))) }, uniquingKeysWith: { a, _ in a })
        let maximal = groupings.filter { g in !groupings.contains { h in labels[h]!.isStrictSuperset(of: labels[g]!) } }
        var out: [[SpendCore.Dimension]: [SpendCore.Dimension]] = [:]
        for g in groupings {
            let candidates = maximal.filter { labels[$0]!.isSuperset(of: labels[g]!) }
            out[g] = candidates.min { labels[$0]!.count < labels[$1]!.count } ?? g
        }
        return out
    }

    /// One grouping's cells, its counters read side by side.
    public func cells(grid: PromQLGrid, dimensions: [SpendCore.Dimension]) throws -> [RemoteCell] {
        try read(grid: grid, groupings: [dimensions], gpus: false).cells[dimensions] ?? []
    }

    /// Runs `body(0..<count)` on up to `width` threads; the first error is rethrown once all have stopped.
    static func parallel(_ count: Int, width: Int, _ body: (Int) throws -> Void) throws {
        let lock = NSLock()
        var next = 0
        var failure: Error?
        DispatchQueue.concurrentPerform(iterations: max(1, min(width, count))) { _ in
            while true {
                lock.lock()
                guard failure == nil, next < count else { lock.unlock(); return }
                let i = next
                next += 1
                lock.unlock()
                do {
                    try body(i)
                } catch {
                    lock.lock()
                    if failure == nil { failure = error }
                    lock.unlock()
                }
            }
        }
        if let failure { throw failure }
    }

    /// Cells from each counter's growth per answered label set, label sets mapped to dimension values.
    func assemble(grid: PromQLGrid, dimensions: [SpendCore.Dimension],
                  growths: [(PromQLMapping.CounterField, [[String: String]: CellGrowth])]) -> [RemoteCell] {
        // Sparse all the way: a key × model grouping has thousands of groups, most of them idle most minutes.
        var index: [[String: String]: Int] = [:]
        var groupOf: [[DimensionValue]: Int] = [:]
        var values: [[DimensionValue]] = []
        var parts: [[(PromQLMapping.CounterField, CellGrowth)]] = []
        for (field, growth) in growths {
            for (labelSet, list) in growth where !list.isEmpty {
                let g: Int
                if let i = index[labelSet] {
                    g = i
                } else {
                    let v = dimensions.map { mapping.value($0, labels: labelSet) }
                    if let i = groupOf[v] { g = i } else {
                        g = values.count
                        groupOf[v] = g
                        values.append(v)
                        parts.append([])
                    }
                    index[labelSet] = g
                }
                parts[g].append((field, list))
            }
        }
        var cells: [RemoteCell] = []
        // Without a spend counter (OpenTelemetry token metrics) spend is unknown, never $0: requests are unpriced.
        let spendUnknown = mapping.counters[.spend] == nil
        for (g, groupParts) in parts.enumerated() {
            var byCell: [Int: Measures] = [:]
            for (field, list) in groupParts {
                for (k, v) in list { field.add(v, to: &byCell[k, default: Measures()]) }
            }
            for (k, var m) in byCell {
                if spendUnknown { m.unpriced = m.requests }
                cells.append(RemoteCell(minute: grid.minute(k), values: values[g], measures: m))
            }
        }
        return cells.sorted { $0.minute < $1.minute }
    }

    /// The cells where `counter` reset or lost a series (`PromQLQueries.events`).
    func eventCells(_ counter: String, grid: PromQLGrid) throws -> Set<Int> {
        let q = PromQLQueries.events(counter, stepSeconds: Int(grid.stepSeconds), mapping: mapping)
        let answer = try client.queryRange(q, startSeconds: grid.endSeconds(0),
                                           endSeconds: grid.endSeconds(grid.cellCount - 1),
                                          stepSeconds: grid.stepSeconds)
        return CounterLevels.eventCells(answer, grid: grid)
    }

    /// Growth per cell of one counter, per answered label set.
    func growth(_ counter: String, labels: [String], grid: PromQLGrid,
                events: Set<Int>) throws -> [[String: String]: CellGrowth] {
        let level = try client.queryRange(PromQLQueries.level(counter, by: labels, mapping: mapping),
                                          startSeconds: grid.firstStartSeconds,
                                          endSeconds: grid.endSeconds(grid.cellCount - 1),
                                          stepSeconds: grid.stepSeconds)
        var exact = events
        var out: [[String: String]: CellGrowth] = [:]
        for s in level.series {
            out[s.labels] = CounterLevels.growth(s, grid: grid, drops: &exact)
        }
        for run in CounterLevels.runs(exact) {
            let answer = try client.queryRange(
                PromQLQueries.exactGrowth(counter, by: labels, stepSeconds: Int(grid.stepSeconds), mapping: mapping),
                startSeconds: grid.endSeconds(run.lowerBound), endSeconds: grid.endSeconds(run.upperBound),
                stepSeconds: grid.stepSeconds)
            // The levels said nothing true for these cells: what the per-series read says replaces it.
            for key in out.keys where out[key]!.contains(where: { run.contains($0.cell) }) {
                out[key]!.removeAll { run.contains($0.cell) }
            }
            for s in answer.series {
                for (t, v) in zip(s.timestampsMs, s.values) where v.isFinite && v > 0 {
                    guard let k = grid.cell(endingAtMs: t), run.contains(k) else { continue }
                    out[s.labels, default: []].append((k, v))
                }
            }
        }
        return out
    }

    /// DCGM and vLLM readings per GPU per cell.
    public func gpuCells(grid: PromQLGrid) throws -> [RemoteGPUCell] {
        let start = grid.endSeconds(0), end = grid.endSeconds(grid.cellCount - 1)
        let s = Int(grid.stepSeconds)
        let dcgm = try client.queryRange(PromQLQueries.dcgm(stepSeconds: s, mapping: mapping), startSeconds: start,
                                         endSeconds: end, stepSeconds: grid.stepSeconds)
        let vllm = try client.queryRange(PromQLQueries.vllm(stepSeconds: s, mapping: mapping), startSeconds: start,
                                         endSeconds: end, stepSeconds: grid.stepSeconds)
        return PromQLGPUCells.cells(dcgm: dcgm, vllm: vllm, grid: grid, mapping: mapping)
    }

    // MARK: RemoteCellReading

    /// A trivial aggregating query: the URL, the credentials and the tenant are accepted.
    public func connect() throws {
        _ = try client.query("sum(vector(1))")
    }

    public func disconnect() {}

    /// The newest sample of the counters (within the gap allowed), for a clock on history; nil when the engine
    /// has nothing recent.
    public func extent() throws -> (oldestMs: Int64, newestMs: Int64)? {
        var newest: Int64?
        for counter in mapping.counters.values {
            let q = "max(timestamp(\(PromQLQueries.selector(counter, mapping.matchers))))"
            for s in try client.query(q).series {
                for v in s.values where v.isFinite { newest = max(newest ?? .min, Int64(v * 1000)) }
            }
        }
        return newest.map { ($0, $0) }
    }

    public func cells(fromMs: Int64, toMs: Int64, dimensions: [SpendCore.Dimension]) throws -> [RemoteCell] {
        let g = grid(fromMinute: Rollup.floorDiv(fromMs, 60_000),
                     toMinute: Rollup.floorDiv(max(fromMs, toMs - 1), 60_000))
        return try cells(grid: g, dimensions: dimensions)
    }

    /// Several groupings in one read: the event queries shared, contained groupings summed from others.
    public func cells(fromMs: Int64, toMs: Int64,
                      groupings: [[SpendCore.Dimension]]) throws -> [[SpendCore.Dimension]: [RemoteCell]] {
        let g = grid(fromMinute: Rollup.floorDiv(fromMs, 60_000),
                     toMinute: Rollup.floorDiv(max(fromMs, toMs - 1), 60_000))
        return try read(grid: g, groupings: groupings, gpus: false).cells
    }

    public func consistently<T>(_ body: () throws -> T) throws -> T { try body() }

    public func isConnectionLost(_ error: Error) -> Bool {
        (error as? PromQLFailure)?.kind == .transport
    }
}
