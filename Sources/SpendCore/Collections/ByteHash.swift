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
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < count {
                tail |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << shift
                shift += 8
                i += 1
            }
            h = mixInline(h ^ tail, 0xE703_7ED1_A0B4_28DB)
        }
        h = mixInline(h, 0x8EBC_6AF0_9C88_C6E3)
        return h == 0 ? 1 : h  // 0 marks an empty slot in UInt64Table
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
