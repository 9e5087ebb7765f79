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
        if let problem = precheck(text) { throw ConfigError("\(name):\(problem)") }
        do {
            return convert(try TOMLTable(string: text))
        } catch let e as TOMLParseError {
            throw ConfigError("\(name):\(e.source.begin.line):\(e.source.begin.column): \(e.description)")
        } catch {
            throw ConfigError("\(name): \(error)")
        }
    }

    /// What TOML forbids and toml++ does not survive (it asserts on a non-ASCII bare key, and the
    /// C string it is handed ends at a NUL): control characters anywhere, non-ASCII outside strings
    /// and comments. Returns "LINE:COLUMN: why", or nil.
    static func precheck(_ text: String) -> String? {
        enum State { case plain, basic, literal, multiBasic, multiLiteral, comment }
        var state = State.plain
        let u = Array(text.unicodeScalars)
        var line = 1, column = 0, i = 0
        // Bracket depth of values, and whether only blanks precede on this line: a `[` there at depth 0
        // opens a table header, whose first name character toml++ also asserts on (`[#]`, `[=]`, `[.]`).
        var depth = 0, lineStart = true
        func starts(_ s: String) -> Bool {
            let v = Array(s.unicodeScalars)
            return i + v.count <= u.count && Array(u[i..<(i + v.count)]) == v
        }
        while i < u.count {
            let c = u[i]
            column += 1
            if c == "\n" { line += 1; column = 0; lineStart = true; if state == .comment { state = .plain } }
            if (c.value < 32 && c != "\t" && c != "\n" && c != "\r") || c.value == 127 {
                let code = String(c.value, radix: 16, uppercase: true)
                return "\(line):\(column): control character U+\(code) is not allowed in TOML"
            }
            switch state {
            case .plain:
                if c.value > 127 { return "\(line):\(column): '\(c)' outside a string; quote the key (\"\(c)\")" }
                if c == "[" && lineStart && depth == 0 {
                    var j = i + 1
                    if j < u.count && u[j] == "[" { j += 1 }
                    // As toml++ does: only spaces and tabs are skipped, so `[` at a line end asserts there too.
                    while j < u.count && (u[j] == " " || u[j] == "\t") { j += 1 }
                    if j < u.count, !ConfigLoader.startsTableName(u[j]) {
                        let at = column + j - i
                        return "\(line):\(at): a table name starts with a letter, digit, _ or -, or is quoted"
                    }
                }
                if c == "[" { depth += 1 } else if c == "]" { depth = max(0, depth - 1) }
                if c != " " && c != "\t" && c != "\n" && c != "\r" { lineStart = false }
                if c == "#" { state = .comment }
                else if starts("\"\"\"") { state = .multiBasic; i += 3; continue }
                else if starts("'''") { state = .multiLiteral; i += 3; continue }
                else if c == "\"" { state = .basic }
                else if c == "'" { state = .literal }
            case .basic:
                if c == "\\" { i += 2; column += 1; continue }
                if c == "\"" || c == "\n" { state = .plain }
            case .literal:
                if c == "'" || c == "\n" { state = .plain }
            case .multiBasic:
                if c == "\\" { i += 2; column += 1; continue }
                if starts("\"\"\"") { state = .plain; i += 3; continue }
            case .multiLiteral:
                if starts("'''") { state = .plain; i += 3; continue }
            case .comment:
                break
            }
            i += 1
        }
        return nil
    }

    static func startsTableName(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "-", "\"", "'", "]": return true
        default: return false
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
