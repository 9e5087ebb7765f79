import Foundation

/// Where a rule looks: the fleet, or groups narrowed by exact dimension values (`feature=support-chat`,
/// `feature=x,api_key=prod-web`, `gpu=h100-b:2`).
public struct AlertScope: Equatable, Sendable, CustomStringConvertible {
    public var filters: [ViewQuery.Filter]

    public static let fleet = AlertScope(filters: [])

    public init(filters: [ViewQuery.Filter]) { self.filters = filters }

    /// `fleet`, `all` or empty is the fleet; otherwise `DIM=VALUE[,DIM=VALUE]`.
    public init(parsing text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        let shown = KeyMask.redact(text)
        if t.isEmpty || t == "fleet" || t == "all" || t == "*" { self = .fleet; return }
        var filters: [ViewQuery.Filter] = []
        for part in t.split(separator: ",") {
            let p = part.trimmingCharacters(in: .whitespaces)
            guard let eq = p.firstIndex(of: "=") else { throw ConfigError("scope '\(shown)': expected DIM=VALUE, got '\(KeyMask.redact(p))'") }
            let dimName = String(p[..<eq])
            guard let d = Dimension(name: dimName) else {
                throw ConfigError("scope '\(shown)': unknown dimension '\(KeyMask.redact(dimName))' (one of \(Dimension.allCases.map(\.name).joined(separator: ", ")))")
            }
            let value = String(p[p.index(after: eq)...])
            guard !value.isEmpty else { throw ConfigError("scope '\(shown)': empty value for \(dimName)") }
            if filters.contains(where: { $0.dimension == d }) { throw ConfigError("scope '\(shown)': \(dimName) given twice") }
            // A raw key is held as its id and masked name only: the rule watches exactly that key. A masked key
            // (or any other value) is matched by display name: every key that masks alike, summed.
            filters.append(ViewQuery.Filter(d, typed: value))
        }
        if filters.count > 2 { throw ConfigError("scope '\(shown)': at most two dimensions (the pairs the rollups keep)") }
        if filters.contains(where: { $0.dimension == .gpu }) && filters.count > 1 {
            throw ConfigError("scope '\(shown)': gpu cannot be combined with another dimension")
        }
        if filters.count == 2 && !GroupingPlanner.consoleAnswers(filters.map(\.dimension)) {
            let kept = GroupingPlanner.console.keptPairs.joined(separator: ", ")
            throw ConfigError("scope '\(shown)': no rollup keeps \(filters[0].dimension.name) with "
                              + "\(filters[1].dimension.name); kept pairs: \(kept)")
        }
        self.filters = filters
    }

    public var isFleet: Bool { filters.isEmpty }
    public var gpu: String? { gpuFilter?.value }
    /// The GPU filter of a `gpu=…` scope.
    public var gpuFilter: ViewQuery.Filter? { filters.first { $0.dimension == .gpu } }

    public var description: String {
        filters.isEmpty ? "fleet" : filters.map { "\($0.dimension.name)=\($0.value)" }.joined(separator: ",")
    }

    /// The name a person reads in a reason line: `support-chat`, `sk-…a1b2 in support-chat`, `fleet`.
    public var shortName: String {
        filters.isEmpty ? "fleet" : filters.map(\.value).joined(separator: " / ")
    }
}
