/// A fast 64-bit hash of a byte range (wyhash-style mixing), for interning and dedupe on the hot path.
public enum ByteHash {
    @inline(__always)
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let r = a.multipliedFullWidth(by: b)
        return r.high ^ r.low
    }

    @inline(__always)
    public static func hash(_ p: UnsafeRawPointer, _ count: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: count)
        var i = 0
        while i + 8 <= count {
            let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = mixInline(h ^ w, 0xA076_1D64_78BD_642F)
            i += 8
        }
        if i < count {
            h = mixInline(h ^ tail(p, i, count), 0xE703_7ED1_A0B4_28DB)
        }
        h = mixInline(h, 0x8EBC_6AF0_9C88_C6E3)
        return h == 0 ? 1 : h  // 0 marks an empty slot in UInt64Table
    }

    /// The last `count - i` (1–7) bytes as a little-endian word, first byte lowest: stored hashes (the
    /// store's interned values and request ids) depend on exactly this value.
    @inline(__always)
    static func tail(_ p: UnsafeRawPointer, _ i: Int, _ count: Int) -> UInt64 {
        let rest = count - i
        #if _endian(little)
        if count >= 8 {  // one load ending at the last byte, the bytes already mixed shifted out
            return p.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) >> UInt64(8 * (8 - rest))
        }
        // A short value (i == 0): its 4-, 2- and 1-byte pieces, without a loop whose length varies.
        var v: UInt64 = 0, at = 0
        if rest & 4 != 0 { v = UInt64(p.loadUnaligned(as: UInt32.self)); at = 4 }
        if rest & 2 != 0 {
            v |= UInt64(p.loadUnaligned(fromByteOffset: at, as: UInt16.self)) << UInt64(8 * at)
            at += 2
        }
        if rest & 1 != 0 { v |= UInt64(p.load(fromByteOffset: at, as: UInt8.self)) << UInt64(8 * at) }
        return v
        #else
        return bytewiseTail(p, i, count)
        #endif
    }

    /// The reference reading of `tail`, a byte at a time.
    static func bytewiseTail(_ p: UnsafeRawPointer, _ i: Int, _ count: Int) -> UInt64 {
        var v: UInt64 = 0, shift: UInt64 = 0
        for k in i..<count {
            v |= UInt64(p.load(fromByteOffset: k, as: UInt8.self)) << shift
            shift += 8
        }
        return v
    }

    @inline(__always)
    public static func mixInline(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let r = a.multipliedFullWidth(by: b)
        return r.high ^ r.low
    }

    public static func hash(_ s: String) -> UInt64 {
        var s = s
        return s.withUTF8 { buf in
            buf.count == 0 ? hash(UnsafeRawPointer(bitPattern: 1)!, 0) : hash(UnsafeRawPointer(buf.baseAddress!), buf.count)
        }
    }
}
