/// The detector's parameters; docs/anomalies.md explains each and how the defaults were chosen.
public struct AnomalySettings: Sendable, Equatable {
    /// Robust z-score a minute must reach to count as anomalous.
    public var zThreshold = 5.0
    /// A single minute this far out opens an incident at once; otherwise `persistMinutes` in a row are needed.
    public var strongZ = 12.0
    public var persistMinutes = 2
    /// While open, a minute still counts as part of the incident down to this z.
    public var holdZ = 3.0
    /// Minutes back to normal before the incident ends.
    public var clearMinutes = 3
    /// A new anomaly on the same series within this many minutes of the end continues the old incident.
    public var cooldownMinutes = 15
    /// The sustained test: the mean of the last `sustainMinutes` against the level, at `sustainZ` standard
    /// errors (catches slow ramps whose every minute is within the noise).
    public var sustainMinutes = 15
    public var sustainZ = 4.0
    /// The ratio a sustained shift needs (lower than `minRatio`: a mean over many minutes is surer).
    public var sustainMinRatio = 1.25
    /// Error and retry rates are also judged over the pooled counts of this many minutes.
    public var rateWindowMinutes = 10
    /// The pooled test flags when that many failures are this unlikely at the long-run rate (never taken below
    /// `minPooledRate`); the long-run rate learns at `pooledRate` per minute.
    public var pooledTailProbability = 1e-7
    public var minPooledRate = 0.01
    public var pooledRate = 0.01
    /// Minutes of history before a series is judged (its first baseline is their median and MAD).
    public var warmupMinutes = 30
    /// Per-minute learning rates of the level and of the spread (memory ≈ 1/rate minutes).
    public var levelRate = 0.03
    public var scaleRate = 0.03
    /// How much of the level's learning rate an out-of-line minute keeps.
    public var outlierRateFactor = 0.25
    /// An anomaly holding this long is a new normal: the level is reset to the recent mean and the incident ends.
    public var adoptMinutes = 90
    /// The plain RMS deviation (clipped at `tailClip` robust spreads, learnt at `tailRate`) also bounds the
    /// noise, at `tailWeight` of itself: heavy-tailed spend is judged against the tail it really has.
    public var tailWeight = 0.7
    public var tailClip = 6.0
    public var tailRate = 0.01
    /// Residuals are clipped at this many spreads before they move the baseline (robustness to outliers).
    public var clip = 2.5
    /// Daily profile resolution and how much the newest day weighs in it.
    public var seasonSlotMinutes = 30
    public var seasonDayWeight = 0.5
    /// Noise floors: relative for volumes, absolute for rates (fraction) and GPU util (points).
    public var relativeNoiseFloor = 0.05
    public var rateNoiseFloor = 0.01
    public var cacheNoiseFloor = 0.02
    public var gpuNoiseFloor = 3.0
    /// Minimum volume: series below these are never flagged (quiet on sparse and tiny series).
    public var minBaselineRequests = 2.0
    public var minRequestsForRates = 5.0
    public var minSpendDelta = 0.03
    public var minTokenDelta = 5_000.0
    public var minRequestDelta = 10.0
    public var minRatio = 1.5
    public var minRateDelta = 0.08
    /// Failed (or retried) requests in the minute before an error or retry rate can be flagged.
    public var minFailures = 3.0
    public var minCacheDrop = 0.12
    public var minGPUDrop = 20.0
    public var minGPUExpected = 15.0
    /// Tracked groups at most (each holds one small state per metric); groups idle this long are dropped.
    public var maxGroups = 5_000
    public var idleEvictMinutes: Int64 = 6 * 60

    public init() {}
}
