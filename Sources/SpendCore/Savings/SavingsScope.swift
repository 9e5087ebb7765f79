/// What an opportunity is about: a feature, a feature on one model, or one GPU. Written as
/// `feature=NAME`, `feature=NAME model=MODEL` or `gpu=NODE:INDEX` (names as displayed); identified by the
/// groups' ids (`GroupID`), so two features shown alike stay two scopes and a drill lands on exactly one.
public struct SavingsScope: Hashable, Sendable, CustomStringConvertible {
    public var feature: String?
    public var model: String?
    public var gpu: String?
    /// The groups' ids when the scope came from a query (nil for a scope typed or parsed from text).
    public var featureID: GroupID?
    public var modelID: GroupID?
    public var gpuID: GroupID?

    public init(feature: String? = nil, model: String? = nil, gpu: String? = nil, featureID: GroupID? = nil,
                modelID: GroupID? = nil, gpuID: GroupID? = nil) {
        self.feature = feature
        self.model = model
        self.gpu = gpu
        self.featureID = featureID
        self.modelID = modelID
        self.gpuID = gpuID
    }

    public var description: String {
        if let gpu { return "gpu=" + gpu }
        return [feature.map { "feature=" + $0 }, model.map { "model=" + $0 }].compactMap { $0 }.joined(separator: " ")
    }

    /// Reads the written form back (names only). A model name holds no space, so ` model=` at its last place
    /// starts it.
    public init?(parsing text: String) {
        if text.hasPrefix("gpu=") {
            let g = String(text.dropFirst(4))
            guard !g.isEmpty else { return nil }
            self.init(gpu: g)
            return
        }
        guard text.hasPrefix("feature=") else { return nil }
        let rest = Array(text.dropFirst(8))
        let marker = Array(" model=")
        var cut: Int?
        var i = rest.count - marker.count
        while i >= 0 && cut == nil {
            if Array(rest[i..<i + marker.count]) == marker { cut = i }
            i -= 1
        }
        if let cut {
            self.init(feature: String(rest[..<cut]), model: String(rest[(cut + marker.count)...]))
        } else {
            self.init(feature: String(rest))
        }
    }

    /// `savings:right_size:feature:00a1…,model:77c2…`: a savings row's identity, derived from the ids (the
    /// names where a scope has none), so the selection follows the row and a drill reads the ids back.
    public func rowID(_ kind: OpportunityKind) -> String {
        func part(_ d: Dimension, _ name: String?, _ id: GroupID?) -> String? {
            guard let name else { return nil }
            return GroupID.rowID(d, id ?? GroupID(raw: name))
        }
        let parts = [part(.feature, feature, featureID), part(.model, model, modelID), part(.gpu, gpu, gpuID)]
        return "savings:\(kind.rawValue):" + parts.compactMap { $0 }.joined(separator: ",")
    }

    /// The scope a savings row stands for: its names from the `scope` cell, its ids from its `rowID`.
    public init?(text: String, rowID: String) {
        guard var s = SavingsScope(parsing: text) else { return nil }
        let idParts = rowID.split(separator: ":", maxSplits: 2).dropFirst(2).first?.split(separator: ",") ?? []
        for p in idParts {
            guard let (d, id) = GroupID.parse(rowID: String(p)) else { continue }
            switch d {
            case .feature: s.featureID = id
            case .model: s.modelID = id
            case .gpu: s.gpuID = id
            default: break
            }
        }
        self = s
    }

    /// The drill path that opens this scope in the console (none for a GPU: it has no breakdown): by id when
    /// known, else by name.
    public var filters: [ViewQuery.Filter] {
        func filter(_ d: Dimension, _ name: String?, _ id: GroupID?) -> ViewQuery.Filter? {
            guard let name else { return nil }
            return id.map { ViewQuery.Filter(d, id: $0, value: name) } ?? ViewQuery.Filter(d, name)
        }
        return [filter(.feature, feature, featureID), filter(.model, model, modelID)].compactMap { $0 }
    }

    /// Whether every filter of a drill path holds for this scope (the empty path holds everything): by id
    /// where both sides know it, else by name.
    public func isWithin(_ path: [ViewQuery.Filter]) -> Bool {
        func holds(_ f: ViewQuery.Filter, _ name: String?, _ id: GroupID?) -> Bool {
            guard let name else { return false }
            if let id, f.id != nil { return f.matches(id: id, name: { name }) }
            return f.value == name
        }
        return path.allSatisfy { f in
            switch f.dimension {
            case .feature: return holds(f, feature, featureID)
            case .model: return holds(f, model, modelID)
            case .gpu: return holds(f, gpu, gpuID)
            default: return false
            }
        }
    }
}
