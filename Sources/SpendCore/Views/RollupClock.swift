/// Decides what "now" is: wall-clock time while data is live, the newest event when replaying
/// history, so a file from last week shows its own last 24 h (SPEC §5).
public enum RollupClock {
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
