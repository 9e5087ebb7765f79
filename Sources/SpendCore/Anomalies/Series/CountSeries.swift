/// Requests per minute, judged minute by minute. Model: negative binomial around a level `λ` that follows the
/// day (a short EWMA until a daily profile exists, then a slower one on the deseasonalized series), with
/// variance `λ + φλ²`: Poisson counting noise plus the series' own burstiness `φ`, learnt from its residuals.
/// Residuals are variance-stabilized (`PoissonTail`: Anscombe, or the exact tail for small λ) so a key seen once an
/// hour is judged by Poisson odds, not by a normal approximation that makes one request look like 10σ.
struct CountSeries {
    var level = 0.0
    /// Requests per minute over hours (the floor of what is expected).
    var longRun = 0.0
    var phi = 0.0
    var ready = false
    var minutes = 0
    var warmSum = 0.0, warmSquares = 0.0
    var profile = DailyProfile()
    var state = SeriesState()
    var calibration = ResidualCalibration()
    var recentSteps: (Double, Double, Double) = (-1, -1, -1)
    var window = CountWindow()
    var openSum = 0.0, openMinutes = 0

    static func stabilized(_ v: Double) -> Double { 2 * (max(v, 0) + 0.375).squareRoot() }

    mutating func observe(_ n: Double, cusum: Bool = true, minute: Int64, _ s: AnomalySettings) -> SeriesReading? {
        minutes += 1
        let f = profile.factor(minute: minute, s)
        guard ready else {
            warmSum += n
            warmSquares += n * n
            if minutes >= s.warmupMinutes {
                let k = Double(minutes)
                level = warmSum / k
                longRun = level
                let v = max(0, warmSquares / k - level * level)
                phi = level > 0 ? min(max((v - level) / (level * level), 0), 1) : 0
                ready = true
            }
            learnProfile(n, minute: minute, s)
            return nil
        }
        let lambda = max(level * f, s.countFloorShare * longRun)
        let spread = (1 + phi * lambda).squareRoot()
        let rawZ = PoissonTail.z(n, lambda) / spread
        let c = calibration.factor * (1 + 8 / Double(max(minutes, 1)))
        let z = rawZ / c
        let flagged = z >= s.zThreshold && n >= s.countMinRatio * lambda
        let rho = profile.on ? s.seasonalCountAllowance : s.countAllowance
        let zAllowance = PoissonTail.z(n, lambda * (1 + rho)) / spread / c
        recentSteps = (recentSteps.1, recentSteps.2, min(max(min(z, s.cusumClip) - s.cusumK, -s.cusumClip), zAllowance))
        let step = cusum ? min(max(IntensiveSeries.median(recentSteps), -s.cusumClip), s.cusumClip - s.cusumK) : -1
        var st = state
        if st.cusum <= 0 && step > 0 { st.resetCusum(minute) }
        st.cusum = max(0, st.cusum + step)
        if st.cusum > 0 && st.cusumMinutes >= s.cusumMaxRunMinutes { st.resetCusum(minute) }
        var alarm = false
        if st.cusum > 0 {
            st.cusumMinutes += 1
            SeriesState.recent(&st.cusumSum, n / max(lambda, 1e-9), minutes: st.cusumMinutes)
            alarm = st.cusum >= s.cusumH && st.cusumSum >= s.sustainMinRatio
        }
        window.add(n, expected: lambda, requests: n, size: s.windowMinutes)
        let w = window.sums
        let windowZ = PoissonTail.z(w.x, w.e) / (1 + phi * w.e / Double(s.windowMinutes)).squareRoot() / c
        let windowFlagged = window.observed.count == s.windowMinutes && windowZ >= s.zThreshold
            && w.x >= s.countMinRatio * w.e
        let holding = z >= s.holdZ && n >= lambda * (1 + rho)
        state = st
        let sd = (lambda + phi * lambda * lambda).squareRoot()
        if !st.open && z < s.zThreshold { longRun += s.longRunRate * (n - longRun) }
        if !st.open {
            let rate = (profile.on ? s.seasonalCountLevelRate : s.countLevelRate)
                * (abs(z) >= 3 || (st.cusum > 0 && st.cusumMinutes <= s.countDampMinutes) ? s.outlierRateFactor : 1)
            let y = n / f
            let c = level + 4 * max(sd / f, 1)
            level += rate * (min(y, c) - level)
            if z < s.zThreshold {
                calibration.learn(rawZ, rate: max(s.calibrationRate, 1 / Double(max(minutes - s.warmupMinutes, 1))))
            }
            if lambda >= 0.5 && z < s.zThreshold {
                let e = ((n - lambda) * (n - lambda) - lambda) / (lambda * lambda)
                phi = max(0, phi + s.varianceRate * (min(e, 1) - phi))
            }
            learnProfile(min(n, profileClip(lambda, sd)), minute: minute, s)
        } else {
            openSum += n / f
            openMinutes += 1
            // The day's shape is learnt from what happened, clipped as any minute is: learning only the expectation
            // while open would keep a slot that alarmed (the first morning's ramp) wrong, and alarming, every day.
            learnProfile(min(n, profileClip(lambda, sd)), minute: minute, s)
        }
        return SeriesReading(observed: n, expected: lambda, sd: max(sd, 1e-9), z: z, flagged: flagged,
                             windowFlagged: windowFlagged,
                             windowExcess: (w.x - w.e) / Double(max(window.observed.count, 1)), windowZ: windowZ,
                             cusumAlarm: alarm, sustained: state.cusum > 0 ? state.cusumSum * lambda : nil,
                             excess: n - lambda, holding: holding)
    }

    /// The most a minute teaches the daily profile: 4 sd above what was expected, and before the profile exists
    /// (the first day, when the expectation is a short EWMA that lags any rhythm) three times that expectation,
    /// so the day's ramps are learnt whole while a 10× incident still is not.
    func profileClip(_ lambda: Double, _ sd: Double) -> Double {
        (profile.on ? lambda : 3 * lambda) + 4 * max(sd, 1)
    }

    mutating func learnProfile(_ x: Double, minute: Int64, _ s: AnomalySettings) {
        if profile.learn(x, minute: minute, s) && ready {
            // Into deseasonalized units without a jump in what is expected now.
            level /= profile.factor(minute: minute, s)
        }
    }

    mutating func adopt() {
        if openMinutes > 0 { level = openSum / Double(openMinutes) }
        openSum = 0
        openMinutes = 0
    }
}
