import Foundation

/// Typed reads from a `JSONSerialization` object, tolerant of the shapes gateways really emit
/// (numbers as strings, nested JSON encoded as text, dotted paths).
public struct JSONFields {
    public let object: [String: Any]

    public init(_ object: [String: Any]) { self.object = object }

    /// Parses one line; the failure says why it is not a JSON object.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> Result<JSONFields, RejectReason> {
        // `Data(bytes:count:)` would force-unwrap a nil base address on an empty line.
        let data = Data(bytes)
        guard let any = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            // Only worth telling apart once parsing failed: valid lines never pay for the check.
            return .failure(String(validating: bytes, as: UTF8.self) == nil ? .invalidUTF8 : .invalidJSON)
        }
        guard let dict = any as? [String: Any] else { return .failure(.notAnObject) }
        return .success(JSONFields(dict))
    }

    /// The value at a dotted path; a string holding a JSON object is descended into.
    public func value(_ path: String) -> Any? {
        // Most reads are one key: no split, no substrings.
        if !path.utf8.contains(UInt8(ascii: ".")) {
            guard let v = object[path], type(of: v) != NSNull.self else { return nil }
            return v
        }
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
        // Compared by type: `is NSNull` on a dictionary or array bridges it to Objective-C first.
        if let c = current, type(of: c) == NSNull.self { return nil }
        return current
    }

    public func has(_ path: String) -> Bool { value(path) != nil }

    public func object(_ path: String) -> JSONFields? {
        switch value(path) {
        case let d as [String: Any]: return JSONFields(d)
        case let s as String: return JSONFields.decodeObject(s).map(JSONFields.init)
        default: return nil
        }
    }

    /// A list of strings stored either as a JSON array or as JSON text of one (LiteLLM's `request_tags`).
    public func strings(_ path: String) -> [String]? {
        var v = value(path)
        if let s = v as? String, s.first == "[", let data = s.data(using: .utf8) {
            v = try? JSONSerialization.jsonObject(with: data)
        }
        guard let list = v as? [Any] else { return nil }
        return list.compactMap { $0 as? String }
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
        case let n as NSNumber where !JSONFields.isBool(n): return n.doubleValue.isFinite ? n.doubleValue : nil
        // Double("nan") and Double("inf") parse: no string may poison spend sums with them.
        case let s as String: return Double(s.trimmingCharacters(in: .whitespaces)).flatMap { $0.isFinite ? $0 : nil }
        default: return nil
        }
    }

    public func int(_ path: String) -> Int64? {
        double(path).flatMap(JSONFields.count)
    }

    /// A count read from a JSON number: nil beyond ±2^53, where counts are garbage and
    /// `Int64(Double)` would trap (1e300) or sums of a few would overflow.
    @inlinable
    public static func count(_ d: Double) -> Int64? {
        guard d.isFinite, d.magnitude <= 9_007_199_254_740_992 else { return nil }
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

    /// JSON `true`/`false` arrive as NSNumber; CoreFoundation's type ids are not importable on
    /// Linux, but both platforms give booleans the `c` (char) encoding, which JSON numbers never get.
    public static func isBool(_ n: NSNumber) -> Bool {
        n.objCType.pointee == 0x63
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
