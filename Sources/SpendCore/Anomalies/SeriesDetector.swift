import Foundation

/// The streaming state of one per-minute series: a robust level and spread (Huber-clipped EWMA, seeded by the
/// median and MAD of the first minutes), an optional daily profile, and the open/clear state machine.
/// O(1) per minute (the sustained test sorts 15 values); ≈0.3 kB, plus 48 doubles once the daily profile is learnt.
struct SeriesDetector {
    var level = 0.0
    /// Mean absolute deviation (EWMA); the spread is ×1.2533 (normal consistency).
    var absDev = 0.0
    var warm: [Double] = []
    var ready = false
    var minutesSeen = 0

    // Daily profile: mean per slot of the day, learnt across days; the current slot's running sum.
    var profile: [Double] = []
    var profileFilled = 0
    var slotSum = 0.0, slotCount = 0, slotIndex = -1
    var seasonOn = false

    /// The last `sustainMinutes` deseasonalized values (ring) and their sum.
    var recent: [Double] = []
    var recentNext = 0
    var recentSum = 0.0

    /// Rate metrics: numerators and denominators of the last `rateWindowMinutes` (errors and requests).
    var counts: [(Double, Double)] = []
    var countsNext = 0
    /// Long-run failures and requests per minute (EWMA): their ratio is the pooled baseline rate.
    var pooledFailures = 0.0, pooledRequests = 0.0

    var flaggedRun = 0
    var normalRun = 0
    var open = false
    var openMinutes = 0
    /// The incident this series is attached to, while open or cooling down.
    var incident: Int?
    var endedMinute: Int64?

    struct Reading {
        var expected: Double
        var z: Double
        var flagged: Bool
    }

    var spread: Double { absDev * 1.2533 }
    /// Mean square deviation (EWMA, clipped only far out): the spread heavy-tailed series really have.
    var tailVar = 0.0
    var tailSpread: Double { tailVar.squareRoot() }

    /// P(X ≥ k) for X ~ Poisson(λ), summed in log space so tiny tails stay exact.
    static func poissonTail(_ k: Int, _ lambda: Double) -> Double {
        if k <= 0 { return 1 }
        if lambda <= 0 { return 0 }
        var sum = 0.0
        var i = k
        while i < k + 400 {
            let term = exp(-lambda + Double(i) * log(lambda) - lgamma(Double(i) + 1))
            sum += term
            if term < sum * 1e-12 && Double(i) > lambda { break }
            i += 1
        }
        return min(sum, 1)
    }

    /// Accepts a lasting change as the new normal: the level becomes the recent mean.
    mutating func adopt() {
        guard !recent.isEmpty else { return }
        level = recentSum / Double(recent.count)
    }

    /// The profile's factor for a minute (1 until a whole day has been seen), interpolated between slots.
    func factor(minute: Int64, _ s: AnomalySettings) -> Double {
        guard seasonOn else { return 1 }
        let slots = profile.count
        let mean = profile.reduce(0, +) / Double(slots)
        guard mean > 0 else { return 1 }
        let mod = Double(((minute % 1440) + 1440) % 1440)
        let pos = mod / Double(s.seasonSlotMinutes) - 0.5
        let i0 = Int((pos + Double(slots)).rounded(.down)) % slots
        let frac = pos - pos.rounded(.down)
        let v = profile[i0] * (1 - frac) + profile[(i0 + 1) % slots] * frac
        return min(max(v / mean, 0.2), 5)
    }

