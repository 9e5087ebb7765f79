/// The streaming state of one per-minute series: a robust level and spread (Huber-clipped EWMA, seeded by the
/// median and MAD of the first minutes), an optional daily profile, and the open/clear state machine.
/// O(1) per minute; about 80 bytes, plus 2×48 doubles once the daily profile is learnt.
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

    var flaggedRun = 0
    var normalRun = 0
    var open = false
    /// The incident this series is attached to, while open or cooling down.
    var incident: Int?
    var endedMinute: Int64?

    struct Reading {
        var expected: Double
        var z: Double
        var flagged: Bool
    }

    var spread: Double { absDev * 1.2533 }

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
                          _ s: AnomalySettings) -> Reading {
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
                warm = []
                ready = true
            }
            learnSeason(x, minute: minute, metric: metric, s)
            return Reading(expected: y * f, z: 0, flagged: false)
        }
        let expected = level * f
        let floor = metric.noiseFloor(expected: expected, requests: max(requests, baselineRequests), s)
        let sd = max(spread * f, floor)
        let z = metric.rising ? (x - expected) / sd : (expected - x) / sd
        let flagged = z >= s.zThreshold
            && metric.matters(observed: x, expected: expected, requests: requests, baselineRequests: baselineRequests, s)

        // Learn: residual clipped at `clip` spreads (in deseasonalized units), floor included.
        let r = y - level
        let c = s.clip * max(spread, floor / f)
        let rc = min(max(r, -c), c)
        level += s.levelRate * rc
        if metric != .requests && metric != .spend && metric != .tokens { level = max(level, 0) }
        absDev += s.scaleRate * (min(abs(r), c) - absDev)
        let clippedRaw = (level + rc) * f
        learnSeason(clippedRaw, minute: minute, metric: metric, s)
        return Reading(expected: expected, z: z, flagged: flagged)
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
