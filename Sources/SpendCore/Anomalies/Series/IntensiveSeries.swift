import Foundation

/// A value per request, judged minute by minute: spend or tokens per request, the error or retry rate, the
/// cache hit ratio. A minute brings a numerator `x` (USD, tokens, failures, cached tokens), a weight `w`
/// (requests, or input tokens for the cache ratio), its `n` requests and a reference `r` the level is learnt
/// against: `w` itself for a feature, or, for a group that mixes features (the fleet, a key, a model, a
/// provider), what `x` would be if each of its features' requests cost what that feature's requests usually do.
/// The level `L` is a ratio of EWMAs of `x` and `r` (slow: a per-request value has no daily rhythm, so dividing
/// by the traffic deseasonalizes spend and tokens, and dividing by the mix keeps a model's level still while
/// its features' rhythms move it); the minute's expected value is `μ = L·r/w`.
///
/// How far `y = x/w` is from `μ` is measured where the series' noise is closest to normal, in units of that
/// noise learnt from the series' own residuals, plus the baseline's own uncertainty (its standard error and how
/// far it wanders by itself):
/// - per-request values (heavy-tailed: lognormal sizes, cheap and dear models): `ln(y/μ)`, variance `s²/n` —
///   compound-Poisson counting noise for a busy series, the series' own spread for one reading a minute;
/// - rates: failure counts against `n·μ`, variance-stabilized (Anscombe) and scaled by the learnt
///   overdispersion, so 1 error in 2 requests is not 7σ;
/// - the cache ratio (bounded): `y − μ`, variance `v/n`;
/// - a mean of per-request logarithms (the typical request's size, `Measures.logTokensSum`): `y − μ`, variance
///   `v/n`. It moves with every request's size, as context bloat does, while a few huge prompts that swamp the
///   token total barely move it, so its noise is a fraction of the total's.
/// O(1) per minute, no buffers.
struct IntensiveSeries {
    enum Kind { case perRequest, rate, cache, logMean }

    var num = 0.0, den = 0.0
    /// The same with a short memory: how far the two drift apart is how much the baseline wanders by itself.
    var fastNum = 0.0, fastDen = 0.0
    /// Mean absolute gap between the two levels (log units for per-request values, points for the cache ratio).
    var drift = 0.0
    /// Requests per minute (EWMA).
    var count = 0.0
    /// Linear variance of `(y − μ)·√n` (display noise, cache ratio).
    var variance = 0.0
    /// Per-request values: variance of the log residual times √n. Rates: overdispersion (≥ 1).
    var scale = 0.0
    /// Per-request values: `n·E[ln(ȳ/μ)]`, learnt: a mean of n skewed values sits below its expectation in log
    /// terms by about this over n (σ²/2 for one lognormal request, more for a mix of cheap and dear models).
    var logBias = 0.0
    var ready = false
    var minutes = 0
    // Warm-up sums: x, r, n; Σn·y², Σn·y·ρ, Σn·ρ² (ρ = r/w); Σn·l, Σn·l², Σl, Σ1/n (l = ln(x/r));
    // minutes with data.
    var wx = 0.0, wr = 0.0, wn = 0.0, wyy = 0.0, wyr = 0.0, wrr = 0.0
    var wnl = 0.0, wnl2 = 0.0, wl = 0.0, winv = 0.0, wk = 0
    var state = SeriesState()
    var calibration = ResidualCalibration()
    /// The pooled (windowed) statistic's own calibration: pooled minutes have lighter tails than single ones.
    var windowCalibration = ResidualCalibration()
    /// The last three minutes' CUSUM inputs and shifts: the CUSUM takes their median, so one minute of a few
    /// huge requests (a heavy tail) cannot move it, while a shift that lasts does after one minute.
    var recentSteps: (Double, Double, Double) = (-1, -1, -1)
    var recentShifts: (Double, Double, Double) = (0, 0, 0)
    /// Rates: the last minutes' failures and expected failures (windowed test); others: their pooled sums.
    var window = CountWindow()
    var pooled = PooledWindow()
    /// Sums over the open period (for adopting a lasting change as the new normal).
    var openX = 0.0, openR = 0.0

    var level: Double { den > 0 ? num / den : 0 }
    /// The level, or while warming up the mean so far (nil before any reading): what the groups that mix this
    /// feature with others are judged against, so their own warm-up learns real residuals, not zeros.
    var provisional: Double? { ready ? level : (wr > 0 ? wx / wr : nil) }
    var fastLevel: Double { fastDen > 0 ? fastNum / fastDen : level }

