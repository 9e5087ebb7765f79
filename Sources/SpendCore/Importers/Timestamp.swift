/// Time parsing on the hot path: RFC 3339 text and epoch numbers to milliseconds, no Foundation.
public enum Timestamp {
    /// Epoch seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude.
    @inlinable
    public static func epochToMs(_ v: Double) -> Int64? {
        guard v.isFinite, v > 0, v < 1e21 else { return nil }  // past 1e21 ns (year 33658) Int64 traps
        if v < 1e11 { return Int64((v * 1000).rounded()) }        // seconds (until year 5138)
        if v < 1e14 { return Int64(v.rounded()) }                  // milliseconds
        if v < 1e17 { return Int64((v / 1000).rounded()) }         // microseconds
        return Int64((v / 1_000_000).rounded())                    // nanoseconds
    }

    public static func parseRFC3339(_ s: String) -> Int64? {
        var s = s
        return s.withUTF8 { parseRFC3339(UnsafeRawBufferPointer($0)) }
    }

    /// `YYYY-MM-DD[T ]hh:mm:ss[.frac](Z|±hh:mm|±hhmm)`; a missing zone means UTC. Digits past the
    /// millisecond are truncated, as `ISO8601DateFormatter` does.
    public static func parseRFC3339(_ b: UnsafeRawBufferPointer) -> Int64? {
        var day = RecentDay()
        return parseRFC3339(b, day: &day)
    }

    /// The same, taking the date from `day` when the text starts with the date read last (a stream's
    /// events share a day for hours): the date's digits, its check and `daysFromCivil` are skipped.
    @inline(__always)
    public static func parseRFC3339(_ b: UnsafeRawBufferPointer, day: inout RecentDay) -> Int64? {
        guard let us = parseRFC3339Micros(b, day: &day) else { return nil }
        // Floor, not truncation toward zero, so instants before 1970 agree with the date's own digits.
        return us >= 0 ? us / 1000 : (us - 999) / 1000
    }

    public static func parseRFC3339Micros(_ s: String) -> Int64? {
        var s = s
        return s.withUTF8 { parseRFC3339Micros(UnsafeRawBufferPointer($0)) }
    }

    /// The same grammar to microseconds: LiteLLM's spend-log times carry six fractional digits and
    /// sub-millisecond latencies would otherwise round to whole milliseconds.
    public static func parseRFC3339Micros(_ b: UnsafeRawBufferPointer) -> Int64? {
        var day = RecentDay()
        return parseRFC3339Micros(b, day: &day)
    }

    /// The last date text parsed (`YYYY-MM-DD`, as its first 8 bytes and next 2) and its days since 1970.
    public struct RecentDay {
        var head: UInt64 = 0
        var tail: UInt16 = 0
        var days = 0
        public init() {}
        init(head: UInt64, tail: UInt16, days: Int) { (self.head, self.tail, self.days) = (head, tail, days) }
    }

    public static func parseRFC3339Micros(_ b: UnsafeRawBufferPointer, day recent: inout RecentDay) -> Int64? {
        let n = b.count
        guard n >= 19 else { return nil }
        @inline(__always) func digit(_ i: Int) -> Int? {
            let c = Int(b[i]) - 48
            return (c >= 0 && c <= 9) ? c : nil
        }
        @inline(__always) func num(_ i: Int, _ len: Int) -> Int? {
            var v = 0
            for k in i..<(i + len) { guard let d = digit(k) else { return nil }; v = v * 10 + d }
            return v
        }
        let head = b.loadUnaligned(as: UInt64.self), tail = b.loadUnaligned(fromByteOffset: 8, as: UInt16.self)
        let days: Int
        if head == recent.head && tail == recent.tail && recent.head != 0 {
            days = recent.days  // the same ten bytes passed every check below before
        } else {
            guard let year = num(0, 4), b[4] == 45, let month = num(5, 2), b[7] == 45, let day = num(8, 2),
                  month >= 1, month <= 12, day >= 1, day <= daysInMonth(year, month) else { return nil }
            days = daysFromCivil(year, month, day)
            recent = RecentDay(head: head, tail: tail, days: days)
        }
        guard b[10] == 84 || b[10] == 116 || b[10] == 32,
              let hour = num(11, 2), b[13] == 58, let minute = num(14, 2), b[16] == 58, let second = num(17, 2)
        else { return nil }
        guard hour <= 23, minute <= 59, second <= 60 else { return nil }
        var i = 19
        var fracUs = 0
        if i < n, b[i] == 46 {  // '.'
            i += 1
            var scale = 100_000
            let start = i
            while i < n, let d = digit(i) {
                fracUs += d * scale
                scale /= 10
                i += 1
            }
            if i == start { return nil }
        }
        var offsetSec = 0
        if i < n {
            let c = b[i]
            if c == 90 || c == 122 {  // Z z
                i += 1
            } else if c == 43 || c == 45 {  // + -
                let sign = c == 45 ? -1 : 1
                guard i + 3 <= n, let oh = num(i + 1, 2), oh <= 23 else { return nil }
                var om = 0
                if i + 6 <= n, b[i + 3] == 58, let m = num(i + 4, 2) { om = m; i += 6 }
                else if i + 5 <= n, let m = num(i + 3, 2) { om = m; i += 5 }
                else { i += 3 }
                guard om <= 59 else { return nil }
                offsetSec = sign * (oh * 3600 + om * 60)
            } else {
                return nil
            }
        }
        guard i == n else { return nil }
        let secs = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSec)
        return secs * 1_000_000 + Int64(fracUs)
    }

    /// Rejects `2026-02-30` instead of silently rolling it into March.
    @inlinable
    public static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Howard Hinnant's days-from-civil: proleptic Gregorian date to days since 1970-01-01.
    @inlinable
    public static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// `2026-11-28T14:32:05Z` for a millisecond epoch (UTC), for headers and CSV.
    public static func format(ms: Int64, withSeconds: Bool = true) -> String {
        let secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let days = Int(secs >= 0 ? secs / 86400 : (secs - 86399) / 86400)
        let rem = Int(secs - Int64(days) * 86400)
        let (y, m, d) = civilFromDays(days)
        func p2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var out = "\(y)-\(p2(m))-\(p2(d))T\(p2(rem / 3600)):\(p2(rem / 60 % 60))"
        if withSeconds { out += ":\(p2(rem % 60))" }
        return out + "Z"
    }

    public static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