    /// Judges a minute's value, then learns from it (clipped, so an incident barely moves the baseline).
    mutating func observe(_ x: Double, minute: Int64, metric: AnomalyMetric, requests: Double, baselineRequests: Double,
                          counts count: (Double, Double)? = nil, _ s: AnomalySettings) -> Reading {
        if let c = count {
            if counts.count < s.rateWindowMinutes { counts.append(c) } else {
                counts[countsNext] = c
                countsNext = (countsNext + 1) % s.rateWindowMinutes
            }
        }
        minutesSeen += 1
        let f = metric.seasonal ? factor(minute: minute, s) : 1
        let y = x / f
        guard ready else {
            warm.append(y)
            if warm.count >= s.warmupMinutes {
                let sorted = warm.sorted()
                level = sorted[sorted.count / 2]
                let devs = sorted.map { abs($0 - level) }.sorted()
                absDev = devs[devs.count / 2] * 1.4826 / 1.2533
                tailVar = sorted.reduce(0) { $0 + ($1 - level) * ($1 - level) } / Double(sorted.count)
                warm = []
                ready = true
            }
            learnSeason(x, minute: minute, metric: metric, s)
            return Reading(expected: y * f, z: 0, flagged: false)
        }
        let expected = level * f
        let floor = metric.noiseFloor(expected: expected, requests: max(requests, baselineRequests), s)
        // Heavy tails (a few very expensive requests) show in the plain RMS deviation, not in the robust spread.
        let sd = max(spread * f, floor, s.tailWeight * tailSpread * f)
        let z = metric.rising ? (x - expected) / sd : (expected - x) / sd
        var flagged = z >= s.zThreshold
            && metric.matters(observed: x, expected: expected, requests: requests, baselineRequests: baselineRequests, s)
        var zOut = z
        // Rates over few requests: pool the last minutes' counts and ask how likely that many failures are at
        // the long-run rate (Poisson tail), so a small feature's error burst is seen without crying wolf.
        if !flagged && ready && count != nil && counts.count == s.rateWindowMinutes && pooledRequests > 0 {
            let num = counts.reduce(0) { $0 + $1.0 }, den = counts.reduce(0) { $0 + $1.1 }
            let p0 = max(pooledFailures / pooledRequests, s.minPooledRate)
            if den > 0 && SeriesDetector.poissonTail(Int(num), den * p0) < s.pooledTailProbability
                && metric.matters(observed: num / den, expected: p0, requests: den, baselineRequests: baselineRequests, s) {
                flagged = true
                zOut = (num / den - p0) / max((p0 * (1 - p0) / den).squareRoot(), 1e-9)
            }
        }
        if let c = count, !flagged {
            pooledFailures += s.pooledRate * (c.0 - pooledFailures)
            pooledRequests += s.pooledRate * (c.1 - pooledRequests)
        }
        // Sustained shift: the window's mean against the level, in standard errors of that mean.
        if !flagged && metric.seasonal && recent.count == s.sustainMinutes {
            // The median, not the mean: one huge request must not pass for a shift (standard error 1.25σ/√n).
            var window = recent
            window[recentNext] = y
            window.sort()
            let mean = window[window.count / 2]
            let se = 1.2533 * sd / f / Double(s.sustainMinutes).squareRoot()
            let zs = metric.rising ? (mean - level) / se : (level - mean) / se
            var loose = s
            loose.minRatio = s.sustainMinRatio
            if zs >= s.sustainZ && metric.matters(observed: mean * f, expected: expected, requests: requests * Double(s.sustainMinutes),
                                                  baselineRequests: baselineRequests, loose) {
                flagged = true
                zOut = zs
            }
        }
        if recent.count < s.sustainMinutes {
            recent.append(y)
            recentSum += y
        } else {
            recentSum += y - recent[recentNext]
            recent[recentNext] = y
            recentNext = (recentNext + 1) % s.sustainMinutes
        }

        // Learn: residual clipped at `clip` spreads (in deseasonalized units), floor included. A minute that is
        // itself out of line (|z| ≥ holdZ) barely moves the level and does not widen the spread, so an incident
        // neither becomes the baseline nor makes the detector deaf to the rest of it.
        let r = y - level
        let c = s.clip * max(spread, floor / f)
        let rc = min(max(r, -c), c)
        let outlier = abs(x - expected) / sd >= s.holdZ
        level += (outlier ? s.levelRate * s.outlierRateFactor : s.levelRate) * rc
        level = max(level, 0)
        if !outlier { absDev += s.scaleRate * (min(abs(r), c) - absDev) }
        if !open {
            // Clipped far out (tailClip robust spreads), so an incident's own minutes cannot make it deaf.
            let t = min(abs(r), s.tailClip * max(spread, floor / f))
            tailVar += s.tailRate * (t * t - tailVar)
        }
        let clippedRaw = (level + rc) * f
        learnSeason(clippedRaw, minute: minute, metric: metric, s)
        return Reading(expected: expected, z: zOut, flagged: flagged)
    }

    mutating func learnSeason(_ x: Double, minute: Int64, metric: AnomalyMetric, _ s: AnomalySettings) {
        guard metric.seasonal else { return }
        let slots = 1440 / s.seasonSlotMinutes
        let idx = Int(((minute % 1440) + 1440) % 1440) / s.seasonSlotMinutes
        if idx != slotIndex {
            if slotIndex >= 0 && slotCount >= s.seasonSlotMinutes / 2 {
                if profile.isEmpty { profile = Array(repeating: -1, count: slots) }
                let mean = slotSum / Double(slotCount)
                if profile[slotIndex] < 0 {
                    profile[slotIndex] = mean
                    profileFilled += 1
                } else {
                    profile[slotIndex] += s.seasonDayWeight * (mean - profile[slotIndex])
                }
                if !seasonOn && profileFilled == slots && ready {
                    // Switch to deseasonalized units without a jump in what is expected now.
                    seasonOn = true
                    let f = factor(minute: minute, s)
                    level /= f
                    absDev /= f
                }
            }
            slotIndex = idx
            slotSum = 0
            slotCount = 0
        }
        slotSum += x
        slotCount += 1
    }
}
