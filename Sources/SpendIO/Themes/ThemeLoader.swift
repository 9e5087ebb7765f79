import Foundation
import SpendCore

/// Finds theme files: the bundled `themes/*.toml` and the user's `$XDG_CONFIG_HOME/spendtop/themes/`
/// (a user theme with a bundled name replaces it). Returns parsed tables; SpendUI makes `Theme`s.
public enum ThemeLoader {
    public struct ThemeFile: Equatable {
        public var name: String
        public var path: String
        public var config: ConfigValue
    }

    /// The order `t` cycles in: the bundled ones in this order, then the rest by name.
    public static let preferredOrder = ["default", "light", "solarized-dark", "high-contrast", "mono"]

    /// `themes/` beside the executable or up to five folders above it (the build tree), else the working folder's.
    public static func bundledDirectory(executable: String = CommandLine.arguments[0]) -> String? {
        let exe = URL(fileURLWithPath: executable).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        var candidates: [String] = []
        for _ in 0..<6 {
            candidates.append(dir.appendingPathComponent("themes").path)
            candidates.append(dir.appendingPathComponent("share/spendtop/themes").path)
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(FileManager.default.currentDirectoryPath + "/themes")
        return candidates.first { path in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: path + "/default.toml", isDirectory: &isDir) && !isDir.boolValue
        }
    }

    /// Every readable theme; files that fail to parse are reported in `errors`, not fatal.
    public static func load(directories: [String]) -> (themes: [ThemeFile], errors: [String]) {
        var byName: [String: ThemeFile] = [:]
        var errors: [String] = []
        for dir in directories {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for file in names.sorted() where file.hasSuffix(".toml") {
                let path = dir + "/" + file
                let base = String(file.dropLast(5))
                do {
                    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ConfigError("cannot read \(path)") }
                    let config = try ConfigLoader.parse(text, name: path)
                    let name = config["name"]?.string ?? base
                    byName[name] = ThemeFile(name: name, path: path, config: config)
                } catch {
                    errors.append("\(error)")
                }
            }
        }
        let sorted = byName.values.sorted { a, b in
            let ia = preferredOrder.firstIndex(of: a.name) ?? Int.max, ib = preferredOrder.firstIndex(of: b.name) ?? Int.max
            return ia != ib ? ia < ib : a.name < b.name
        }
        return (sorted, errors)
    }

    /// Bundled and user theme directories, in override order.
    public static func directories(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var dirs: [String] = []
        if let b = bundledDirectory() { dirs.append(b) }
        dirs.append(ConfigLoader.configDirectory(environment: environment) + "/themes")
        return dirs
    }
}
