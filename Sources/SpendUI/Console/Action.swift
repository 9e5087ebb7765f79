import SpendCore

/// Everything that changes the console: input, time, new data, results of effects.
public enum Action: Sendable {
    case key(Key)
    case resize(width: Int, height: Int)
    case click(x: Int, y: Int)
    /// The clock ticked (wall time, ms).
    case tick(nowMs: Int64)
    /// A new frame of data (ignored while paused, unless it answers a changed question).
    case data(ConsoleSnapshot, forced: Bool)
    /// What the ingest side published about alerts (applies even while paused; a grown `started` rings once).
    case alerts(AlertState)
    /// A snapshot was written (path) or failed (message).
    case exported(path: String, rows: Int)
    case exportFailed(String)
}

/// What the reducer asks the outside world to do.
public enum Effect: Equatable, Sendable {
    case quit
    /// The question changed (window, drill path, size): read the data again now.
    case refresh
    case export(PaneID)
    case bell
    case redrawAll
}
