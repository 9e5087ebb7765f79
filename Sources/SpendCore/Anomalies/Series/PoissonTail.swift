import Foundation

/// Counting noise for small counts: how unusual `k` events are when `λ` are expected, as the z of a normal
/// with the same upper-tail probability. The variance-stabilized form `2(√(k+3/8) − √(λ+3/8))` is used where
/// it is accurate (λ > 10); below, the exact Poisson tail (Anscombe is too conservative there: 6 calls
/// against 1 expected is a 3.2σ event, not 2.7σ).
enum PoissonTail {
    static func z(_ k: Double, _ lambda: Double) -> Double {
        let stabilized = 2 * ((max(k, 0) + 0.375).squareRoot() - (max(lambda, 0) + 0.375).squareRoot())
        guard lambda <= 10, k > lambda, k < 200 else { return stabilized }
        let p = upperTail(Int(k.rounded(.down)), max(lambda, 1e-9))
        return max(stabilized, normalQuantile(1 - p))
    }

    /// P(X ≥ k) for X ~ Poisson(λ), summed in log space so tiny tails stay exact.
    static func upperTail(_ k: Int, _ lambda: Double) -> Double {
        if k <= 0 { return 1 }
        var sum = 0.0
        var i = k
        while i < k + 400 {
            let term = exp(-lambda + Double(i) * log(lambda) - lgamma(Double(i) + 1))
            sum += term
            if term < sum * 1e-12 && Double(i) > lambda { break }
            i += 1
        }
        return min(max(sum, 1e-300), 1)
    }

    /// Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9).
    static func normalQuantile(_ p: Double) -> Double {
        let q = min(max(p, 1e-300), 1 - 1e-16)
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
                 -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
                 -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
                 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let lo = 0.02425, hi = 1 - lo
        if q < lo {
            let t = (-2 * log(q)).squareRoot()
            return (((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5])
                / ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1)
        }
        if q > hi {
            let t = (-2 * log(1 - q)).squareRoot()
            return -(((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5])
                / ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1)
        }
        let t = q - 0.5, r = t * t
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * t
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
}
