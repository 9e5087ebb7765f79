import Foundation
import SpendCore

/// Files read to their end once (no follow) and then served to the console as they are.
public final class FileFeed: SpendFeed {
    let rollup: Rollup
    /// The console may read from its snapshot worker and its run loop (an export) at once.
    let lock = NSLock()
    public let sources: [SourceStatus]

    /// Reads every path (`-` for stdin) into one rollup; throws on the first unreadable file.
    public init(paths: [String], prices: PriceTable = .bundled, options: Rollup.Options = Rollup.Options()) throws {
        rollup = Rollup(options: options, prices: prices)
        var statuses: [SourceStatus] = []
        for p in paths {
            let pipeline = EventPipeline(rollup: rollup)
            try FileInput.readAll(p, into: pipeline)
            statuses.append(SourceStatus(name: p == "-" ? "stdin" : p, state: .ended, stats: pipeline.stats))
        }
        sources = statuses
    }

    public func read<T>(_ body: (SpendQuery) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(rollup)
    }
}
