import Foundation

/// What one stream (a file, a connection) remembers between its lines, for formats whose lines are
/// not self-contained: a Codex session's id, model and running totals; the OTel traces whose model
/// calls were already counted. Owned by the stream's `EventPipeline`; saved with the stream's
/// position (`snapshot`) so that a resumed read decodes the next line as a full read would.
public final class StreamContext {
    /// Set by the first Codex session line of the stream.
    public var codex: CodexSessionState?
    /// Traces with a counted model-call span (recent ones only: agent spans follow their calls closely).
    var countedTraces = RecentSet(capacity: 4096)

    public init() {}

    /// Text to keep with the stream's position; nil when the stream has nothing worth restoring.
    public func snapshot() -> String? {
        guard let codex, let data = try? JSONSerialization.data(withJSONObject: ["codex": codex.dictionary],
                                                                 options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Restores a `snapshot`; unreadable text leaves the context empty (the next lines rebuild it).
    public func restore(_ text: String) {
        guard let data = text.data(using: .utf8),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let c = object["codex"] as? [String: Any] else { return }
        codex = CodexSessionState(dictionary: c)
    }
}

/// A set that keeps only its most recent `capacity` members (insertion order).
struct RecentSet {
    let capacity: Int
    var members = Set<String>()
    var order: [String] = []
    var next = 0

    init(capacity: Int) { self.capacity = capacity }

    func contains(_ s: String) -> Bool { members.contains(s) }

    mutating func insert(_ s: String) {
        guard !members.contains(s) else { return }
        if order.count < capacity {
            order.append(s)
        } else {
            members.remove(order[next])
            order[next] = s
            next = (next + 1) % capacity
        }
        members.insert(s)
    }
}