    /// (1 − 1/√n̄): how much of a relative effect-size floor applies (none for one request a minute).
    var mixScale: Double { max(0, 1 - 1 / max(count, 1).squareRoot()) }

    /// Requests behind the level (its memory times the traffic): the baseline's standard error is s/√this.
    func effectiveRequests(_ s: AnomalySettings) -> Double { max(count, 1e-3) / s.intensiveLevelRate }

    static func stabilized(_ v: Double) -> Double { 2 * (max(v, 0) + 0.375).squareRoot() }

    static func median(_ t: (Double, Double, Double)) -> Double { max(min(t.0, t.1), min(max(t.0, t.1), t.2)) }

    /// The expected value of a minute with weight `w` and reference `r`.
    func expected(w: Double, r: Double) -> Double { level * r / w }

    /// Judges a minute, then learns from it. Nil when the minute has no reading (no requests) or the series
    /// is still warming up.
    mutating func observe(x: Double, w: Double, n: Double, reference: Double? = nil, kind: Kind, rising: Bool,
                          cusum: Bool = true, minute: Int64, _ s: AnomalySettings) -> SeriesReading? {
        minutes += 1
        count += 0.05 * (n - count)
        let r = reference ?? w
        guard n > 0, w > 0, r > 0, x.isFinite, w.isFinite, r.isFinite, x >= 0 else { return nil }
        let y = x / w
        guard ready else {
            warm(x: x, w: w, n: n, r: r, kind: kind, s)
            return nil
        }
        let mu = expected(w: w, r: r)
        let scaleMix = mixScale
        let dir = rising ? 1.0 : -1.0
        let nEff = effectiveRequests(s)
        // z: the standardized residual; beyond: how far past the smallest shift worth telling (relative for
        // per-request values, scaled by how much a mix drifts; absolute for rates and the cache ratio), in the
        // same units. Both are then judged against the spread the series really has (its calibration).
        var z: Double, zr: Double, beyond: Double
        let shift: Double
        var gap = 0.0
        switch kind {
        case .perRequest:
            let raw = log(max(y, 0.01 * mu)) - log(mu)
            shift = raw - logBias / n
            // This minute's noise, plus the baseline's own uncertainty: its standard error and its drift.
            let v = max(scale, 1e-12)
            let sd = max((v / n + v / nEff + drift * drift).squareRoot(), s.relativeNoiseFloor)
            z = dir * shift / sd
            zr = z
            beyond = (dir * shift - log(1 + s.cusumRelativeAllowance * scaleMix)) / sd
            // Learnt from every minute but open or clearly anomalous ones: leaving out the heavy minutes (or those
            // inside a CUSUM run) would bias it toward the body and make the heavy tail look like a shift.
            if !state.open && abs(z) < s.zThreshold {
                let c = 25 * max(scale, 0.01)
                logBias += s.varianceRate * (min(max(n * raw, -c), c) - logBias)
            }
            gap = abs(log(max(fastLevel, 1e-300)) - log(max(level, 1e-300)))
        case .rate:
            let phi = max(scale, 1).squareRoot()
            z = dir * PoissonTail.z(x, n * mu) / phi
            zr = z
            let a = max(s.rateAllowance, 0.5 * mu)
            beyond = PoissonTail.z(x, n * (mu + a)) / phi
            shift = dir * (y - mu)
        case .cache:
            let v = variance
            let sd = max((v / n + v / nEff + drift * drift).squareRoot(), 0.005)
            shift = dir * (y - mu)
            z = shift / sd
            zr = z
            beyond = (shift - max(s.cacheAllowance, 0.1 * mu)) / sd
            gap = abs(fastLevel - level) * r / w
        case .logMean:
            let v = variance
            let sd = max((v / n + v / nEff + drift * drift).squareRoot(), s.relativeNoiseFloor)
            shift = dir * (y - mu)
            z = shift / sd
            zr = z
            beyond = (shift - log(1 + s.cusumRelativeAllowance * scaleMix)) / sd
            gap = abs(fastLevel - level)
        }
        let rawZ = z
        // A young series' variance is itself uncertain (a t rather than a normal): widen it while it is.
        let c = calibration.factor * (1 + 8 / Double(max(minutes, 1)))
        z /= c
        zr /= c
        beyond /= c
        let zAllow = min(max(min(zr, s.cusumClip) - s.cusumK, -s.cusumClip), beyond)

        let flagged: Bool
        switch kind {
        case .perRequest: flagged = z >= s.zThreshold && y >= mu * (1 + (s.minRatio - 1) * scaleMix)
        case .rate: flagged = z >= s.zThreshold && y - mu >= s.minRateDelta && y >= s.minRateRatio * mu && x >= 3
        case .cache: flagged = z >= s.zThreshold && mu - y >= s.minCacheDrop && y <= s.maxCacheRatio * mu
        case .logMean: flagged = z >= s.zThreshold && shift >= log(1 + (s.minRatio - 1) * scaleMix)
        }

        // Page's CUSUM against the expected value plus an allowance (k standard deviations, or the smallest
        // shift worth telling, whichever is larger), on the median of the last three minutes, clipped.
        recentSteps = (recentSteps.1, recentSteps.2, zAllow)
        recentShifts = (recentShifts.1, recentShifts.2, shift)
        let step = cusum ? min(max(IntensiveSeries.median(recentSteps), -s.cusumClip), s.cusumClip - s.cusumK) : -1
        let medianShift = IntensiveSeries.median(recentShifts)
        var st = state
        var alarm = false
        if st.advanceCusum(step, at: minute, maxRunMinutes: s.cusumMaxRunMinutes) {
            SeriesState.recent(&st.cusumSum, medianShift, minutes: st.cusumMinutes)
            let mean = st.cusumSum
            if st.cusum >= s.cusumH {
                switch kind {
                case .perRequest: alarm = mean >= log(1 + (s.sustainMinRatio - 1) * scaleMix)
                case .rate: alarm = mean >= s.minRateDelta / 2 && mean >= 0.5 * mu
                case .cache: alarm = mean >= s.minCacheDrop / 2 && mean >= (1 - s.maxCacheRatio) / 2 * mu
                case .logMean: alarm = mean >= log(1 + (s.sustainMinRatio - 1) * scaleMix)
                }
            }
        }
        var windowFlagged = false, windowExcess = 0.0
        if kind == .rate {
            window.add(x, expected: n * mu, requests: n, size: s.windowMinutes)
            let wsum = window.sums
            let rate = wsum.n > 0 ? wsum.x / wsum.n : 0, base = wsum.n > 0 ? wsum.e / wsum.n : 0
            windowFlagged = window.observed.count == s.windowMinutes && wsum.x >= 5
                && PoissonTail.z(wsum.x, wsum.e) / max(scale, 1).squareRoot() / c >= s.zThreshold
                && rate - base >= s.minRateDelta && rate >= s.minRateRatio * base
            windowExcess = (wsum.x - wsum.e) / Double(max(window.observed.count, 1))
        } else if kind == .cache && cusum {
            // The last minutes pooled: a moderate drop that every minute shows a little is plain over five. Only
            // for the (bounded) cache ratio: a pooled per-request value is as fragile as one minute, since one
            // huge request dominates it.
            pooled.add(x: x, w: w, expected: mu * w, n: n, size: s.windowMinutes)
            let p = pooled.sums
            if pooled.x.count == s.windowMinutes && p.e > 0 && p.w > 0 && p.n > 0 {
                let mixW = max(0, 1 - 1 / max(p.n / Double(s.windowMinutes), 1).squareRoot())
                let young = 1 + 8 / Double(max(minutes, 1))
                let zW: Double
                if kind == .perRequest {
                    let v = max(scale, 1e-12)
                    let sdW = max((v / p.n + v / nEff + drift * drift).squareRoot(), s.relativeNoiseFloor)
                    zW = dir * (log(max(p.x, 1e-300) / p.e) - logBias / p.n) / sdW
                    windowFlagged = zW / (windowCalibration.factor * young) >= s.zThreshold
                        && p.x >= p.e * (1 + (s.sustainMinRatio - 1) * mixW)
                    windowExcess = (p.x - p.e) / Double(s.windowMinutes)
                } else {
                    let yW = p.x / p.w, muW = p.e / p.w
                    let sdW = max((variance / p.n + variance / nEff + drift * drift).squareRoot(), 0.005)
                    zW = (muW - yW) / sdW
                    windowFlagged = zW / (windowCalibration.factor * young) >= s.zThreshold
                        && muW - yW >= s.minCacheDrop
                        && yW <= s.maxCacheRatio * muW
                    windowExcess = (p.e - p.x) / Double(s.windowMinutes)
                }
                if !state.open && !windowFlagged && z < s.zThreshold {
                    let rate = max(s.calibrationRate, 1 / Double(max(minutes - s.warmupMinutes, 1)))
                    windowCalibration.learn(zW, rate: rate)
                }
            }
        }
        let holding = zr >= s.holdZ && beyond >= 0
        state = st

        // Learn, unless an anomaly holds: a minute out of line (or inside a CUSUM run) barely moves the level,
        // and the variances learn from clipped squares except on minutes the per-minute test flags.
        if !st.open {
            let damp = abs(z) >= 3 || st.cusum > 0 ? s.outlierRateFactor : 1
            let a = s.intensiveLevelRate * damp
            num += a * (x - num)
            den += a * (r - den)
            let fa = s.fastLevelRate * (abs(z) >= s.zThreshold ? s.outlierRateFactor : 1)
            fastNum += fa * (x - fastNum)
            fastDen += fa * (r - fastDen)
            // How far the baseline wanders by itself is not learnt from a shift under test: a sustained change
            // would otherwise widen its own noise until the CUSUM testing it can never reach its threshold.
            if abs(z) < s.zThreshold && st.cusum < s.cusumH / 2 { drift += s.driftRate * (gap - drift) }
            if abs(z) < s.zThreshold {
                calibration.learn(rawZ, rate: max(s.calibrationRate, 1 / Double(max(minutes - s.warmupMinutes, 1))))
            }
            if z < s.zThreshold {
                let sdShown = noise(mu: mu, n: n, kind: kind, s)
                let r2 = n * (y - mu) * (y - mu)
                variance += s.varianceRate * (min(r2, s.varianceClip * max(variance, sdShown * sdShown * n)) - variance)
                switch kind {
                case .perRequest:
                    let l = n * shift * shift
                    scale += s.varianceRate * (min(l, s.varianceClip * max(scale, 1e-6)) - scale)
                case .rate:
                    let phi = max(scale, 1)
                    scale += s.varianceRate * (min(rawZ * rawZ * phi, s.varianceClip * phi) - scale)
                case .cache, .logMean: break
                }
            }
        } else {
            openX += x
            openR += r
        }
        let excess = kind == .cache ? (mu - y) * w : x - mu * w
        let sd = noise(mu: mu, n: n, kind: kind, s)
        var sustained: Double?
        if state.cusum > 0 {
            sustained = kind == .perRequest ? mu * w * exp(state.cusumSum) : max(0, mu + dir * state.cusumSum)
        }
        return SeriesReading(observed: kind == .perRequest ? x : y, expected: kind == .perRequest ? mu * w : mu,
                             sd: kind == .perRequest ? sd * w : sd, z: z, flagged: flagged,
                             windowFlagged: windowFlagged,
                             windowExcess: windowExcess, cusumAlarm: alarm, sustained: sustained,
                             excess: excess, holding: holding)
    }

