/// A GPU's utilisation (percent), judged when it falls: a level that follows the load (a short EWMA until a
/// daily profile exists), a variance learnt from its residuals (never below `gpuNoiseFloor` points).
struct GaugeSeries {
    var level = 0.0
    var variance = 0.0
    var ready = false
    var minutes = 0
    var warmSum = 0.0, warmSquares = 0.0
    var profile = DailyProfile()
    var state = SeriesState()
    var openSum = 0.0, openMinutes = 0

    mutating func observe(_ u: Double, minute: Int64, _ s: AnomalySettings) -> SeriesReading? {
        guard u.isFinite else { return nil }
        minutes += 1
        let f = profile.factor(minute: minute, s)
        guard ready else {
            warmSum += u
            warmSquares += u * u
            if minutes >= s.warmupMinutes {
                let k = Double(minutes)
                level = warmSum / k
                variance = max(0, warmSquares / k - level * level)
                ready = true
            }
            learnProfile(u, minute: minute, s)
            return nil
        }
        let expected = level * f
        let sd = max(variance.squareRoot(), s.gpuNoiseFloor)
        let z = (expected - u) / sd
        let flagged = z >= s.zThreshold && expected >= s.minGPUExpected && expected - u >= s.minGPUDrop
            && u <= s.maxGPURatio * expected
        let holding = z >= s.holdZ && expected - u >= s.minGPUDrop / 2
        if !state.open {
            let rate = (profile.on ? s.seasonalCountLevelRate : s.gpuLevelRate)
                * (abs(z) >= 3 ? s.outlierRateFactor : 1)
            let r = u - expected
            let c = 4 * sd
            level += rate * (min(max(r, -c), c)) / f
            if abs(z) < s.zThreshold {
                variance += s.varianceRate * (min(r * r, s.varianceClip * sd * sd) - variance)
            }
            learnProfile(expected + min(max(r, -c), c), minute: minute, s)
        } else {
            openSum += u / f
            openMinutes += 1
            learnProfile(expected, minute: minute, s)
        }
        return SeriesReading(observed: u, expected: expected, sd: sd, z: z, flagged: flagged, cusumAlarm: false,
                             excess: expected - u, holding: holding)
    }

    mutating func learnProfile(_ x: Double, minute: Int64, _ s: AnomalySettings) {
        if profile.learn(x, minute: minute, s) && ready { level /= profile.factor(minute: minute, s) }
    }

    mutating func adopt() {
        if openMinutes > 0 { level = openSum / Double(openMinutes) }
        openSum = 0
        openMinutes = 0
    }
}
