/// A threshold rule: `metric` over `window` for `scope` is above/below `threshold` for `for` minutes.
/// It fires once when that starts holding; it clears when the value is back past `clearThreshold`
/// (hysteresis), and a breach again within `cooldown` of clearing continues the same incident.
public struct AlertRule: Equatable, Sendable {
    public enum Comparison: String, Sendable { case above, below }

    public var name: String
    public var scope: AlertScope
    public var metric: AlertMetric
    public var comparison: Comparison
    public var threshold: Double
    public var windowMinutes: Int
    public var forMinutes: Int
    /// The value the metric must get back past before the incident ends (default 10% inside the threshold).
    public var clearThreshold: Double
    public var cooldownMinutes: Int

    public static let defaultWindowMinutes = 5
    public static let defaultCooldownMinutes = 10
    public static let hysteresis = 0.10

    public init(name: String? = nil, scope: AlertScope, metric: AlertMetric, comparison: Comparison, threshold: Double,
                windowMinutes: Int = AlertRule.defaultWindowMinutes, forMinutes: Int = 0, clearThreshold: Double? = nil,
                cooldownMinutes: Int = AlertRule.defaultCooldownMinutes) {
        self.scope = scope
        self.metric = metric
        self.comparison = comparison
        self.threshold = threshold
        self.windowMinutes = max(1, windowMinutes)
        self.forMinutes = max(0, forMinutes)
        self.cooldownMinutes = max(0, cooldownMinutes)
        let margin = abs(threshold) * AlertRule.hysteresis
        self.clearThreshold = clearThreshold ?? (comparison == .above ? threshold - margin : threshold + margin)
        self.name = name ?? "\(scope):\(metric.rawValue)\(comparison == .above ? ">" : "<")\(AlertFormat.number(threshold))"
    }

    public func breaches(_ v: Double) -> Bool { comparison == .above ? v > threshold : v < threshold }
    public func cleared(_ v: Double) -> Bool { comparison == .above ? v <= clearThreshold : v >= clearThreshold }
}
