/// Readings shared by the coding-agent log importers.
enum AgentLogValues {
    /// The project a session worked in: the last component of its working directory (POSIX or Windows).
    static func project(cwd: String?) -> String? {
        guard var path = cwd?.utf8[...] else { return nil }
        while let last = path.last, last == UInt8(ascii: "/") || last == UInt8(ascii: "\\") { path = path.dropLast() }
        let start = path.lastIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") }.map { path.index(after: $0) }
        let name = path[(start ?? path.startIndex)...]
        return name.isEmpty ? nil : String(Substring(name))
    }

    /// Ranks that make the record with the largest token total win, a main-chain record always
    /// above a sidechain one (Claude Code transcripts).
    static func largestWins(tokens: Int64, preferred: Bool) -> UInt64 {
        let capped = UInt64(clamping: min(max(tokens, 0), 1 << 60))
        return 1 + (preferred ? 1 << 61 : 0) + capped
    }

    /// Ranks that make the earliest record win (an original over the copies replayed into later files).
    static func earliestWins(timestampMs: Int64) -> UInt64 {
        let t = UInt64(clamping: min(max(timestampMs, 0), 1 << 61))
        return (1 << 62) - t
    }

    /// A count that must not be negative (a damaged or hostile line).
    static func count(_ v: Int64?) -> Int64 { max(v ?? 0, 0) }
}
