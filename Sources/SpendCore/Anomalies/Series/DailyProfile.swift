/// A series' shape over the day: the mean of each slot (48 half hours by default), learnt across days with
/// the newest day weighing `seasonDayWeight`. Once every slot has been seen it turns on and gives the factor
/// a value is divided by to deseasonalize it (the slot's share of the daily mean, interpolated, in [0.2, 5]).
struct DailyProfile {
    var slots: [Double] = []
    var filled = 0
    var slotSum = 0.0, slotCount = 0, slotIndex = -1
    private(set) var on = false

    func factor(minute: Int64, _ s: AnomalySettings) -> Double {
        guard on else { return 1 }
        let n = slots.count
        let mean = slots.reduce(0, +) / Double(n)
        guard mean > 0 else { return 1 }
        let mod = Double(((minute % 1440) + 1440) % 1440)
        let pos = mod / Double(s.seasonSlotMinutes) - 0.5
        let i0 = Int((pos + Double(n)).rounded(.down)) % n
        let frac = pos - pos.rounded(.down)
        let v = slots[i0] * (1 - frac) + slots[(i0 + 1) % n] * frac
        return min(max(v / mean, 0.2), 5)
    }

    /// Adds a minute's (clipped) value; returns true on the minute the profile turns on, so the caller can
    /// rescale its level into deseasonalized units without a jump.
    mutating func learn(_ x: Double, minute: Int64, _ s: AnomalySettings) -> Bool {
        let n = 1440 / s.seasonSlotMinutes
        let idx = Int(((minute % 1440) + 1440) % 1440) / s.seasonSlotMinutes
        var switched = false
        if idx != slotIndex {
            if slotIndex >= 0 && slotCount >= s.seasonSlotMinutes / 2 {
                if slots.isEmpty { slots = Array(repeating: -1, count: n) }
                let mean = slotSum / Double(slotCount)
                if slots[slotIndex] < 0 {
                    slots[slotIndex] = mean
                    filled += 1
                } else {
                    slots[slotIndex] += s.seasonDayWeight * (mean - slots[slotIndex])
                }
                if !on && filled == n {
                    on = true
                    switched = true
                }
            }
            slotIndex = idx
            slotSum = 0
            slotCount = 0
        }
        slotSum += x
        slotCount += 1
        return switched
    }
}
