/// Decides what "now" is: wall-clock time while data is live, the newest event when replaying
/// history, so a file from last week shows its own last 24 h (SPEC §5).
public enum QueryClock {
    /// Data is live when its newest event is no more than this far from the wall clock.
    public static let liveSlackMs: Int64 = 5 * 60_000

    public static func now(newestEventMs: Int64?, wallMs: Int64) -> Int64 {
        guard let newest = newestEventMs else { return wallMs }
        if abs(wallMs - newest) <= liveSlackMs { return max(wallMs, newest) }
        return newest
    }

    public static func isLive(newestEventMs: Int64?, wallMs: Int64) -> Bool {
        guard let newest = newestEventMs else { return false }
        return abs(wallMs - newest) <= liveSlackMs
    }
}

/// The minutes a window covers, for every backend alike.
public struct QueryRange: Sendable, Equatable {
    /// First and last minute (minutes since the epoch), inclusive.
    public var startMinute: Int64
    public var endMinute: Int64
    /// Where the window starts (ms) and how long it is up to its end, in seconds.
    public var startMs: Int64
    public var seconds: Double

    /// `.minutes(n)`: the n minutes ending with the one holding `endMs`; `.all`: from the oldest event held
    /// (`oldestMs`, nil when none) to `endMs`, at least a minute long.
    public init(_ window: TimeWindow, endMs: Int64, oldestMs: Int64?) {
        endMinute = Rollup.floorDiv(endMs, 60_000)
        switch window {
        case .minutes(let n):
            startMinute = endMinute - Int64(n) + 1
            startMs = startMinute * 60_000
            seconds = max(Double(endMs - startMs) / 1000, 1)
        case .all:
            let first = oldestMs.map { min($0, endMs) } ?? endMs
            startMinute = Rollup.floorDiv(first, 60_000)
            startMs = first
            seconds = max(Double(endMs - first) / 1000, 60)
        }
    }
}
