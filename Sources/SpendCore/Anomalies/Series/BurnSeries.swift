/// Spend per minute as a compound-Poisson sum: a rate of requests (the group's count series) times what one
/// costs (its spend-per-request series). Expected `λμ`, variance `λ(μ² + v)(1 + φλ)` with `v` the per-request
/// variance and `φ` the count's burstiness — all learnt by those two series, so this one keeps only its test
/// state. It sees a key that both calls more and calls dearer (a runaway on an expensive model), which each
/// factor alone shows only moderately. Same tests as the others: per-minute, CUSUM on the median of three; they
/// alarm only while the group `callsMore` (its windowed count at `burnCountZ`): a few large calls on a dear model
/// are a healthy long tail's noise, and the compound sum's tail is too heavy for its normal approximation there.
struct BurnSeries {
    var state = SeriesState()
    var calibration = ResidualCalibration()
    var recentSteps: (Double, Double, Double) = (-1, -1, -1)
    var minutes = 0

    mutating func observe(spend x: Double, lambda: Double, perRequest mu: Double, variance v: Double, phi: Double,
                          callsMore: Bool, minute: Int64, _ s: AnomalySettings) -> SeriesReading? {
        minutes += 1
        guard lambda > 0, mu > 0, x.isFinite else { return nil }
        let e = lambda * mu
        let sd = max((lambda * (mu * mu + v) * (1 + phi * lambda)).squareRoot(), s.relativeNoiseFloor * e, 1e-12)
        let rawZ = (x - e) / sd
        let c = calibration.factor
        let z = rawZ / c
        let flagged = callsMore && z >= s.zThreshold && x >= s.minRatio * e
        let beyond = (x - e * (1 + s.countAllowance)) / sd / c
        recentSteps = (recentSteps.1, recentSteps.2, min(max(min(z, s.cusumClip) - s.cusumK, -s.cusumClip), beyond))
        let step = min(max(IntensiveSeries.median(recentSteps), -s.cusumClip), s.cusumClip - s.cusumK)
        var st = state
        // Runs start and restart on the clock's minutes: a reason says "shifted since" the run's first minute.
        var alarm = false
        if st.advanceCusum(step, at: minute, maxRunMinutes: s.cusumMaxRunMinutes) {
            SeriesState.recent(&st.cusumSum, x / e, minutes: st.cusumMinutes)
            alarm = callsMore && st.cusum >= s.cusumH && st.cusumSum >= s.sustainMinRatio
        }
        state = st
        if !st.open && z < s.zThreshold {
            calibration.learn(rawZ, rate: max(s.calibrationRate, 1 / Double(max(minutes, 1))))
        }
        return SeriesReading(observed: x, expected: e, sd: sd, z: z, flagged: flagged, cusumAlarm: alarm,
                             sustained: st.cusum > 0 ? st.cusumSum * e : nil,
                             excess: x - e, holding: z >= s.holdZ && beyond >= 0)
    }
}
