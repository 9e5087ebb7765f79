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
        if let d = try duration(defaults?["idle_timeout"], "[sources] idle_timeout") {
            guard d > 0 else { throw ConfigError("[sources] idle_timeout must be longer than 0") }
            s.idleTimeoutSeconds = d
        }
        if let d = try duration(defaults?["read_idle"], "[sources] read_idle") { s.finiteIdleSeconds = d }
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

    /// `15s`, `2m`, `1h`, `7d`, or a number of seconds, in seconds (`DurationText`'s grammar and ceiling).
    public static func duration(_ v: ConfigValue?, _ name: String) throws -> Double? {
        guard let v else { return nil }
        let parsed: Result<Int64, DurationError>
        if let d = v.double {
            parsed = DurationText.milliseconds(number: d, unit: .seconds)
        } else if let text = v.string {
            parsed = DurationText.milliseconds(text, bareUnit: .seconds)
        } else {
            throw ConfigError("\(name): unreadable duration; use e.g. 15s, 5m, 7d")
        }
        switch parsed {
        case .success(let ms): return Double(ms) / 1000
        case .failure(let e): throw ConfigError("\(name): \(e.description)")
        }
    }

    /// Seconds for a duration text, bare numbers in seconds; nil when unreadable or too long.
    public static func parseDuration(_ text: String) -> Double? {
        (try? DurationText.milliseconds(text, bareUnit: .seconds).get()).map { Double($0) / 1000 }
    }
}
