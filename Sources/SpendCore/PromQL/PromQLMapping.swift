import Foundation

/// How a Prometheus-compatible engine's series map onto spendtop's measures and dimensions: which
/// counters hold spend, tokens and requests, which labels hold each dimension. Defaults follow LiteLLM's
/// Prometheus exporter; `[promql]` in config overrides any of them (docs/sources.md).
public struct PromQLMapping: Sendable, Equatable {
    /// The counters read, by the measure they feed; a measure without a counter stays 0.
    public var counters: [CounterField: String] = [
        .spend: "litellm_spend_metric_total",
        .requests: "litellm_requests_metric_total",
        .inputTokens: "litellm_input_tokens_metric_total",
        .outputTokens: "litellm_output_tokens_metric_total",
    ]
    /// Matchers added to every selector (`job="litellm"`), to pick one exporter's series in a shared engine.
    public var matchers = ""

    public var modelLabel = "model"
    public var teamLabel = "team"
    /// Shown for a team when present; identity stays the team label.
    public var teamAliasLabel = "team_alias"
    public var keyLabel = "hashed_api_key"
    /// Shown for a key when present (masked like every key); identity stays the key label.
    public var keyAliasLabel = "api_key_alias"
    public var providerLabel = "api_provider"
    /// The label holding a request tag; `feature:NAME` there names the feature.
    public var tagLabel = "tag"
    /// Where the feature comes from when no tag names one (LiteLLM's `metadata_<key>` labels).
    public var featureLabel = "metadata_feature"
    public var userLabel = "end_user"
    public var gatewayLabel = "instance"

    public var gpuHostLabel = "Hostname"
    public var gpuIndexLabel = "gpu"
    /// vLLM exports per engine process, not per GPU: its series are named `<label value>:vllm<engine>`.
    public var vllmNodeLabel = "instance"
    public var vllmEngineLabel = "engine"

    /// How long a counter may go unscraped and still be the same run (longer: it starts a new run when it
    /// comes back, and its whole value counts as new growth). Also the window the levels look back over.
    public var maxGapSeconds = 3600
    /// Read GPU gauges (DCGM, vLLM) too.
    public var readsGPUs = true

    public init() {}

    /// The measure a counter feeds.
    public enum CounterField: String, CaseIterable, Sendable {
        case spend, requests, errors
        case inputTokens = "input_tokens", outputTokens = "output_tokens"
        case cacheReadTokens = "cache_read_tokens", cacheWriteTokens = "cache_write_tokens"

        public func add(_ v: Double, to m: inout Measures) {
            guard v.isFinite, v > 0 else { return }
            switch self {
            case .spend: m.spend += v
            case .requests: m.requests &+= Int64(v.rounded())
            case .errors: m.errors &+= Int64(v.rounded())
            case .inputTokens: m.inputTokens &+= Int64(v.rounded())
            case .outputTokens: m.outputTokens &+= Int64(v.rounded())
            case .cacheReadTokens: m.cacheReadTokens &+= Int64(v.rounded())
            case .cacheWriteTokens: m.cacheWriteTokens &+= Int64(v.rounded())
            }
        }
    }

    /// The labels a grouping by `d` must keep (identity and display form).
    public func labels(for d: Dimension) -> [String] {
        switch d {
        case .feature: return unique([tagLabel, featureLabel])
        case .apiKey: return unique([keyLabel, keyAliasLabel])
        case .model: return [modelLabel]
        case .team: return unique([teamLabel, teamAliasLabel])
        case .provider: return [providerLabel]
        case .user: return [userLabel]
        case .gateway: return [gatewayLabel]
        case .gpu: return unique([gpuHostLabel, gpuIndexLabel])
        }
    }

    /// The `by (…)` labels of a grouping, in a stable order.
    public func groupLabels(_ dimensions: [Dimension]) -> [String] {
        unique(dimensions.flatMap { labels(for: $0) })
    }

    func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// A label's value, with prometheus_client's `None` (what LiteLLM writes for a missing value) read as absent.
    static func value(_ labels: [String: String], _ name: String) -> String? {
        guard !name.isEmpty, let v = labels[name], !v.isEmpty, v != "None" else { return nil }
        return v
    }