    mutating func warm(x: Double, w: Double, n: Double, r: Double, kind: Kind, _ s: AnomalySettings) {
        let y = x / w, rho = r / w
        wx += x; wr += r; wn += n; wk += 1
        wyy += n * y * y; wyr += n * y * rho; wrr += n * rho * rho
        let l = log(max(x / r, 1e-12))
        wnl += n * l; wnl2 += n * l * l; wl += l; winv += 1 / n
        guard minutes >= s.warmupMinutes && wn >= s.warmupRequests && wk >= 3 && wr > 0 else { return }
        let k = Double(max(wk - 1, 1)), kk = Double(wk)
        num = wx / Double(minutes)
        den = wr / Double(minutes)
        fastNum = num
        fastDen = den
        let L = wx / wr
        variance = max(0, wyy - 2 * L * wyr + L * L * wrr) / k
        switch kind {
        case .perRequest:
            guard L > 0 else { return }
            // Around ln(L) + B/n, with B = Σ n·ln(y/μ) / minutes.
            let lL = log(L)
            logBias = (wnl - lL * wn) / kk
            let sq = wnl2 - 2 * lL * wnl + lL * lL * wn
            scale = max(0, sq - 2 * logBias * (wl - kk * lL) + logBias * logBias * winv) / k
        case .rate: scale = 1
        case .cache, .logMean: scale = 0
        }
        ready = true
    }

    /// The standard deviation of a minute's value over `n` requests at expected value `mu` (linear scale).
    func noise(mu: Double, n: Double, kind: Kind, _ s: AnomalySettings) -> Double {
        switch kind {
        case .perRequest: return max((variance / n).squareRoot(), s.relativeNoiseFloor * abs(mu), 1e-12)
        case .rate:
            let p = min(max(mu, 0.005), 0.995)
            return max((max(variance, p * (1 - p)) / n).squareRoot(), 1e-6)
        case .cache: return max((variance / n).squareRoot(), 0.005)
        case .logMean: return max((variance / n).squareRoot(), s.relativeNoiseFloor)
        }
    }

    /// A lasting change becomes the baseline (after `adoptMinutes` open).
    mutating func adopt() {
        if openR > 0 { num = openX / openR * den }
        openX = 0
        openR = 0
    }
}
