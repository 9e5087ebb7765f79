/// Compact little-endian bytes for spendtop's own blobs (the store's rollup checkpoint): integers as varints
/// (most counts are small), sealed with a hash so a damaged blob is refused instead of decoded into wrong numbers.
public struct BinaryWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    /// LEB128: 7 bits a byte, so a count under 128 takes one byte.
    @inline(__always)
    public mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }
    /// Zigzag, so small negative numbers stay short too.
    @inline(__always)
    public mutating func signed(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }
    public mutating func count(_ n: Int) { varint(UInt64(n)) }
    /// Bytes as they are (content made elsewhere, to be sealed).
    public mutating func raw<Bytes: Sequence>(_ b: Bytes) where Bytes.Element == UInt8 { bytes.append(contentsOf: b) }
    public mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    public mutating func f64(_ v: Double) { u64(v.bitPattern) }
    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            count(utf8.count)
            bytes.append(contentsOf: utf8)
        }
    }

    /// The bytes with their hash appended: what `BinaryReader.unsealing` accepts.
    public func sealed() -> [UInt8] {
        var out = bytes
        let h = bytes.withUnsafeBytes { ByteHash.hash($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, $0.count) }
        withUnsafeBytes(of: h.littleEndian) { out.append(contentsOf: $0) }
        return out
    }
}

/// Reads what `BinaryWriter` wrote, in place; every read is bounds-checked and a short or damaged blob throws.
/// Valid only inside the closure that lent it the bytes.
public struct BinaryReader {
    public struct Damaged: Error, CustomStringConvertible {
        public let description: String
    }

    let base: UnsafeRawPointer
    var offset = 0
    let end: Int

    /// Checks the trailing hash `BinaryWriter.sealed()` added, then reads the rest with `body`.
    public static func unsealing<T>(_ sealed: UnsafeRawBufferPointer,
                                    _ body: (inout BinaryReader) throws -> T) throws -> T {
        guard sealed.count >= 8, let base = sealed.baseAddress else {
            throw Damaged(description: "blob shorter than its seal")
        }
        let end = sealed.count - 8
        let stored = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: end, as: UInt64.self))
        guard stored == ByteHash.hash(base, end) else { throw Damaged(description: "blob does not match its seal") }
        var r = BinaryReader(base: base, end: end)
        return try body(&r)
    }

    public static func unsealing<T>(_ sealed: [UInt8], _ body: (inout BinaryReader) throws -> T) throws -> T {
        try sealed.withUnsafeBytes { try unsealing($0, body) }
    }

    init(base: UnsafeRawPointer, end: Int) {
        self.base = base
        self.end = end
    }

    public var isAtEnd: Bool { offset == end }

    @inline(__always)
    public mutating func varint() throws -> UInt64 {
        var v: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard offset < end, shift < 64 else { throw Damaged(description: "blob ends early") }
            let b = base.load(fromByteOffset: offset, as: UInt8.self)
            offset += 1
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }
    @inline(__always)
    public mutating func signed() throws -> Int64 {
        let z = try varint()
        return Int64(bitPattern: z >> 1) ^ -Int64(bitPattern: z & 1)
    }
    public mutating func u64() throws -> UInt64 {
        guard end - offset >= 8 else { throw Damaged(description: "blob ends early") }
        let v = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        offset += 8
        return UInt64(littleEndian: v)
    }
    public mutating func f64() throws -> Double { Double(bitPattern: try u64()) }
    public mutating func i32() throws -> Int32 {
        let v = try signed()
        guard let i = Int32(exactly: v) else { throw Damaged(description: "value out of range") }
        return i
    }

    /// A count of items each at least `minBytes` long: one the blob cannot hold is damage, not a huge allocation.
    public mutating func count(minBytes: Int = 1) throws -> Int {
        let n = try varint()
        guard n <= UInt64((end - offset) / max(1, minBytes)) else { throw Damaged(description: "count past the blob") }
        return Int(n)
    }

    public mutating func string() throws -> String {
        let n = try count()
        let s = String(decoding: UnsafeRawBufferPointer(start: base + offset, count: n), as: UTF8.self)
        offset += n
        return s
    }
}
