import Foundation
import SpendCore
import SpendIO
import SpendUI
#if canImport(Glibc)
import Glibc
#endif

/// Starts the console on the real terminal, after checking that there is one worth drawing on.
enum ConsoleLauncher {
    /// The reason the console cannot start here, or nil. Non-TTY stdout and TERM=dumb get a clear
    /// message (SPEC §9) rather than escape codes in a pipe; `spendtop export` is the headless path.
    static func unusableTerminal(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if isatty(STDOUT_FILENO) == 0 {
            return "stdout is not a terminal: the console needs one. For CSV use `spendtop export SOURCE --view features`"
        }
        if isatty(STDIN_FILENO) == 0 {
            return "stdin is not a terminal: the console reads keys from it. Give the file as a SOURCE instead of piping it"
        }
        let term = environment["TERM"] ?? ""
        if term.isEmpty || term == "dumb" {
            return "TERM=\(term.isEmpty ? "(unset)" : term) cannot draw the console; set TERM (e.g. xterm-256color) or use `spendtop export`"
        }
        return nil
    }

    /// Bundled and user themes, in cycling order, starting with `--theme` when given.
    static func themes(selected: String?) throws -> (themes: [Theme], index: Int) {
        let (files, errors) = ThemeLoader.load(directories: ThemeLoader.directories())
        var themes: [Theme] = []
        for f in files {
            do { themes.append(try Theme(config: f.config, fallbackName: f.name)) } catch {
                FileHandle.standardError.write(Data("spendtop: skipping theme \(f.path): \(error)\n".utf8))
            }
        }
        for e in errors { FileHandle.standardError.write(Data("spendtop: skipping theme: \(e)\n".utf8)) }
        if themes.isEmpty { themes = [.builtIn] }
        guard let name = selected else { return (themes, 0) }
        guard let i = themes.firstIndex(where: { $0.name == name }) else {
            throw UsageError("unknown theme '\(name)'; available: \(themes.map(\.name).joined(separator: ", "))")
        }
        return (themes, i)
    }

    /// Checks every console option (usage errors exit 2 whether or not there is a terminal).
    static func prepare(_ o: ConsoleOptions, config: ConfigValue? = nil) throws -> ConsoleApp.Options {
        var opts = ConsoleApp.Options()
        opts.window = try o.parsedWindow(config: config)
        (opts.themes, opts.themeIndex) = try themes(selected: o.themeName(config: config))
        opts.bell = !o.noBell
        if let v = config?.at("gpu.hourly_price_usd") {
            guard let price = v.double, price >= 0, price.isFinite else {
                throw UsageError("config [gpu] hourly_price_usd must be a number of dollars per GPU-hour")
            }
            opts.gpuHourlyUSD = price
        }
        let exportDir = o.exportDirectory(config: config)
        opts.exportDirectory = exportDir
        if o.wallboard { opts.wallboardRotateMs = try o.rotateMs() }
        var isDir: ObjCBool = false
        if !o.wallboard && !(FileManager.default.fileExists(atPath: exportDir, isDirectory: &isDir) && isDir.boolValue) {
            throw UsageError("--export-dir \(exportDir) is not a folder")
        }
        return opts
    }

    static func run(feed: SpendFeed, alerts: AlertSource?, options opts: ConsoleApp.Options) throws {
        if let reason = unusableTerminal() { throw RuntimeError(reason) }
        let terminal: CursesTerminal
        do { terminal = try CursesTerminal() } catch { throw RuntimeError("\(error)") }
        ConsoleApp(feed: feed, alerts: alerts, terminal: terminal, options: opts).run()
    }
}
