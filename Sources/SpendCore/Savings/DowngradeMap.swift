/// Model → its cheaper sibling, for right-sizing. Looked up as the price table looks up models:
/// the exact name, then without a provider prefix, then without a date suffix, then ignoring case.
public struct DowngradeMap: Sendable, Equatable {
    public private(set) var siblings: [String: String]

    public init(_ siblings: [String: String]) { self.siblings = siblings }

    /// The pairs the issue names: each frontier model's smaller sibling in the same family.
    public static let bundled = DowngradeMap([
        "gpt-4o": "gpt-4o-mini", "gpt-4.1": "gpt-4.1-mini", "gpt-4.1-mini": "gpt-4.1-nano",
        "gpt-5": "gpt-5-mini", "gpt-5-mini": "gpt-5-nano", "o3": "o4-mini",
        "claude-opus-4-1": "claude-sonnet-4-5", "claude-sonnet-4-5": "claude-haiku-4-5",
        "gemini-2.5-pro": "gemini-2.5-flash", "gemini-2.5-flash": "gemini-2.5-flash-lite",
    ])

    /// Entries of `overrides` replace or add pairs; an empty sibling removes the model's pair.
    public func merging(_ overrides: [String: String]) -> DowngradeMap {
        var s = siblings
        for (model, sibling) in overrides { s[model] = sibling.isEmpty ? nil : sibling }
        return DowngradeMap(s)
    }

    public func sibling(for model: String) -> String? {
        let names = PriceTable.candidates(model)
        for name in names { if let s = siblings[name] { return s } }
        for name in names {
            if let s = siblings.first(where: { $0.key.lowercased() == name.lowercased() })?.value { return s }
        }
        return nil
    }
}
