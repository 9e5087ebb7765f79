/// Log-bucketed latency counts (three buckets per doubling, 1 ms to ~27.7 min): percentiles within
/// ±13% of the true value, mergeable. The 256-byte bucket array is allocated on the first
/// sample, so cells of groupings that skip latency (keys, pairs) cost 8 bytes for it.
public struct LatencyHistogram: Sendable {
    public static let bucketCount = 64

    final class Buckets: @unchecked Sendable {
        var counts = InlineArray<64, UInt32>(repeating: 0)
        init() {}
        init(copying other: Buckets) { counts = other.counts }
    }

    var buckets: Buckets?
    public private(set) var total: UInt64 = 0

    public init() {}

    @inline(__always)
    static func bucket(_ ms: Double) -> Int {
        guard ms >= 1 else { return 0 }
        guard ms.isFinite else { return 63 }  // infinity's exponent is Int.max: 3 * e would trap
        // `exponent` and `significand` by their bits: the getters are calls, and ms ≥ 1 is a normal number.
        let bits = ms.bitPattern
        let e = Int((bits >> 52) & 0x7FF) - 1023
        let f = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)  // in [1, 2)
        let sub = f < 1.259921 ? 0 : (f < 1.587401 ? 1 : 2)  // ≈ 2^(1/3), 2^(2/3); see lowerBounds
        return min(63, 1 + 3 * e + sub)
    }

    /// The lowest latency (ms) of buckets 1…63: bucket `k` holds `[bounds[k-1], bounds[k])`, bucket 0
    /// everything below 1 ms, bucket 63 everything from `bounds[62]` up. A remote engine given these
    /// (SQL `width_bucket(ms, bounds)`) counts into exactly the buckets `record` would.
    public static let lowerBounds: [Double] = (1..<bucketCount).map { k in
        let e = (k - 1) / 3
        let f = [1.0, 1.259921, 1.587401][(k - 1) % 3]  // the significands `bucket` splits at
        return f * Double(sign: .plus, exponent: e, significand: 1)  // a power of two: exact
    }

    /// Adds `count` samples to one bucket, as counted elsewhere (a remote engine's bucket counts).
    public mutating func add(bucket: Int, count: UInt32) {
        guard count > 0, bucket >= 0, bucket < LatencyHistogram.bucketCount else { return }
        makeUnique()
        buckets!.counts[bucket] &+= count
        total &+= UInt64(count)
    }

    /// The count in one bucket (0…63).
    public func count(bucket: Int) -> UInt32 {
        guard let b = buckets, bucket >= 0, bucket < LatencyHistogram.bucketCount else { return 0 }
        return b.counts[bucket]
    }

    /// The value a bucket stands for: the geometric middle of its range. The top bucket holds everything from its
    /// lower edge (~27.7 min) up: it reads as that edge, never as a length no sample had.
    static func representative(_ bucket: Int) -> Double {
        if bucket == 0 { return 0.5 }
        if bucket == bucketCount - 1 { return Double.pow2(Double(bucket - 1) / 3) }
        let b = Double(bucket - 1)
        return Double.pow2((b + 0.5) / 3)
    }

    /// Copy-on-write: cells are mutated in place, query results are merged copies. No local
    /// reference may be held across the uniqueness check, or it would always see two owners.
    @inline(__always)
    mutating func makeUnique() {
        if buckets == nil {
            buckets = Buckets()
        } else if !isKnownUniquelyReferenced(&buckets) {
            buckets = Buckets(copying: buckets!)
        }
    }

    @inline(__always)
    public mutating func record(_ ms: Double) {
        makeUnique()
        buckets!.counts[LatencyHistogram.bucket(ms)] &+= 1
        total &+= 1
    }

    /// Takes one sample back out (its bucket), for a superseded record.
    public mutating func unrecord(_ ms: Double) {
        guard total > 0, buckets != nil else { return }
        makeUnique()
        let i = LatencyHistogram.bucket(ms)
        guard buckets!.counts[i] > 0 else { return }
        buckets!.counts[i] -= 1
        total -= 1
    }

    public mutating func merge(_ other: LatencyHistogram) {
        guard other.total > 0, let o = other.buckets else { return }
        makeUnique()
        let b = buckets!
        for i in 0..<LatencyHistogram.bucketCount { b.counts[i] &+= o.counts[i] }
        total &+= other.total
    }

    /// Takes out samples merged in before (a running window's minute leaving it).
    public mutating func subtract(_ other: LatencyHistogram) {
        guard other.total > 0, let o = other.buckets else { return }
        makeUnique()
        let b = buckets!
        for i in 0..<LatencyHistogram.bucketCount { b.counts[i] &-= o.counts[i] }
        total &-= other.total
    }

    /// The p-quantile (p in 0…1), or nil with no samples.
    public func percentile(_ p: Double) -> Double? {
        guard total > 0, let b = buckets else { return nil }
        let rank = max(1, UInt64((p * Double(total)).rounded(.up)))
        var seen: UInt64 = 0
        for i in 0..<LatencyHistogram.bucketCount {
            seen += UInt64(b.counts[i])
            if seen >= rank { return LatencyHistogram.representative(i) }
        }
        return LatencyHistogram.representative(LatencyHistogram.bucketCount - 1)
    }
}

extension Double {
    static func pow2(_ x: Double) -> Double {
        // exp2 without Foundation: split into integer and fractional parts.
        let i = x.rounded(.down)
        let f = x - i
        // 2^f for f in [0,1) via exp(f·ln2) series; 14 terms is exact to double precision here.
        let y = f * 0.6931471805599453
        var term = 1.0, sum = 1.0
        for n in 1...14 { term *= y / Double(n); sum += term }
        return sum * Double(sign: .plus, exponent: Int(i), significand: 1)
    }
}
