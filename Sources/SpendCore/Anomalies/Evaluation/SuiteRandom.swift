import Foundation

/// SplitMix64: small, fast and the same on every platform, so the suite is reproducible byte for byte.
struct SuiteRandom {
    var state: UInt64
    init(seed: UInt64) {
        // Mix the seed first: with the raw seed, seed n+1's stream would be seed n's shifted by one draw.
        state = (seed &+ 0x632B_E59B_D9B4_E019) &* 0xD1B5_4A32_D192_ED03
        state = next() ^ 0x8CB9_2BA7_2F3D_8DD7
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * uniform() }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }

    mutating func normal() -> Double {
        let u = max(uniform(), 1e-12), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// Lognormal with median 1 (not mean 1: token counts are quoted by their median).
    mutating func logNormal(_ sigma: Double) -> Double { exp(sigma * normal()) }

    mutating func poisson(_ lambda: Double) -> Int {
        if lambda <= 0 { return 0 }
        if lambda > 30 { return max(0, Int((lambda + lambda.squareRoot() * normal()).rounded())) }
        let l = exp(-lambda)
        var k = 0
        var p = 1.0
        repeat {
            k += 1
            p *= uniform()
        } while p > l
        return k - 1
    }

    /// An index drawn from cumulative weights.
    mutating func pick(_ cumulative: [Double]) -> Int {
        guard let total = cumulative.last, total > 0 else { return 0 }
        let u = uniform() * total
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    mutating func token(_ n: Int) -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789")
        return String((0..<n).map { _ in alphabet[int(alphabet.count)] })
    }
}
