import Foundation
import SpendCore

/// Reads the source and store settings of config.toml (see docs/sources.md):
/// `[sources]` defaults, `[[source]]` entries matched by URL prefix, `[store]`.
public enum SourceConfig {
    /// Settings for one source: defaults, then `[sources]`, then every `[[source]]` whose `url` is a
    /// prefix of the source's URL. Header values from `header_env` come from the environment.
    public static func settings(for spec: SourceSpec, config: ConfigValue, insecure: Bool,
                                environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SourceSettings {
        var s = SourceSettings()
        s.insecure = insecure
        let defaults = config["sources"]
        if let d = try duration(defaults?["prom_interval"], "[sources] prom_interval") { s.scrapeIntervalSeconds = d }
        if let d = try duration(defaults?["idle_timeout"], "[sources] idle_timeout") { s.idleTimeoutSeconds = d }
        if let d = try duration(defaults?["backoff_cap"], "[sources] backoff_cap") { s.backoffCapSeconds = d }
        if let n = defaults?["max_line_bytes"]?.int, n > 0 { s.maxLineBytes = Int(n) }
        let url: String
        switch spec {
        case .http(let u), .prometheus(let u), .promql(let u): url = u
        default: return s
        }
        for (i, entry) in config.tables("source").enumerated() {
            guard let prefix = entry["url"]?.string, url.hasPrefix(prefix) else { continue }
            let name = "[[source]] #\(i + 1)"
            if let d = try duration(entry["interval"], "\(name) interval") { s.scrapeIntervalSeconds = d }
            if let b = entry["insecure"]?.bool { s.insecure = s.insecure || b }
            for (k, v) in entry["headers"]?.table ?? [:] {
                guard let value = v.string else { throw ConfigError("\(name): header \(k) must be a string") }
                s.headers.append((k, value))
            }
            for (k, v) in entry["header_env"]?.table ?? [:] {
                guard let variable = v.string else { throw ConfigError("\(name): header_env \(k) must name a variable") }
                guard let value = environment[variable], !value.isEmpty else {
                    throw ConfigError("\(name): environment variable \(variable) (for header \(k)) is not set")
                }
                s.headers.append((k, value))
            }
        }
        return s
    }

    /// `[store] retention` in days (default 7).
    public static func retentionDays(_ config: ConfigValue) throws -> Double {
        try duration(config.at("store.retention"), "[store] retention").map { $0 / 86_400 } ?? 7
    }

    /// `[store] path`, with `~` expanded.
    public static func storePath(_ config: ConfigValue) -> String? {
        config.at("store.path")?.string.map { ($0 as NSString).expandingTildeInPath }
    }

    /// `15s`, `2m`, `1h`, `7d`, or a number of seconds.
    public static func duration(_ v: ConfigValue?, _ name: String) throws -> Double? {
        guard let v else { return nil }
        if let d = v.double, d >= 0 { return d }
        guard let text = v.string, let d = parseDuration(text) else {
            throw ConfigError("\(name): unreadable duration; use e.g. 15s, 5m, 7d")
        }
        return d
    }

    public static func parseDuration(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 604_800)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            if let n = Double(t.dropLast(suffix.count)), n >= 0 { return n * factor }
        }
        return Double(t).flatMap { $0 >= 0 ? $0 : nil }
    }
}
