/// One input format: recognises a parsed JSON line and turns it into events.
public protocol EventImporter: Sendable {
    /// Short name shown by `check` (`native`, `litellm`, `openai`, …).
    static var formatName: String { get }
    /// Whether the object is in this format; detection is per line, in `ImporterRegistry.order`.
    static func matches(_ fields: JSONFields) -> Bool
    static func decode(_ fields: JSONFields) -> DecodedLine
    /// Decodes with the stream's memory; formats whose lines stand alone ignore it.
    static func decode(_ fields: JSONFields, context: StreamContext) -> DecodedLine
}

extension EventImporter {
    public static func decode(_ fields: JSONFields, context: StreamContext) -> DecodedLine { decode(fields) }
}

/// Shared readings of values whose meaning is the same in every format.
public enum EventValues {
    /// `ok`/`success`/2xx are fine; `error`, `failure`, 4xx/5xx and anything else named are errors
    /// (`EventClassification`, the table the fast scanner reads too).
    public static func isError(status: Any?) -> Bool {
        switch status {
        case nil: return false
        case let s as String: return EventClassification.statusIsError(text: s)
        case let n as NSNumberLike where !JSONFields.isBool(n):
            return EventClassification.statusIsError(code: n.doubleValue)
        default: return false
        }
    }

    /// Whether a `cache_hit` value says the gateway answered from its own response cache.
    /// LiteLLM writes Python's `True`/`False`/`None` as text; the native schema allows a cache kind.
    public static func isGatewayCacheHit(_ value: Any?) -> Bool {
        switch value {
        case let s as String: return EventClassification.isCacheHit(text: s)
        case let n as NSNumberLike: return n.boolValue
        default: return false
        }
    }

    /// The attribution in a tag list: the value of the first `feature:NAME` tag, else the first tag.
    public static func feature(fromTags tags: [String]) -> String? {
        for tag in tags where tag.hasPrefix("feature:") {
            let name = tag.dropFirst("feature:".count)
            if !name.isEmpty { return String(name) }
        }
        return tags.first { !$0.isEmpty }
    }

    /// A time as fractional epoch milliseconds, keeping the sub-millisecond part that `timestampMs`
    /// rounds away, so that latencies of a few milliseconds stay exact.
    public static func preciseMs(_ value: Any?) -> Double? {
        let v: Double
        switch value {
        case let n as NSNumberLike where !JSONFields.isBool(n):
            v = n.doubleValue
        case let s as String:
            if let us = Timestamp.parseRFC3339Micros(s) { return Double(us) / 1000 }
            guard let d = Double(s) else { return nil }
            v = d
        default:
            return nil
        }
        guard v.isFinite, v > 0 else { return nil }
        // The same magnitude bands as `Timestamp.epochToMs`.
        if v < 1e11 { return v * 1000 }
        if v < 1e14 { return v }
        if v < 1e17 { return v / 1000 }
        return v / 1_000_000
    }

    /// `end − start` in milliseconds; nil when either is missing or the interval runs backwards.
    public static func durationMs(from start: Any?, to end: Any?) -> Double? {
        guard let s = preciseMs(start), let e = preciseMs(end), e >= s else { return nil }
        return e - s
    }
}

#if canImport(Foundation)
import Foundation
public typealias NSNumberLike = NSNumber
#endif
