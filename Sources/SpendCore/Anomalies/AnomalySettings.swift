/// The detector's parameters; docs/anomalies.md explains each one and why it has its default.
public struct AnomalySettings: Sendable, Equatable {
    // MARK: statistics (per series)

    /// Minutes a series is watched before it is judged, and the requests an intensive series (a value per
    /// request) needs in that time: its first level and variance are their mean and variance.
    public var warmupMinutes = 30
    public var warmupRequests = 50.0
    /// Per-minute test: a standardized residual this large, in the incident's direction.
    public var zThreshold = 5.0
    /// Minutes in a row the per-minute test must hold before an anomaly opens: volumes (spend, tokens,
    /// requests) need more than rates, so a few big requests of a healthy long-tail key stay quiet.
    public var persistMinutes = 2
    public var volumePersistMinutes = 3
    /// Counts (requests, and failures for error and retry rates) are also judged over the sum of the last
    /// `windowMinutes` minutes against what was expected in them (exact Poisson tail, overdispersion scaled):
    /// a surge of a few calls a minute on a quiet key is plain over five minutes.
    public var windowMinutes = 5
    /// A single minute this far out opens a rate, cache or GPU anomaly at once (never a volume one).
    public var strongZ = 12.0
    /// CUSUM (Page's test) on the median of the last three minutes' standardized residuals (a minute with one
    /// huge request cannot move it), each step clipped at `cusumClip`; allowance `cusumK` standard deviations
    /// (or the relative and absolute allowances below, whichever is larger); alarm at `cusumH`. It runs where
    /// a slow shift is defined: the fleet's and each feature's series, models' and providers' error and retry
    /// rates, keys' spend per request; elsewhere (series that mix features) only the per-minute test does.
    public var cusumK = 1.0
    public var cusumH = 7.0
    public var cusumClip = 3.0
    /// A feature is also judged by its typical request: the mean of its requests' ln(tokens) and of their cached
    /// shares, which the few huge prompts of a heavy tail barely move (a drift every request shares shows through
    /// several times less noise than in the token totals). Off, only the token-weighted series judge it.
    public var typicalRequestSeries = true
    /// A CUSUM run that has not reached `cusumH` in this many minutes is a slow bias, not a change: it restarts.
    public var cusumMaxRunMinutes = 20
    /// Level and variance memories (per-minute learning rates): intensive series learn slowly (their level is
    /// not seasonal), counts and GPU util follow the day quickly until a daily profile exists.
    public var intensiveLevelRate = 1.0 / 45
    public var varianceRate = 1.0 / 90
    /// A second, short-memory level of each intensive series; the mean gap between the two (learnt at
    /// `driftRate`) is how much the baseline wanders by itself, and counts as noise.
    public var fastLevelRate = 1.0 / 10
    public var driftRate = 1.0 / 120
    public var countLevelRate = 0.1
    public var seasonalCountLevelRate = 1.0 / 30
    public var gpuLevelRate = 0.1
    /// Learning rate of each series' residual calibration (its 90th percentile, see `ResidualCalibration`).
    public var calibrationRate = 0.02
    /// A count's level (which follows the day) learns slowly during the first `countDampMinutes` of a CUSUM
    /// run, so a moderate surge is not absorbed before it is judged; after that it follows again (a steep
    /// daily rise must not run away from it).
    public var countDampMinutes = 15
    /// A count's expected rate never falls below `countFloorShare` of its long-run rate (EWMA at
    /// `longRunRate`): between the rare calls of a quiet key, its short-memory level decays toward zero,
    /// which would make two calls look impossible.
    public var countFloorShare = 0.25
    public var longRunRate = 1.0 / 360
    /// How much of its learning rate a minute that is out of line (or inside a CUSUM run) keeps.
    public var outlierRateFactor = 0.2
    /// A squared residual is clipped at this many variances before the variance learns from it.
    public var varianceClip = 25.0
    /// Daily profile (counts and GPU util): slot size and the newest day's weight.
    public var seasonSlotMinutes = 30
    public var seasonDayWeight = 0.5

    // MARK: effect sizes (a departure must also be large, not only unlikely)

