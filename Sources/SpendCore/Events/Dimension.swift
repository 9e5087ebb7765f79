/// A way of attributing spend: the group-by axes of rollups, views and filters.
public enum Dimension: Int, CaseIterable, Sendable, Codable {
    case feature = 0, apiKey, model, team, provider, user, gateway, gpu

    /// Name in filters (`--filter api_key=…`), CSV headers and config.
    public var name: String {
        switch self {
        case .feature: return "feature"
        case .apiKey: return "api_key"
        case .model: return "model"
        case .team: return "team"
        case .provider: return "provider"
        case .user: return "user"
        case .gateway: return "gateway"
        case .gpu: return "gpu"
        }
    }

    /// Title for panes and breadcrumbs.
    public var title: String {
        switch self {
        case .feature: return "Features"
        case .apiKey: return "API keys"
        case .model: return "Models"
        case .team: return "Teams"
        case .provider: return "Providers"
        case .user: return "Users"
        case .gateway: return "Gateways"
        case .gpu: return "GPUs"
        }
    }

    public init?(name: String) {
        switch name.lowercased() {
        case "feature", "features": self = .feature
        case "api_key", "key", "keys", "api_keys", "apikey": self = .apiKey
        case "model", "models": self = .model
        case "team", "teams": self = .team
        case "provider", "providers": self = .provider
        case "user", "users": self = .user
        case "gateway", "gateways": self = .gateway
        case "gpu", "gpus": self = .gpu
        default: return nil
        }
    }

    /// Dimensions that request events carry (GPU samples are rolled separately).
    public static let requestDimensions: [Dimension] = [.feature, .apiKey, .model, .team, .provider, .user, .gateway]
}
