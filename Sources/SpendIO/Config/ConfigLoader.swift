import Foundation
import SpendCore
import TOMLKit

/// Finds and reads `config.toml` (SPEC §2): `--config FILE`, else `$XDG_CONFIG_HOME/spendtop/config.toml`.
public enum ConfigLoader {
    /// `$XDG_CONFIG_HOME/spendtop` (default `~/.config/spendtop`).
    public static func configDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let x = environment["XDG_CONFIG_HOME"], !x.isEmpty { return x + "/spendtop" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.config/spendtop"
    }

    /// `$XDG_STATE_HOME/spendtop` (default `~/.local/state/spendtop`): the store and the alert log.
    public static func stateDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let x = environment["XDG_STATE_HOME"], !x.isEmpty { return x + "/spendtop" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state/spendtop"
    }

    /// The explicit file must exist; the default one may be absent (an empty config).
    public static func load(explicitPath: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ConfigValue {
        let path = explicitPath ?? configDirectory(environment: environment) + "/config.toml"
        guard let data = FileManager.default.contents(atPath: path) else {
            if explicitPath != nil { throw ConfigError("cannot read config file \(path)") }
            return .table([:])
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigError("config file \(path) is not UTF-8") }
        return try parse(text, name: path)
    }

    public static func parse(_ text: String, name: String = "config") throws -> ConfigValue {
        do {
            return convert(try TOMLTable(string: text))
        } catch let e as TOMLParseError {
            throw ConfigError("\(name):\(e.source.begin.line):\(e.source.begin.column): \(e.description)")
        } catch {
            throw ConfigError("\(name): \(error)")
        }
    }

    static func convert(_ t: TOMLTable) -> ConfigValue {
        var out = [String: ConfigValue]()
        for (k, v) in t { out[k] = convert(v) }
        return .table(out)
    }

    static func convert(_ v: TOMLValueConvertible) -> ConfigValue {
        if let t = v.table { return convert(t) }
        if let a = v.array { return .array(a.map { convert($0) }) }
        if let b = v.bool { return .bool(b) }
        if let i = v.int { return .int(Int64(i)) }
        if let d = v.double { return .double(d) }
        if let s = v.string { return .string(s) }
        return .string(v.debugDescription)
    }
}
