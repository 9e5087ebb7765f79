import ArgumentParser
import Foundation
import SpendCore

/// The console's own options, shared by the default command and `demo` (kept apart so that the
/// live-source and alert option groups merge beside it).
struct ConsoleOptions: ParsableArguments {
    @Option(help: "Window: 1m, 5m, 15m, 1h, 6h, 24h (keys 1-6 and w change it; default: [general] window, else 5m).") var window: String?
    @Option(help: "Theme name: default, light, solarized-dark, high-contrast, mono, or a user theme.") var theme: String?
    @Flag(help: "Read-only wallboard: big KPIs, rotating views, only q is accepted.") var wallboard = false
    @Option(help: "Wallboard: time per view (e.g. 15s, 1m).") var rotate: String = "15s"
    @Flag(name: .customLong("no-bell"), help: "Do not ring the bell on new alerts (b toggles it).") var noBell = false
    @Option(name: .customLong("export-dir"), help: "Folder for CSV snapshots written by e (default: [general] export_dir, else the current folder).") var exportDir: String?
    @Option(help: "LiteLLM-format price file, merged over the bundled table.") var prices: String?

    /// The flag wins over `[general] window` in config, which wins over 5m.
    func parsedWindow(config: ConfigValue? = nil) throws -> TimeWindow {
        let text = window ?? config?.at("general.window")?.string ?? "5m"
        guard case .success(let w) = TimeWindow.parse(text), w != .all else {
            throw UsageError("unreadable window '\(text)'; use 1m, 5m, 15m, 1h, 6h or 24h")
        }
        return w
    }

    /// `--theme`, else `[general] theme`, else the first theme.
    func themeName(config: ConfigValue?) -> String? { theme ?? config?.at("general.theme")?.string }

    /// `--export-dir`, else `[general] export_dir`, else the current folder.
    func exportDirectory(config: ConfigValue?) -> String {
        ((exportDir ?? config?.at("general.export_dir")?.string ?? ".") as NSString).expandingTildeInPath
    }

    /// `15s`, `2m`, or plain seconds (at least a second).
    func rotateMs() throws -> Int64 {
        guard case .success(let ms) = DurationText.milliseconds(rotate, bareUnit: .seconds), ms > 0 else {
            throw UsageError("unreadable --rotate '\(rotate)'; use e.g. 15s")
        }
        return max(1000, ms)
    }
}