    /// The value of `d` for one answered series: identity from the raw label, display form masked and cleaned.
    public func value(_ d: Dimension, labels: [String: String]) -> DimensionValue {
        let v = { (name: String) in PromQLMapping.value(labels, name) }
        switch d {
        case .feature:
            if let tag = v(tagLabel), tag.hasPrefix("feature:"), tag.count > 8 {
                return DimensionValue(raw: String(tag.dropFirst(8)), dimension: .feature)
            }
            if let f = v(featureLabel) { return DimensionValue(raw: f, dimension: .feature) }
            return DimensionValue(raw: v(tagLabel), dimension: .feature)
        case .apiKey:
            guard let raw = v(keyLabel) ?? v(keyAliasLabel) else { return .none }
            let shown = v(keyAliasLabel) ?? raw
            return DimensionValue(id: ByteHash.hash(raw), name: Interner.displayName(shown, dimension: .apiKey))
        case .team:
            guard let raw = v(teamLabel) ?? v(teamAliasLabel) else { return .none }
            let shown = v(teamAliasLabel) ?? raw
            return DimensionValue(id: ByteHash.hash(raw), name: Interner.displayName(shown, dimension: .team))
        case .model: return DimensionValue(raw: v(modelLabel), dimension: .model)
        case .provider: return DimensionValue(raw: v(providerLabel), dimension: .provider)
        case .user: return DimensionValue(raw: v(userLabel), dimension: .user)
        case .gateway: return DimensionValue(raw: v(gatewayLabel), dimension: .gateway)
        case .gpu:
            guard let host = v(gpuHostLabel) else { return .none }
            return DimensionValue(raw: host + ":" + (v(gpuIndexLabel) ?? "0"), dimension: .gpu)
        }
    }

    // MARK: config

    /// `[promql]` of config.toml over the defaults; unknown keys and malformed names are errors.
    public init(config: ConfigValue?) throws {
        self.init()
        guard let table = config?.table else {
            if config != nil { throw ConfigError("[promql] must be a table") }
            return
        }
        let labelKeys: [String: WritableKeyPath<PromQLMapping, String>] = [
            "model_label": \.modelLabel, "team_label": \.teamLabel, "team_alias_label": \.teamAliasLabel,
            "key_label": \.keyLabel, "key_alias_label": \.keyAliasLabel, "provider_label": \.providerLabel,
            "tag_label": \.tagLabel, "feature_label": \.featureLabel, "user_label": \.userLabel,
            "gateway_label": \.gatewayLabel, "gpu_host_label": \.gpuHostLabel, "gpu_index_label": \.gpuIndexLabel,
            "vllm_node_label": \.vllmNodeLabel, "vllm_engine_label": \.vllmEngineLabel,
        ]
        let otherKeys: Set<String> = ["metrics", "matchers", "max_gap", "gpus", "poll", "reread", "timeout",
                                      "scrape_interval", "org_id", "bearer_token_env", "basic_user",
                                      "basic_password_env", "max_points", "insecure", "max_body", "concurrency"]
        for (key, value) in table {
            if let path = labelKeys[key] {
                guard let name = value.string, name.isEmpty || PromQLQueries.isLabelName(name) else {
                    throw ConfigError("[promql] \(key): not a label name")
                }
                self[keyPath: path] = name
            } else if !otherKeys.contains(key) {
                throw ConfigError("[promql] unknown key '\(TextSanitizer.clean(key))'")
            }
        }
        if let m = table["matchers"] {
            guard let text = m.string, PromQLQueries.isMatcherList(text) else {
                throw ConfigError("[promql] matchers: write label matchers, e.g. job=\"litellm\"")
            }
            matchers = text
        }
        if let g = table["gpus"] {
            guard let b = g.bool else { throw ConfigError("[promql] gpus: true or false") }
            readsGPUs = b
        }
        if let gap = table["max_gap"] {
            guard let s = gap.int ?? gap.string.flatMap({ PromQLMapping.seconds($0) }), s >= 60 else {
                throw ConfigError("[promql] max_gap: a duration of at least 1m, e.g. 1h")
            }
            maxGapSeconds = Int(s)
        }
        if let metrics = table["metrics"] {
            guard let t = metrics.table else { throw ConfigError("[promql.metrics] must be a table") }
            for (key, value) in t {
                guard let field = CounterField(rawValue: key) else {
                    throw ConfigError("[promql.metrics] unknown measure '\(TextSanitizer.clean(key))'; use "
                        + CounterField.allCases.map(\.rawValue).joined(separator: ", "))
                }
                guard let selector = value.string else { throw ConfigError("[promql.metrics] \(key): a metric name") }
                if selector.isEmpty { counters[field] = nil; continue }
                guard PromQLQueries.isSelector(selector) else {
                    let shown = TextSanitizer.clean(selector)
                    throw ConfigError("[promql.metrics] \(key): not a metric selector: \(shown)")
                }
                counters[field] = selector
            }
            if counters.isEmpty { throw ConfigError("[promql.metrics] leaves no counter to read") }
        }
    }

    /// `90s`, `15m`, `1h`, `2d` in whole seconds.
    public static func seconds(_ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        for (suffix, factor) in [("s", 1.0), ("m", 60.0), ("h", 3600.0), ("d", 86_400.0)] where t.hasSuffix(suffix) {
            if let n = Double(t.dropLast()), n >= 0 { return Int64((n * factor).rounded()) }
        }
        return Int64(t).flatMap { $0 >= 0 ? $0 : nil }
    }
}
