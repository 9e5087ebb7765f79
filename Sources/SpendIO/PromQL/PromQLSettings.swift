import Foundation
import SpendCore

/// Where and how to reach a Prometheus-compatible query API (`promql:http(s)://host:port[/prefix]`), and how
/// often to poll it. Credentials come from the URL's user info, `[promql]` (values from environment
/// variables) or `[[source]]` headers; they are sent as headers and never appear in a name or a message.
public struct PromQLSettings: @unchecked Sendable {
    /// `http(s)://host:port[/prefix]`, no user info, no trailing slash.
    public let baseURL: String
    public var headers: [(String, String)] = []
    public var insecure = false
    /// One request's limit (connect + answer): Prometheus' own query timeout (2 min) by default, since a
    /// high-cardinality grouping over a day can take the engine tens of seconds.
    public var timeoutSeconds: Double = 120
    /// An answer larger than this is refused as "too many series" rather than read into memory.
    public var maxBodyBytes = 256 << 20
    /// Live polling: every `pollSeconds` (never more often than the engine scrapes), re-reading
    /// `rereadMinutes` before the newest complete minute (samples of a minute land up to a scrape later).
    public var pollSeconds: Double = 15
    public var scrapeIntervalSeconds: Double = 15
    public var rereadMinutes: Int64 = 3
    /// Points per series a read may ask for; longer windows get coarser steps.
    public var maxPoints: Int64 = 1_500
    /// Queries of one read in flight at once.
    public var concurrency = 4
    public var mapping = PromQLMapping()
    /// Header values and passwords: masked out of every message.
    public private(set) var secrets: [String] = []

    /// The name shown in the header, `check` and errors.
    public var name: String { "promql:" + baseURL }

    /// Reads `promql:URL` (or a bare URL); user info becomes basic auth.
    public init(url text: String) throws {
        let url = text.lowercased().hasPrefix("promql:") ? String(text.dropFirst(7)) : text
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), var c = URLComponents(string: url),
              !(c.host ?? "").isEmpty else {
            throw ConfigError("source promql:\(SourceSpec.redact(url)): needs an http(s) URL, "
                              + "e.g. promql:http://host:9090")
        }
        guard c.query == nil, c.fragment == nil else {
            throw ConfigError("source promql:\(SourceSpec.redact(url)): no query string; put settings in [promql]")
        }
        let user = c.percentEncodedUser.flatMap { $0.removingPercentEncoding }
        let password = c.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        c.user = nil
        c.password = nil
        while c.path.hasSuffix("/") { c.path.removeLast() }
        guard let base = c.string else { throw ConfigError("source promql:(unreadable URL)") }
        baseURL = base
        if let user { addBasicAuth(user: user, password: password ?? "") }
    }

    mutating func addBasicAuth(user: String, password: String) {
        let token = Data("\(user):\(password)".utf8).base64EncodedString()
        addSecretHeader("Authorization", "Basic " + token)
        if !password.isEmpty { secrets.append(password) }
    }

    mutating func addSecretHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.0.lowercased() == name.lowercased() }
        headers.append((name, value))
        if !value.isEmpty { secrets.append(value) }
        if let space = value.firstIndex(of: " ") { secrets.append(String(value[value.index(after: space)...])) }
    }

    /// `text` with every credential replaced by `***`, control characters stripped.
    public func mask(_ text: String) -> String {
        var out = text
        for s in secrets.sorted(by: { $0.count > $1.count }) where s.count >= 3 {
            out = out.replacingOccurrences(of: s, with: "***")
        }
        return TextSanitizer.clean(out)
    }

    /// The settings for `url` from config: `[promql]` (mapping, auth, intervals) and the `[[source]]` headers and
    /// TLS already resolved in `source`.
    public static func load(url: String, config: ConfigValue, source: SourceSettings,
                            environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> PromQLSettings {
        var s = try PromQLSettings(url: url)
        let p = config["promql"]
        s.mapping = try PromQLMapping(config: p)
        s.insecure = source.insecure || (p?["insecure"]?.bool ?? false)
        s.scrapeIntervalSeconds = source.scrapeIntervalSeconds
        for (k, v) in source.headers { s.addSecretHeader(k, v) }
        func duration(_ key: String) throws -> Double? {
            try SourceConfig.duration(p?[key], "[promql] \(key)")
        }
        if let d = try duration("poll") { s.pollSeconds = d }
        if let d = try duration("scrape_interval") { s.scrapeIntervalSeconds = d }
        if let d = try duration("timeout"), d > 0 { s.timeoutSeconds = d }
        if let d = try duration("reread") { s.rereadMinutes = max(1, Int64((d / 60).rounded(.up))) }
        if let n = p?["max_points"]?.int {
            guard (60...11_000).contains(n) else { throw ConfigError("[promql] max_points: between 60 and 11000") }
            s.maxPoints = n
        }
        if let n = p?["max_body"]?.int, n > 0 { s.maxBodyBytes = Int(n) }
        if let n = p?["concurrency"]?.int {
            guard (1...32).contains(n) else { throw ConfigError("[promql] concurrency: between 1 and 32") }
            s.concurrency = Int(n)
        }
        // Never poll faster than the engine scrapes: the newest minute would not have changed.
        s.pollSeconds = max(s.pollSeconds, s.scrapeIntervalSeconds, 1)
        func env(_ key: String) throws -> String? {
            guard let name = p?[key] else { return nil }
            guard let variable = name.string, !variable.isEmpty else {
                throw ConfigError("[promql] \(key) must name a variable")
            }
            guard let value = environment[variable], !value.isEmpty else {
                throw ConfigError("[promql] \(key): environment variable \(variable) is not set")
            }
            return value
        }
        if let token = try env("bearer_token_env") { s.addSecretHeader("Authorization", "Bearer " + token) }
        if let user = p?["basic_user"] {
            guard let u = user.string else { throw ConfigError("[promql] basic_user must be a string") }
            s.addBasicAuth(user: u, password: try env("basic_password_env") ?? "")
        }
        if let org = p?["org_id"] {
            guard let o = org.string, !o.isEmpty, !o.contains(where: { $0.isNewline }) else {
                throw ConfigError("[promql] org_id must be a tenant name")
            }
            s.headers.append(("X-Scope-OrgID", o))
        }
        return s
    }
}
