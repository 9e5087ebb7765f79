import Foundation

/// The last few minutes' counts and what was expected of them, for a windowed test (ring, O(1)).
struct CountWindow {
    var observed: [Double] = []
    var expected: [Double] = []
    var requests: [Double] = []
    var next = 0

    mutating func add(_ x: Double, expected e: Double, requests n: Double, size: Int) {
        if observed.count < size {
            observed.append(x); expected.append(e); requests.append(n)
        } else {
            observed[next] = x; expected[next] = e; requests[next] = n
            next = (next + 1) % size
        }
    }

    var sums: (x: Double, e: Double, n: Double) {
        (observed.reduce(0, +), expected.reduce(0, +), requests.reduce(0, +))
    }
}

/// The last few minutes' sums for a pooled test of an intensive series: numerator, weight, expected
/// numerator and requests (ring, O(1)).
struct PooledWindow {
    var x: [Double] = [], w: [Double] = [], e: [Double] = [], n: [Double] = []
    var next = 0

    mutating func add(x a: Double, w b: Double, expected c: Double, n d: Double, size: Int) {
        if x.count < size {
            x.append(a); w.append(b); e.append(c); n.append(d)
        } else {
            x[next] = a; w[next] = b; e[next] = c; n[next] = d
            next = (next + 1) % size
        }
    }

    var sums: (x: Double, w: Double, e: Double, n: Double) {
        (x.reduce(0, +), w.reduce(0, +), e.reduce(0, +), n.reduce(0, +))
    }
}

/// What one series' minute said: the value against its baseline, how unusual that is, and whether a test
/// fired. Values are in the metric's display units (USD/min, tokens/min, requests/min, fractions, points).
struct SeriesReading {
    var observed: Double
    var expected: Double
    /// Standard deviation of `observed` under the baseline (its noise).
    var sd: Double
    /// Standardized residual in the incident's direction.
    var z: Double
    /// The per-minute test held (significance and effect size).
    var flagged: Bool
    /// The windowed count test held (its own persistence: it opens at once), and the window's mean excess
    /// per minute (in the series' numerator: requests or failures).
    var windowFlagged = false
    var windowExcess = 0.0
    /// Counts: the windowed test's standardized excess (0 for other series).
    var windowZ = 0.0
    /// Page's CUSUM crossed its threshold, with the effect size over its run.
    var cusumAlarm: Bool
    /// While a CUSUM run is open, the value the run's recent shift stands for, in `observed`'s units: a CUSUM
    /// opening reports it, since the minute it opens in can itself be ordinary (a retry rate of 0% opening a rise).
    var sustained: Double? = nil
    /// Excess over the baseline this minute, in the series' own numerator (USD, tokens, failures, cached
    /// tokens lost, requests); the detector turns it into USD and requests for materiality.
    var excess: Double
    /// Still part of an open anomaly (for hold and clear).
    var holding: Bool
}

extension SeriesReading {
    /// A reading of a mean of logarithms (`IntensiveSeries.Kind.logMean`) in the minute's `tokens`: what they
    /// would have been had its typical request been of the usual size, the excess over that, and the noise.
    func asTokens(_ tokens: Double) -> SeriesReading {
        var t = self
        let ratio = exp(observed - expected)
        t.observed = tokens
        t.expected = tokens / ratio
        t.sd = t.expected * sd
        t.excess = tokens - t.expected
        t.windowExcess = 0
        t.sustained = sustained.map { t.expected * exp($0 - expected) }
        return t
    }
}

/// How an anomaly was found (the score and reason differ).
enum AnomalyTest: Sendable {
    case perMinute, window, cusum, newSpender
}

/// A streaming estimate of the 90th percentile of a series' standardized residuals (in the incident's
/// direction). Under the model it is 1.28; a series whose noise is heavier or more skewed than modelled shows a
/// larger one, and its residuals are divided by `factor` before any test, so each series is judged against the
/// spread it really has.
struct ResidualCalibration {
    var q90 = 1.5
    static let normal = 1.2816

    var factor: Double { max(1, q90 / ResidualCalibration.normal) }

    mutating func learn(_ z: Double, rate: Double) {
        q90 += rate * ((z > q90 ? 1 : 0) - 0.1) * max(q90, 0.5)
        q90 = min(max(q90, 0.5), 20)
    }
}

/// The open/hold/clear state machine and run accumulators every series shares.
struct SeriesState {
    var flaggedRun = 0
    var normalRun = 0
    var staleRun = 0
    var open = false
    var openMinutes = 0
    /// The incident this series belongs to, while open or cooling down.
    var incident: Int?
    var endedMinute: Int64?
    /// Page's CUSUM statistic and the run it belongs to (minutes since it left 0).
    var cusum = 0.0
    var cusumStart: Int64 = 0
    /// The run's recent shift (EWMA over its minutes, memory ~3 minutes, so a run that began with a few noisy
    /// minutes before the change is judged on the change), and its minutes.
    var cusumSum = 0.0, cusumWeight = 0.0, cusumMinutes = 0
    /// Recent excess over the run (EWMA like its shift), per minute, for materiality.
    var cusumExcessUSD = 0.0, cusumExcessRequests = 0.0
    /// The per-minute test's run.
    var flaggedStart: Int64 = 0
    var flaggedExcessUSD = 0.0, flaggedExcessRequests = 0.0

    /// True while the series is open or cooling down with an incident attached (it must not be evicted).
    func busy(minute: Int64, cooldown: Int) -> Bool {
        open || (incident != nil && minute - (endedMinute ?? minute) <= Int64(cooldown))
    }

    mutating func resetFlaggedRun(_ minute: Int64) {
        flaggedRun = 0
        flaggedStart = minute
        flaggedExcessUSD = 0; flaggedExcessRequests = 0
    }

    static let recentWeight = 0.3

    /// Adds one minute to an EWMA over the run (the first minute sets it).
    static func recent(_ avg: inout Double, _ v: Double, minutes: Int) {
        avg = minutes <= 1 ? v : avg + recentWeight * (v - avg)
    }

    /// One minute of a run measured on the clock: it starts on the first positive step, restarts after
    /// `maxRunMinutes` (a sparse series would otherwise gather small excesses for hours), and counts its
    /// minutes while open. True while the run is open.
    mutating func advanceCusum(_ step: Double, at minute: Int64, maxRunMinutes: Int) -> Bool {
        if cusum <= 0 && step > 0 { resetCusum(minute) }
        cusum = max(0, cusum + step)
        if cusum > 0 && minute - cusumStart >= Int64(maxRunMinutes) { resetCusum(minute) }
        guard cusum > 0 else { return false }
        cusumMinutes += 1
        return true
    }

    /// Starts a run at `minute`.
    mutating func resetCusum(_ minute: Int64) {
        cusum = 0
        cusumStart = minute
        cusumSum = 0; cusumWeight = 0; cusumMinutes = 0
        cusumExcessUSD = 0; cusumExcessRequests = 0
    }
}
