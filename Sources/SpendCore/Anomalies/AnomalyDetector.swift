/// Watches the per-minute series of every tracked group (fleet, each feature, key, model, and each GPU) and
/// reports where an anomaly opens and where it clears. Fed one closed minute at a time, in order.
///
/// Cost per minute: O(cells of the tracked groupings in that minute + tracked groups × 6 metrics), each O(1);
/// memory: at most `maxGroups` groups × 6 series × ~0.9 kB (with daily profiles).
public final class AnomalyDetector {
    public let settings: AnomalySettings
    public let groupings: [Grouping]

    struct GroupKey: Hashable {
        /// Index into `groupings`, or -1 for a GPU (its id in `cell.first`).
        var grouping: Int
        var cell: CellKey
    }

    struct GroupState {
        var series: [SeriesDetector]
        var requestLevel = 0.0
        var lastSeen: Int64
    }

    /// A series whose anomaly opened this minute.
    struct Opening {
        var key: GroupKey
        var metric: AnomalyMetric
        var metricIndex: Int
        var minute: Int64
        var observed: Double
        var expected: Double
        var z: Double
        /// The incident to continue (same series, ended within the cooldown).
        var reopen: Int?
    }

    /// A series back to normal: its incident may end.
    struct Closing {
        var incident: Int
        /// Start of the first normal minute.
        var endMs: Int64
    }

    var groups: [GroupKey: GroupState] = [:]
    /// Groups seen but not tracked because `maxGroups` was reached.
    public private(set) var untrackedGroups = 0

    public init(settings: AnomalySettings = AnomalySettings(),
                groupings: [Grouping] = [.total, .by(.feature), .by(.apiKey), .by(.model)]) {
        self.settings = settings
        self.groupings = groupings
    }

    public var trackedGroups: Int { groups.count }

    /// Judges one closed minute of the query's data.
    func step(_ query: SpendQuery, minute: Int64) -> (openings: [Opening], closings: [Closing]) {
        var openings: [Opening] = []
        var closings: [Closing] = []
        var present = Set<GroupKey>()

        for (gi, g) in groupings.enumerated() {
            for c in query.cells(g, minute: minute) {
                let key = GroupKey(grouping: gi, cell: c.key)
                present.insert(key)
                observe(key, measures: c.measures, gpu: nil, minute: minute, &openings, &closings)
            }
        }
        for c in query.gpuCells(minute: minute) {
            let key = GroupKey(grouping: -1, cell: CellKey(c.id))
            present.insert(key)
            observe(key, measures: nil, gpu: c.measures, minute: minute, &openings, &closings)
        }
        // Groups with nothing this minute: volumes were 0, ratios undefined; idle ones are dropped.
        var idle: [GroupKey] = []
        for key in groups.keys where !present.contains(key) {
            if key.grouping >= 0 {
                observe(key, measures: Measures(), gpu: nil, minute: minute, &openings, &closings)
            }
            if let st = groups[key], minute - st.lastSeen > settings.idleEvictMinutes,
               !st.series.contains(where: { $0.open || $0.incident != nil }) {
                idle.append(key)
            }
        }
        for k in idle { groups[k] = nil }
        return (openings, closings)
    }

    func observe(_ key: GroupKey, measures: Measures?, gpu: GPUMeasures?, minute: Int64,
                 _ openings: inout [Opening], _ closings: inout [Closing]) {
        if groups[key] == nil {
            guard groups.count < settings.maxGroups else { untrackedGroups += 1; return }
            let n = key.grouping < 0 ? 1 : AnomalyMetric.requestMetrics.count
            groups[key] = GroupState(series: Array(repeating: SeriesDetector(), count: n), lastSeen: minute)
        }
        let s = settings
        groups[key]!.observeMinute { st in
            let requests = Double(measures?.requests ?? 0)
            if measures?.requests ?? 0 > 0 || gpu != nil { st.lastSeen = minute }
            let baseline = st.requestLevel
            st.requestLevel += 0.03 * (requests - st.requestLevel)
            let metrics: [AnomalyMetric] = key.grouping < 0 ? [.gpuUtil] : AnomalyMetric.requestMetrics
            for (mi, metric) in metrics.enumerated() {
                let value: Double?
                if metric == .gpuUtil { value = gpu?.utilPct } else { value = measures.flatMap { metric.value($0) } }
                var d = st.series[mi]
                guard let x = value else {
                    // No reading: it neither confirms nor clears an open anomaly, but time passes for the cooldown.
                    st.series[mi] = d
                    continue
                }
                var count: (Double, Double)? = nil
                if let m = measures, metric == .errorRate || metric == .retryRate {
                    count = (Double(metric == .errorRate ? m.errors : m.retries), Double(m.requests))
                }
                let r = d.observe(x, minute: minute, metric: metric, requests: requests, baselineRequests: baseline, counts: count, s)
                if d.open {
                    d.openMinutes += 1
                    if d.openMinutes >= s.adoptMinutes {
                        d.adopt()
                        d.open = false
                        d.endedMinute = minute
                        if let inc = d.incident { closings.append(Closing(incident: inc, endMs: (minute + 1) * 60_000)) }
                        d.flaggedRun = 0
                    } else if r.z >= s.holdZ {
                        d.normalRun = 0
                    } else {
                        d.normalRun += 1
                        if d.normalRun >= s.clearMinutes {
                            d.open = false
                            d.endedMinute = minute - Int64(s.clearMinutes) + 1
                            if let inc = d.incident { closings.append(Closing(incident: inc, endMs: d.endedMinute! * 60_000)) }
                            d.flaggedRun = 0
                        }
                    }
                } else {
                    d.flaggedRun = r.flagged ? d.flaggedRun + 1 : 0
                    // Volumes always need `persistMinutes`: one very expensive request is not an incident.
                    let strong = r.flagged && r.z >= s.strongZ && !(metric == .spend || metric == .tokens || metric == .requests)
                    if d.flaggedRun >= s.persistMinutes || strong {
                        d.open = true
                        d.openMinutes = 0
                        d.normalRun = 0
                        var reopen: Int? = nil
                        if let ended = d.endedMinute, let inc = d.incident, minute - ended <= Int64(s.cooldownMinutes) { reopen = inc }
                        openings.append(Opening(key: key, metric: metric, metricIndex: mi, minute: minute, observed: x,
                                                expected: r.expected, z: r.z, reopen: reopen))
                    }
                }
                st.series[mi] = d
            }
        }
    }

    /// Records which incident an opened series belongs to (so its clearing can end it).
    func attach(_ key: GroupKey, metricIndex: Int, incident: Int) {
        groups[key]?.series[metricIndex].incident = incident
    }
}

extension AnomalyDetector.GroupState {
    mutating func observeMinute(_ body: (inout AnomalyDetector.GroupState) -> Void) { body(&self) }
}
