import SpendCore

/// Reads the savings advisor's settings from config.toml (docs/savings.md): `[savings]`,
/// `[savings.downgrade]`, `[gpu] hourly_price_usd` and `[gpu.prices]`. A value of the wrong shape
/// is an error naming it, never silently a default.
public enum SavingsConfig {
    public static func settings(_ config: ConfigValue) throws -> SavingsSettings {
        var s = SavingsSettings()
        let section = config["savings"]
        if let v = section?["simple_max_output"] {
            s.simpleMaxOutput = try number(v, "[savings] simple_max_output", "a number of tokens", { $0 > 0 })
        }
        if let v = section?["cache_target_ratio"] {
            s.cacheTargetRatio = try number(v, "[savings] cache_target_ratio", "a ratio in (0, 1]",
                                            { $0 > 0 && $0 <= 1 })
        }
        if let v = section?["idle_util_pct"] {
            s.idleUtilPct = try number(v, "[savings] idle_util_pct", "a percent in (0, 100]", { $0 > 0 && $0 <= 100 })
        }
        if let v = section?["batch_features"] {
            guard let names = v.array?.map(\.string), names.allSatisfy({ $0 != nil }) else {
                throw ConfigError("[savings] batch_features must be a list of feature names")
            }
            s.batchFeatures = Set(names.compactMap { $0 })
        }
        if let v = section?["downgrade"] {
            guard let table = v.table else {
                throw ConfigError("[savings.downgrade] must be a table of model = \"sibling\"")
            }
            var overrides: [String: String] = [:]
            for (model, sibling) in table {
                guard let name = sibling.string else {
                    throw ConfigError("[savings.downgrade] \(model) must name a model (\"\" removes the pair)")
                }
                overrides[model] = name
            }
            s.downgrade = s.downgrade.merging(overrides)
        }
        if let v = config.at("gpu.hourly_price_usd") {
            s.gpuHourlyUSD = try number(v, "[gpu] hourly_price_usd", "a number of dollars per GPU-hour", { $0 >= 0 })
        }
        if let v = config.at("gpu.prices") {
            guard let table = v.table else {
                throw ConfigError("[gpu.prices] must be a table of node = dollars per GPU-hour")
            }
            for (node, price) in table {
                s.gpuPrices[node] = try number(price, "[gpu.prices] \(node)", "a number of dollars per GPU-hour",
                                               { $0 >= 0 })
            }
        }
        return s
    }

    static func number(_ v: ConfigValue, _ name: String, _ what: String, _ ok: (Double) -> Bool) throws -> Double {
        guard let d = v.double, d.isFinite, ok(d) else { throw ConfigError("\(name) must be \(what)") }
        return d
    }
}
