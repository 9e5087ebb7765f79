import Foundation
import SpendCore
import SpendIO

/// A remote engine (`postgres://`, `promql:`) given as the SOURCE: it answers every view itself by pushdown, so it
/// is given alone, and nothing of it is copied into the local store.
struct RemoteSource {
    let spec: SourceSpec
    let settings: SourceSettings

    /// The remote engine among `specs`, nil when there is none; a usage error when it is mixed with other sources
    /// or with `--store` (the engine is the store).
    static func alone(_ specs: [(SourceSpec, SourceSettings)], storePath: String?) throws -> RemoteSource? {
        guard let remote = specs.first(where: { RemoteEngine.isRemote($0.0) }) else { return nil }
        guard specs.count == 1 else {
            throw UsageError("\(remote.0.name) answers every view by itself (the engine aggregates); give it as the only SOURCE")
        }
        if let storePath {
            throw UsageError("--store \(storePath) does not apply to \(remote.0.name): its rows are read where they are, never copied")
        }
        return RemoteSource(spec: remote.0, settings: remote.1)
    }

    /// One read for a headless view; errors from the engine are one line (credentials are never in them).
    func snapshot(config: ConfigValue, groupings: [[SpendCore.Dimension]], window: TimeWindow, atMs: Int64?,
                  perMinute: Bool) throws -> CellQuery? {
        let reader: RemoteCellReading
        do { reader = try RemoteEngine.reader(spec, source: settings, config: config) } catch {
            throw UsageError(TextSanitizer.clean("\(error)"))
        }
        do {
            return try RemoteEngine.snapshot(reader, groupings: groupings, window: window, atMs: atMs,
                                             perMinute: perMinute, wallMs: wallClockMs())
        } catch {
            throw RuntimeError(TextSanitizer.clean("\(error)"))
        }
    }
}
