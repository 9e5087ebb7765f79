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

    /// The same powers as integers, for the word-step fractions (0–8 digits a word).
    static let powers10: [UInt64] = pow10.prefix(9).map { UInt64($0) }

    /// Parses the number starting at `i`; returns the value and the index after it, or nil if malformed.
    /// The common short shape at word speed (`shortDecimal`), the rest through the digit loop.
    public static func parse(_ p: UnsafePointer<UInt8>, _ i0: Int, _ end: Int) -> (Double, Int)? {
        let negative = i0 < end && p[i0] == 45
        if let (v, next) = shortDecimal(p, negative ? i0 + 1 : i0, end) { return (negative ? -v : v, next) }
        return digitLoop(p, i0, end)
    }

    /// Any JSON number, a digit at a time.
    static func digitLoop(_ p: UnsafePointer<UInt8>, _ i0: Int, _ end: Int) -> (Double, Int)? {
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

    /// How many of the 8 bytes in `w` (first byte lowest) lead with ASCII digits, and the word minus '0's.
    @inline(__always)
    static func leadingDigits(_ w: UInt64) -> (count: Int, digits: UInt64) {
        let t = w &- 0x3030_3030_3030_3030
        // A byte above 9 gets its high bit from the add, one below '0' from the subtraction; a borrow only
        // reaches bytes after the first non-digit, which are not counted.
        let nonDigit = (t | (t &+ 0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080
        return (nonDigit.trailingZeroBitCount >> 3, t)
    }

    /// The value of the first `count` (0–8) digit bytes of `t`, by three multiplies (Lemire's eight-digit
    /// SWAR step, with the digits moved to the top so the empty places read as leading zeros).
    @inline(__always)
    static func digitValue(_ t: UInt64, _ count: Int) -> UInt64 {
        var v = t << UInt64(8 * (8 - count))
        v = (v &* 10 &+ (v >> 8)) & 0x00FF_00FF_00FF_00FF
        v = (v &* 100 &+ (v >> 16)) & 0x0000_FFFF_0000_FFFF
        return (v &* 10000 &+ (v >> 32)) & 0xFFFF_FFFF
    }

    /// The common shape at word speed: 1–7 integer digits (no leading zero), optionally a dot and 1–15
    /// digits, no exponent, a mantissa below 2^53. Gives the same mantissa and power of ten as the digit
    /// loop, so the same double; anything else (or too close to `end` for the word loads) is nil and takes
    /// the loop. Prices carry eight places or more (`0.00029865`), hence the second fraction word.
    @inline(__always)
    static func shortDecimal(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> (Double, Int)? {
        #if !_endian(little)
        return nil  // the word steps read the first byte as the lowest
        #endif
        guard i + 16 <= end else { return nil }
        let r = UnsafeRawPointer(p + i)
        let (intCount, intDigits) = leadingDigits(r.loadUnaligned(as: UInt64.self))
        guard intCount >= 1, intCount <= 7, p[i] != 48 || intCount == 1 else { return nil }
        var mantissa = digitValue(intDigits, intCount)
        var next = i + intCount
        var scale = 0
        if p[next] == 46 {  // '.'
            let (fracCount, fracDigits) = leadingDigits(r.loadUnaligned(fromByteOffset: intCount + 1, as: UInt64.self))
            guard fracCount >= 1 else { return nil }
            mantissa = mantissa &* powers10[fracCount] &+ digitValue(fracDigits, fracCount)
            scale = fracCount
            next += 1 + fracCount
            if fracCount == 8 { return longFraction(p, next, end, mantissa, intCount) }
        }
        guard next < end, p[next] | 0x20 != 101 else { return nil }  // an exponent takes the loop
        return (scale == 0 ? Double(mantissa) : Double(mantissa) / pow10[scale], next)
    }

    /// `shortDecimal` past eight places, at `next`: up to 7 more, out of line so the usual number stays small
    /// enough to inline. 19 digits at most keep the mantissa within 64 bits before the 2^53 check.
    @inline(never)
    static func longFraction(_ p: UnsafePointer<UInt8>, _ next: Int, _ end: Int, _ mantissa: UInt64,
                             _ intCount: Int) -> (Double, Int)? {
        guard next + 8 <= end else { return nil }
        let (more, moreDigits) = leadingDigits(UnsafeRawPointer(p + next).loadUnaligned(as: UInt64.self))
        guard more <= 7, intCount + 8 + more <= 19 else { return nil }
        let m = mantissa &* powers10[more] &+ digitValue(moreDigits, more)
        let after = next + more
        guard m < 1 << 53, after < end, p[after] | 0x20 != 101 else { return nil }
        return (Double(m) / pow10[8 + more], after)
    }

    static func slow(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf in
            for k in 0..<n { buf[k] = CChar(bitPattern: p[k]) }
            buf[n] = 0
            return strtod(buf.baseAddress!, nil)
        }
    }
}
