#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// JSON number parsing over bytes: exact for the common case (≤ 19 significant digits that fit in
/// 2^53, |exponent| ≤ 22, where one IEEE multiply or divide is correctly rounded), `strtod` otherwise.
public enum FastNumber {
    static let pow10: [Double] = (0...22).map { i in
        var v = 1.0
        for _ in 0..<i { v *= 10 }
        return v
    }

    /// Parses the number starting at `i`; returns the value and the index after it, or nil if malformed.
    
    public static func parse(_ p: UnsafePointer<UInt8>, _ i0: Int, _ end: Int) -> (Double, Int)? {
        var i = i0
        var negative = false
        if i < end && p[i] == 45 { negative = true; i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exp10 = 0
        let intStart = i
        while i < end {
            let d = p[i] &- 48
            if d > 9 { break }
            if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(d); if mantissa != 0 { digits += 1 } } else { exp10 += 1 }
            i += 1
        }
        if i == intStart { return nil }
        // JSON has no leading zeros ("0999"): the general path rejects them, so the fast path must too.
        if p[intStart] == 48 && i - intStart > 1 { return nil }
        if i < end && p[i] == 46 {  // '.'
            i += 1
            let fracStart = i
            while i < end {
                let d = p[i] &- 48
                if d > 9 { break }
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(d); exp10 -= 1; if mantissa != 0 { digits += 1 } }
                i += 1
            }
            if i == fracStart { return nil }
        }
        if i < end && (p[i] | 0x20) == 101 {  // e E
            i += 1
            var eneg = false
            if i < end && (p[i] == 45 || p[i] == 43) { eneg = p[i] == 45; i += 1 }
            var e = 0
            let expStart = i
            while i < end {
                let d = p[i] &- 48
                if d > 9 { break }
                if e < 10_000 { e = e * 10 + Int(d) }
                i += 1
            }
            if i == expStart { return nil }
            exp10 += eneg ? -e : e
        }
        if digits < 19 && mantissa < (1 << 53) && exp10 >= -22 && exp10 <= 22 {
            var v = Double(mantissa)
            v = exp10 >= 0 ? v * pow10[exp10] : v / pow10[-exp10]
            return (negative ? -v : v, i)
        }
        return (slow(p + i0, i - i0), i)
    }

    
    static func slow(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf in
            for k in 0..<n { buf[k] = CChar(bitPattern: p[k]) }
            buf[n] = 0
            return strtod(buf.baseAddress!, nil)
        }
    }
}
