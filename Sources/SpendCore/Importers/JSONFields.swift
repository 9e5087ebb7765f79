import Foundation

/// Typed reads from a `JSONSerialization` object, tolerant of the shapes gateways really emit
/// (numbers as strings, nested JSON encoded as text, dotted paths).
public struct JSONFields {
    public let object: [String: Any]

    public init(_ object: [String: Any]) { self.object = object }

    /// Parses one line; nil when it is not a JSON object.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<JSONFields, RejectReason> {
        let data = Data(bytes: bytes.baseAddress!, count: bytes.count)
        guard let any = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            return .failure(.invalidJSON)
        }
        guard let dict = any as? [String: Any] else { return .failure(.notAnObject) }
        return .success(JSONFields(dict))
    }

    /// The value at a dotted path; a string holding a JSON object is descended into.
    public func value(_ path: String) -> Any? {
        var current: Any? = object
        for part in path.split(separator: ".") {
            guard let c = current else { return nil }
            let dict: [String: Any]?
            if let d = c as? [String: Any] {
                dict = d
            } else if let s = c as? String, s.first == "{", let d = JSONFields.decodeObject(s) {
                dict = d
            } else {
                dict = nil
            }
            guard let d = dict else { return nil }
            current = d[String(part)]
        }
        if current is NSNull { return nil }
        return current
    }

    public func has(_ path: String) -> Bool { value(path) != nil }

    public func object(_ path: String) -> JSONFields? {
        if let d = value(path) as? [String: Any] { return JSONFields(d) }
        if let s = value(path) as? String, let d = JSONFields.decodeObject(s) { return JSONFields(d) }
        return nil
    }

    public func string(_ path: String) -> String? {
        switch value(path) {
        case let s as String: return s.isEmpty ? nil : s
        case let n as NSNumber where !JSONFields.isBool(n): return n.stringValue
        default: return nil
        }
    }

    public func double(_ path: String) -> Double? {
        switch value(path) {
        case let n as NSNumber where !JSONFields.isBool(n): return n.doubleValue
        case let s as String: return Double(s.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    public func int(_ path: String) -> Int64? {
        guard let d = double(path), d.isFinite else { return nil }
        return Int64(d.rounded())
    }

    public func bool(_ path: String) -> Bool? {
        switch value(path) {
        case let n as NSNumber: return n.boolValue
        case let s as String:
            switch s.lowercased() {
            case "true", "yes", "1": return true
            case "false", "no", "0", "none", "": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// The first of several paths that holds a value.
    public func firstInt(_ paths: String...) -> Int64? {
        for p in paths { if let v = int(p) { return v } }
        return nil
    }

    public func firstString(_ paths: String...) -> String? {
        for p in paths { if let v = string(p) { return v } }
        return nil
    }

    /// JSON `true`/`false` arrive as NSNumber; their Objective-C type code tells them from 1 and 0.
    public static func isBool(_ n: NSNumber) -> Bool {
        let t = n.objCType.pointee
        return t == 0x63 || t == 0x42  // 'c' (char, how Foundation stores Bool) or 'B'
    }

    static func decodeObject(_ s: String) -> [String: Any]? {
        guard let data = s.data(using: .utf8) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// A timestamp from RFC 3339 text or an epoch number (seconds, milliseconds, micro- or nanoseconds by magnitude).
    public func timestampMs(_ path: String) -> Int64? {
        switch value(path) {
        case let n as NSNumber where !JSONFields.isBool(n):
            return Timestamp.epochToMs(n.doubleValue)
        case let s as String:
            if let ms = Timestamp.parseRFC3339(s) { return ms }
            if let d = Double(s) { return Timestamp.epochToMs(d) }
            return nil
        default:
            return nil
        }
    }
}