    /// Spend and tokens per request: the per-minute test needs this ratio, the CUSUM this allowance and,
    /// over its run, this ratio. They are scaled by (1 − 1/√requests per minute): a mix of many requests
    /// drifts through the day, while a series of one reading a minute is judged on its own statistics.
    public var minRatio = 1.5
    public var cusumRelativeAllowance = 0.1
    public var sustainMinRatio = 1.3
    /// Requests per minute (traffic follows the day's rhythm, so the allowance does not shrink with volume).
    public var countMinRatio = 1.5
    public var countAllowance = 0.3
    public var seasonalCountAllowance = 0.2
    /// A key's spend-per-minute (burn) test opens only while its request count over the last `windowMinutes`
    /// is at least this z above what was expected: a runaway calls more, a healthy key's few big calls do not.
    public var burnCountZ = 3.0
    /// Error and retry rates: a rise of at least `minRateDelta` (fraction) to at least `minRateRatio`× the
    /// baseline; the CUSUM allows `rateAllowance` (fraction) or half the baseline, whichever is larger.
    public var minRateDelta = 0.08
    public var minRateRatio = 2.0
    public var rateAllowance = 0.02
    /// Cache hit ratio: a drop of `minCacheDrop` points to at most `maxCacheRatio`× the baseline.
    public var minCacheDrop = 0.08
    public var maxCacheRatio = 0.7
    public var cacheAllowance = 0.04
    /// GPU util (points): expected at least `minGPUExpected`, a drop of `minGPUDrop` to ≤ `maxGPURatio`×.
    public var minGPUDrop = 20.0
    public var minGPUExpected = 15.0
    public var maxGPURatio = 0.6
    public var gpuNoiseFloor = 3.0
    /// Smallest standard deviation of a per-request value, relative to its level (a constant series).
    public var relativeNoiseFloor = 0.002
    /// An explanation shows a ratio against the baseline only when the baseline is this many standard
    /// deviations of the compared value above zero; otherwise it shows both values, never a ratio.
    public var ratioNoiseMultiple = 2.0

    // MARK: materiality (an anomaly must matter to the fleet)

    /// Excess spend an incident needs at least (USD per hour).
    public var minExcessUSDPerHour = 0.10
    /// And a share of the fleet's burn, measured in USD, or in requests for traffic, error, retry and cache
    /// anomalies; or `parentShare` of its parent feature's burn (for a key or model) when that feature carries
    /// `groupShare` of the fleet's. A rate or cache anomaly also matters on a group that itself carries
    /// `groupShare` of the fleet's burn or requests (its effect-size floors then say it is large).
    public var fleetShare = 0.02
    public var parentShare = 0.25
    public var groupShare = 0.05
    /// Keys are many and each is small: a key's excess needs this share of the fleet's burn.
    public var keyShare = 0.04
    /// The fleet's own anomalies need this share of its own burn.
    public var fleetSelfShare = 0.01

    // MARK: new spenders

    /// A key, model or feature first seen after the detector warmed up is new (it has no baseline) until its
    /// spend series is established, and at most `newSpenderMaxAgeMinutes`; it is a new spender when its spend
    /// over the last `newSpenderWindowMinutes` (at least `newSpenderMinSpanMinutes` counted) reaches
    /// `newSpenderShare` of the fleet's, with spend in `newSpenderMinActiveMinutes` minutes and at least
    /// `newSpenderMinRequests` requests.
    public var newSpenderShare = 0.05
    public var newSpenderWindowMinutes = 10
    public var newSpenderMinSpanMinutes = 5
    public var newSpenderMinActiveMinutes = 2
    public var newSpenderMinRequests = 5.0
    public var newSpenderMaxAgeMinutes = 60

    // MARK: incidents

    /// While open, a minute still counts as part of the anomaly down to this z (or while it stays past
    /// the CUSUM's allowance); `clearMinutes` normal minutes end it, `staleMinutes` without a reading too.
    public var holdZ = 2.0
    public var clearMinutes = 3
    public var staleMinutes = 10
    /// A new anomaly on the same series within this many minutes of the end continues the old incident.
    public var cooldownMinutes = 15
    /// An anomaly holding this long is the new normal: the level takes the recent mean and it ends.
    public var adoptMinutes = 90

    // MARK: bounds

    /// Tracked groups at most; groups idle this long are dropped.
    public var maxGroups = 5_000
    public var idleEvictMinutes: Int64 = 6 * 60

    public init() {}
}
