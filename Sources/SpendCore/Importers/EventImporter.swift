/// One input format: recognises a parsed JSON line and turns it into events.
public protocol EventImporter {
    /// Short name shown by `check` (`native`, `litellm`, `openai`, …).
    static var formatName: String { get }
    /// Whether the object is in this format; detection is per line, in `ImporterRegistry.order`.
    static func matches(_ fields: JSONFields) -> Bool
    static func decode(_ fields: JSONFields) -> DecodedLine
}

/// Shared readings of values whose meaning is the same in every format.
public enum EventValues {
    /// `ok`/`success`/2xx are fine; `error`, `failure`, 4xx/5xx and anything else named are errors.
    public static func isError(status: Any?) -> Bool {
        switch status {
        case nil: return false
        case let s as String:
            let l = s.lowercased()
            if l.isEmpty || l == "ok" || l == "success" || l == "succeeded" || l == "completed" { return false }
            if let code = Int(l) { return code >= 400 }
            return true
        case let n as NSNumberLike:
            return n.intValue >= 400
        default:
            return false
        }
    }
}

#if canImport(Foundation)
import Foundation
public typealias NSNumberLike = NSNumber
#endif
