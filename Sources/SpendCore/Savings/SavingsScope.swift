/// What an opportunity is about: a feature, a feature on one model, or one GPU. Written as
/// `feature=NAME`, `feature=NAME model=MODEL` or `gpu=NODE:INDEX` (names as displayed).
public struct SavingsScope: Hashable, Sendable, CustomStringConvertible {
    public var feature: String?
    public var model: String?
    public var gpu: String?

    public init(feature: String? = nil, model: String? = nil, gpu: String? = nil) {
        self.feature = feature
        self.model = model
        self.gpu = gpu
    }

    public var description: String {
        if let gpu { return "gpu=" + gpu }
        return [feature.map { "feature=" + $0 }, model.map { "model=" + $0 }].compactMap { $0 }.joined(separator: " ")
    }

    /// Reads the written form back. A model name holds no space, so ` model=` at its last place starts it.
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

    /// The drill path that opens this scope in the console (none for a GPU: it has no breakdown).
    public var filters: [ViewQuery.Filter] {
        [feature.map { ViewQuery.Filter(.feature, $0) }, model.map { ViewQuery.Filter(.model, $0) }].compactMap { $0 }
    }

    /// Whether every filter of a drill path holds for this scope (the empty path holds everything).
    public func isWithin(_ path: [ViewQuery.Filter]) -> Bool {
        path.allSatisfy { f in
            switch f.dimension {
            case .feature: return feature == f.value
            case .model: return model == f.value
            case .gpu: return gpu == f.value
            default: return false
            }
        }
    }
}
