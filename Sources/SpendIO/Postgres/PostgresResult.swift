import CPQ
import Foundation

/// The rows of one answer, read in place from libpq's buffers: binary values are decoded from
/// their big-endian bytes and text is hashed or copied only when asked, so a row costs no
/// Foundation objects. Columns of an unexpected type throw instead of being misread.
public final class PostgresResult {
    let result: OpaquePointer
    let secrets: [String]
    public let rowCount: Int
    public let columnCount: Int

    /// Type oids spendtop decodes in binary.
    enum OID {
        static let bool: UInt32 = 16, int8: UInt32 = 20, int2: UInt32 = 21, int4: UInt32 = 23, text: UInt32 = 25
        static let float4: UInt32 = 700, float8: UInt32 = 701, bpchar: UInt32 = 1042, varchar: UInt32 = 1043
        static let name: UInt32 = 19, int8Array: UInt32 = 1016, int4Array: UInt32 = 1007
    }

    init(_ r: OpaquePointer, secrets: [String]) {
        result = r
        self.secrets = secrets
        rowCount = Int(PQntuples(r))
        columnCount = Int(PQnfields(r))
    }

    deinit { PQclear(result) }

    public func columnName(_ c: Int) -> String { String(cString: PQfname(result, Int32(c))) }
    func type(_ c: Int) -> UInt32 { PQftype(result, Int32(c)) }
    func isBinary(_ c: Int) -> Bool { PQfformat(result, Int32(c)) == 1 }

    public func isNull(_ r: Int, _ c: Int) -> Bool { PQgetisnull(result, Int32(r), Int32(c)) == 1 }

    /// The value's bytes (binary format: the wire representation; text format: the characters).
    public func bytes(_ r: Int, _ c: Int) -> UnsafeRawBufferPointer {
        let n = Int(PQgetlength(result, Int32(r), Int32(c)))
        return UnsafeRawBufferPointer(start: PQgetvalue(result, Int32(r), Int32(c)), count: n)
    }

    func mismatch(_ c: Int, _ wanted: String) -> PostgresError {
        PostgresError(.result, "column \(columnName(c)) has type oid \(type(c)), expected \(wanted)", masking: secrets)
    }

    static func bigEndian<T: FixedWidthInteger>(_ b: UnsafeRawBufferPointer, at offset: Int = 0, as: T.Type) -> T {
        T(bigEndian: b.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// An integer column (int2/4/8, or text digits); nil for NULL.
    public func int64(_ r: Int, _ c: Int) throws -> Int64? {
        if isNull(r, c) { return nil }
        let b = bytes(r, c)
        guard isBinary(c) else {
            guard let v = Int64(String(decoding: b, as: UTF8.self)) else { throw mismatch(c, "an integer") }
            return v
        }
        switch (type(c), b.count) {
        case (OID.int8, 8): return PostgresResult.bigEndian(b, as: Int64.self)
        case (OID.int4, 4): return Int64(PostgresResult.bigEndian(b, as: Int32.self))
        case (OID.int2, 2): return Int64(PostgresResult.bigEndian(b, as: Int16.self))
        default: throw mismatch(c, "int2, int4 or int8")
        }
    }

    /// A float column (float4/8, or integers, or text); nil for NULL.
    public func double(_ r: Int, _ c: Int) throws -> Double? {
        if isNull(r, c) { return nil }
        let b = bytes(r, c)
        guard isBinary(c) else {
            guard let v = Double(String(decoding: b, as: UTF8.self)) else { throw mismatch(c, "a number") }
            return v
        }
        switch (type(c), b.count) {
        case (OID.float8, 8): return Double(bitPattern: PostgresResult.bigEndian(b, as: UInt64.self))
        case (OID.float4, 4): return Double(Float(bitPattern: PostgresResult.bigEndian(b, as: UInt32.self)))
        default: return try int64(r, c).map(Double.init)
        }
    }

    public func bool(_ r: Int, _ c: Int) throws -> Bool? {
        if isNull(r, c) { return nil }
        let b = bytes(r, c)
        guard isBinary(c) else { return b.first == UInt8(ascii: "t") }
        guard type(c) == OID.bool, b.count == 1 else { throw mismatch(c, "bool") }
        return b[0] != 0
    }

    /// A text column as a Swift string (invalid UTF-8 repaired); nil for NULL.
    public func string(_ r: Int, _ c: Int) throws -> String? {
        if isNull(r, c) { return nil }
        if isBinary(c) {
            let t = type(c)
            guard t == OID.text || t == OID.varchar || t == OID.bpchar || t == OID.name else { throw mismatch(c, "text") }
        }
        return String(decoding: bytes(r, c), as: UTF8.self)
    }

    /// A one-dimensional int8[] (or int4[]) in binary format; NULL elements are skipped.
    public func int64Array(_ r: Int, _ c: Int) throws -> [Int64] {
        if isNull(r, c) { return [] }
        let b = bytes(r, c)
        guard isBinary(c), type(c) == OID.int8Array || type(c) == OID.int4Array, b.count >= 12 else {
            throw mismatch(c, "a binary int8[]")
        }
        // Header: ndim, has-nulls flag, element oid; then (size, lower bound) per dimension.
        let ndim = Int(PostgresResult.bigEndian(b, at: 0, as: Int32.self))
        if ndim == 0 { return [] }
        guard ndim == 1, b.count >= 20 else { throw mismatch(c, "a one-dimensional array") }
        let elementType = UInt32(bitPattern: PostgresResult.bigEndian(b, at: 8, as: Int32.self))
        let n = Int(PostgresResult.bigEndian(b, at: 12, as: Int32.self))
        var out: [Int64] = []
        out.reserveCapacity(max(0, n))
        var at = 20
        for _ in 0..<max(0, n) {
            guard at + 4 <= b.count else { throw mismatch(c, "a complete array") }
            let len = Int(PostgresResult.bigEndian(b, at: at, as: Int32.self))
            at += 4
            if len < 0 { continue }
            guard at + len <= b.count else { throw mismatch(c, "a complete array") }
            switch (elementType, len) {
            case (OID.int8, 8): out.append(PostgresResult.bigEndian(b, at: at, as: Int64.self))
            case (OID.int4, 4): out.append(Int64(PostgresResult.bigEndian(b, at: at, as: Int32.self)))
            default: throw mismatch(c, "int4 or int8 elements")
            }
            at += len
        }
        return out
    }
}
