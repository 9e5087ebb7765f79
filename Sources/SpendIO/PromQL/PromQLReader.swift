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

    /// Every grouping of `groupings` and the GPUs over `grid`, sharing the per-counter event queries.
    public func read(grid: PromQLGrid, groupings: [[SpendCore.Dimension]], gpus: Bool = true) throws -> PromQLRead {
        var events: [PromQLMapping.CounterField: Set<Int>] = [:]
        for (field, counter) in mapping.counters {
            let answer = try client.queryRange(PromQLQueries.events(counter, stepSeconds: Int(grid.stepSeconds), mapping: mapping),
                                               startSeconds: grid.endSeconds(0), endSeconds: grid.endSeconds(grid.cellCount - 1),
                                               stepSeconds: grid.stepSeconds)
            events[field] = CounterLevels.eventCells(answer, grid: grid)
        }
        var out: [[SpendCore.Dimension]: [RemoteCell]] = [:]
        for g in groupings where out[g] == nil {
            out[g] = try cells(grid: grid, dimensions: g, events: events)
        }
        let gpuCells = gpus && mapping.readsGPUs ? try self.gpuCells(grid: grid) : []
        return PromQLRead(grid: grid, cells: out, gpus: gpuCells)
    }

    /// One grouping's cells; `events` are the cells each counter must have read exactly (nil: ask).
    public func cells(grid: PromQLGrid, dimensions: [SpendCore.Dimension],
                      events: [PromQLMapping.CounterField: Set<Int>]? = nil) throws -> [RemoteCell] {
        let labels = mapping.groupLabels(dimensions)
        var groups: [[DimensionValue]: [Measures]] = [:]
        for (field, counter) in mapping.counters.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let growth = try self.growth(counter, labels: labels, grid: grid, events: events?[field])
            for (labelSet, perCell) in growth {
                let values = dimensions.map { mapping.value($0, labels: labelSet) }
                var row = groups[values] ?? Array(repeating: Measures(), count: grid.cellCount)
                for (k, v) in perCell.enumerated() where v != 0 { field.add(v, to: &row[k]) }
                groups[values] = row
            }
        }
        var cells: [RemoteCell] = []
        for (values, row) in groups {
            for (k, m) in row.enumerated() where m.requests != 0 || m.spend != 0 || m.inputTokens != 0 || m.outputTokens != 0
                || m.errors != 0 || m.cacheReadTokens != 0 || m.cacheWriteTokens != 0 {
                cells.append(RemoteCell(minute: grid.minute(k), values: values, measures: m))
            }
        }
        return cells.sorted { $0.minute < $1.minute }
    }

    /// Growth per cell of one counter, per answered label set.
    func growth(_ counter: String, labels: [String], grid: PromQLGrid, events: Set<Int>?) throws -> [[String: String]: [Double]] {
        let level = try client.queryRange(PromQLQueries.level(counter, by: labels, mapping: mapping),
                                          startSeconds: grid.firstStartSeconds, endSeconds: grid.endSeconds(grid.cellCount - 1),
                                          stepSeconds: grid.stepSeconds)
        var exact: Set<Int>
        if let events {
            exact = events
        } else {
            let answer = try client.queryRange(PromQLQueries.events(counter, stepSeconds: Int(grid.stepSeconds), mapping: mapping),
                                               startSeconds: grid.endSeconds(0), endSeconds: grid.endSeconds(grid.cellCount - 1),
                                               stepSeconds: grid.stepSeconds)
            exact = CounterLevels.eventCells(answer, grid: grid)
        }
        var out: [[String: String]: [Double]] = [:]
        for s in level.series {
            out[s.labels, default: Array(repeating: 0, count: grid.cellCount)] = CounterLevels.growth(s, grid: grid, drops: &exact)
        }
        for run in CounterLevels.runs(exact) {
            let answer = try client.queryRange(
                PromQLQueries.exactGrowth(counter, by: labels, stepSeconds: Int(grid.stepSeconds), mapping: mapping),
                startSeconds: grid.endSeconds(run.lowerBound), endSeconds: grid.endSeconds(run.upperBound),
                stepSeconds: grid.stepSeconds)
            for k in run { for key in out.keys { out[key]![k] = 0 } }
            for s in answer.series {
                for (t, v) in zip(s.timestampsMs, s.values) where v.isFinite {
                    guard let k = grid.cell(endingAtMs: t), run.contains(k) else { continue }
                    out[s.labels, default: Array(repeating: 0, count: grid.cellCount)][k] = max(0, v)
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
        let g = grid(fromMinute: Rollup.floorDiv(fromMs, 60_000), toMinute: Rollup.floorDiv(max(fromMs, toMs - 1), 60_000))
        return try cells(grid: g, dimensions: dimensions)
    }

    public func consistently<T>(_ body: () throws -> T) throws -> T { try body() }

    public func isConnectionLost(_ error: Error) -> Bool {
        (error as? PromQLFailure)?.kind == .transport
    }
}
