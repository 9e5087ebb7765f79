/// The steps of one read: cells of `stepSeconds` (a whole number of minutes) from the one holding
/// `fromMinute` to the one holding `toMinute`. A cell covers `(end − step, end]` of the engine's samples and
/// is keyed by the minute it starts in, as rollup cells are.
public struct PromQLGrid: Sendable, Equatable {
    public let stepSeconds: Int64
    /// Start of the first cell (aligned to the step), epoch seconds.
    public let firstStartSeconds: Int64
    public let cellCount: Int

    public init(fromMinute: Int64, toMinute: Int64, stepSeconds: Int64) {
        let step = max(60, stepSeconds / 60 * 60)
        self.stepSeconds = step
        firstStartSeconds = Rollup.floorDiv(fromMinute * 60, step) * step
        let last = Rollup.floorDiv(max(toMinute, fromMinute) * 60, step) * step
        cellCount = Int((last - firstStartSeconds) / step) + 1
    }

    /// The step a window of `minutes` needs so that no series has more than `maxPoints` points: 60 s for the
    /// console's windows up to a day, coarser beyond (Prometheus refuses more than 11,000 points a series).
    public static func stepSeconds(forMinutes minutes: Int64, maxPoints: Int64 = 1_500) -> Int64 {
        let perPoint = (minutes + maxPoints - 1) / max(1, maxPoints)
        let steps: [Int64] = [1, 2, 5, 10, 15, 30, 60, 120, 360, 720, 1440]
        return (steps.first { $0 >= perPoint } ?? perPoint) * 60
    }

    /// End of cell `k` (its evaluation time), epoch seconds.
    public func endSeconds(_ k: Int) -> Int64 { firstStartSeconds + Int64(k + 1) * stepSeconds }

    /// The cell whose evaluation time is `ms`, if it is one of this grid's.
    public func cell(endingAtMs ms: Int64) -> Int? {
        let offset = ms - (firstStartSeconds + stepSeconds) * 1000
        guard offset >= 0, offset % (stepSeconds * 1000) == 0 else { return nil }
        let k = Int(offset / (stepSeconds * 1000))
        return k < cellCount ? k : nil
    }

    /// The minute cell `k` is keyed by.
    public func minute(_ k: Int) -> Int64 { (firstStartSeconds + Int64(k) * stepSeconds) / 60 }

    /// The minutes the grid covers (every minute of every cell).
    public var minutes: ClosedRange<Int64> {
        minute(0)...(minute(cellCount - 1) + stepSeconds / 60 - 1)
    }
}

/// Per-cell growth of counters from their step levels (`PromQLQueries.level`). Between two steps a
/// group's level rises by the growth of its series, and by the value of a series that appeared (new
/// series count whole: their value is their growth since they began). A level that falls means a series
/// restarted or left: that cell is marked for an exact read and counts nothing meanwhile, so a restart
/// never turns into negative spend nor into a replay of a counter's whole history.
/// Growth by cell, only the cells that grew (most groups of a key × model grouping are idle most minutes).
public typealias CellGrowth = [(cell: Int, value: Double)]

public enum CounterLevels {
    /// Growth per cell for one group's level series; `drops` receives the cells whose level fell.
    public static func growth(_ level: PromQLSeries, grid: PromQLGrid, drops: inout Set<Int>) -> CellGrowth {
        var out: CellGrowth = []
        var previous: Double?
        var previousCell = -2
        for (t, v) in zip(level.timestampsMs, level.values) {
            guard v.isFinite else { continue }
            // The baseline point sits one step before the first cell.
            let k: Int
            if t == grid.firstStartSeconds * 1000 {
                k = -1
            } else if let c = grid.cell(endingAtMs: t) {
                k = c
            } else {
                continue
            }
            defer { previous = v; previousCell = k }
            guard k >= 0 else { continue }
            guard let p = previous, previousCell == k - 1 else {
                // No level one step before: every series of the group is new here (or back after more than
                // the gap allowed), so its value is its growth.
                if v > 0 { out.append((k, v)) }
                continue
            }
            let d = v - p
            // Sums of doubles are not exact: a wobble far below a cent is not a restart.
            if d < -1e-9 * max(1, abs(v), abs(p)) {
                drops.insert(k)
            } else if d > 0 {
                out.append((k, d))
            }
        }
        return out
    }

    /// The cells an `events` answer marks: a reset, or fewer series alive than one step before.
    public static func eventCells(_ answer: PromQLAnswer, grid: PromQLGrid) -> Set<Int> {
        var out = Set<Int>()
        for s in answer.series {
            switch s.labels["spendtop_q"] {
            case "resets":
                for (t, v) in zip(s.timestampsMs, s.values) where v > 0 {
                    if let k = grid.cell(endingAtMs: t) { out.insert(k) }
                }
            case "series":
                var previous: Double?
                var previousT: Int64 = .min
                for (t, v) in zip(s.timestampsMs, s.values) {
                    if let p = previous, v < p, t - previousT == grid.stepSeconds * 1000,
                       let k = grid.cell(endingAtMs: t) {
                        out.insert(k)
                    }
                    previous = v
                    previousT = t
                }
            default: break
            }
        }
        return out
    }

    /// Runs of consecutive cells, for reading them again in as few range queries as possible.
    public static func runs(_ cells: Set<Int>) -> [ClosedRange<Int>] {
        var out: [ClosedRange<Int>] = []
        for k in cells.sorted() {
            if let last = out.last, last.upperBound == k - 1 {
                out[out.count - 1] = last.lowerBound...k
            } else {
                out.append(k...k)
            }
        }
        return out
    }
}
