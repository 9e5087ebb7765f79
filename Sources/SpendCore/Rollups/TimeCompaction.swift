/// Time compaction (issue 12 point 3): minutes older than a tier's age fold into cells of the tier's span, so a
/// day of a large fleet holds a few thousand cells per key instead of one per minute it was active.
public struct CompactionTier: Sendable, Equatable {
    /// Minutes behind the newest event after which cells fold.
    public var ageMinutes: Int64
    /// Minutes per cell once folded (a divisor of the next tier's span, so tiers nest).
    public var spanMinutes: Int64

    public init(ageMinutes: Int64, spanMinutes: Int64) {
        self.ageMinutes = ageMinutes
        self.spanMinutes = spanMinutes
    }

    /// The console's: 5-minute cells past 6 h, hourly past 24 h (which its 24 h window never reaches; a longer
    /// retention does).
    public static let console = [CompactionTier(ageMinutes: 6 * 60, spanMinutes: 5),
                                 CompactionTier(ageMinutes: 24 * 60, spanMinutes: 60)]

    /// Minutes per cell at `minute` under the tiers' watermarks (every cell starting below `compactedBelow[t]` has
    /// tier `t`'s span): the coarsest tier folded past it, else 1.
    static func cellSpan(_ minute: Int64, tiers: [CompactionTier], compactedBelow: [Int64]) -> Int64 {
        var span: Int64 = 1
        for (t, below) in compactedBelow.enumerated() where minute < below { span = tiers[t].spanMinutes }
        return span
    }
}

/// Which minutes of a folded cell a question covers: `first…last` of its `span` (0-based). Quantities are split
/// evenly over the span, counts exactly (the parts of a count add up to it), so the minutes of a folded cell add up
/// to the cell and a window covering the whole cell reads it unchanged.
public struct CellShare: Sendable, Equatable {
    public let first: Int64
    public let last: Int64
    public let span: Int64

    public var isWhole: Bool { first == 0 && last == span - 1 }
    public static let wholeMinute = CellShare(first: 0, last: 0, span: 1)

    /// The part of `v` for minutes `first…last` when `v` is split into `span` whole parts; the remainder goes to
    /// the minutes from `rotation` on, so cells of one request each (a key's) spread over the span, not all on its
    /// first minute.
    @inline(__always)
    public func part(_ v: Int64, rotation: UInt64 = 0) -> Int64 {
        // Int64.min has no negation (only wrapped sums of hostile counts reach it): read as the nearest value.
        if v < 0 { return -part(v == .min ? .max : -v, rotation: rotation) }
        let rem = v % span, r = Int64(rotation % UInt64(span))
        var n = (last - first + 1) * (v / span)
        if rem > 0 { for j in first...last where (j - r + span) % span < rem { n += 1 } }
        return n
    }

    @inline(__always)
    public func part(_ v: Double) -> Double { v * Double(last - first + 1) / Double(span) }
}

extension Measures {
    /// This cell's part for the minutes `share` covers; `rotation` (the cell's key) picks where remainders go.
    public func share(_ s: CellShare, rotation r: UInt64 = 0) -> Measures {
        if s.isWhole { return self }
        var m = Measures()
        m.requests = s.part(requests, rotation: r); m.errors = s.part(errors, rotation: r)
        m.retries = s.part(retries, rotation: r); m.gatewayCacheHits = s.part(gatewayCacheHits, rotation: r)
        m.batchRequests = s.part(batchRequests, rotation: r); m.unpriced = s.part(unpriced, rotation: r)
        m.inputTokens = s.part(inputTokens, rotation: r); m.outputTokens = s.part(outputTokens, rotation: r)
        m.cacheReadTokens = s.part(cacheReadTokens, rotation: r)
        m.cacheWriteTokens = s.part(cacheWriteTokens, rotation: r)
        m.reasoningTokens = s.part(reasoningTokens, rotation: r)
        m.spend = s.part(spend)
        m.latencySumMs = s.part(latencySumMs)
        // The sums follow their count's whole-number split, so every minute's mean is the cell's mean (an even
        // split of the sums over an uneven one of the count would make a minute's typical request 20% off).
        m.shapedRequests = s.part(shapedRequests, rotation: r)
        let k = shapedRequests != 0 ? Double(m.shapedRequests) / Double(shapedRequests) : 0
        m.logTokensSum = logTokensSum * k
        m.cacheShareSum = cacheShareSum * k
        if latency.total > 0 {
            for k in 0..<LatencyHistogram.bucketCount {
                let n = latency.count(bucket: k)
                if n > 0 { m.latency.add(bucket: k, count: UInt32(clamping: s.part(Int64(n), rotation: r))) }
            }
        }
        return m
    }
}

extension Rollup {
    /// Minutes per cell at `minute`: 1, or the span of the tier it was folded into.
    @inline(__always)
    func cellSpan(_ minute: Int64) -> Int64 {
        CompactionTier.cellSpan(minute, tiers: options.compaction, compactedBelow: compactedBelow)
    }

    /// The key of the cell holding `minute`: the minute itself, or the start of the folded span holding it.
    @inline(__always)
    func cellKey(_ minute: Int64) -> Int64 {
        let span = cellSpan(minute)
        return span == 1 ? minute : Rollup.floorDiv(minute, span) * span
    }

    /// The bucket holding `minute`, with the share of it that one minute is.
    func bucket(containing minute: Int64) -> (MinuteBucket, CellShare)? {
        guard let b = buckets[cellKey(minute)] else { return nil }
        let k = minute - b.minute
        guard k >= 0, k < b.span else { return nil }
        return (b, CellShare(first: k, last: k, span: b.span))
    }

    /// Folds minutes that have aged past each tier into cells of its span. Runs when the newest minute moves: each
    /// minute's cells are merged once per tier, as they age into it.
    func compact(newestMinute: Int64) {
        for (t, tier) in options.compaction.enumerated() {
            let span = tier.spanMinutes
            let (limit, overflow) = newestMinute.subtractingReportingOverflow(tier.ageMinutes)
            guard !overflow else { continue }
            let below = Rollup.floorDiv(limit, span) * span
            guard below > compactedBelow[t] else { continue }
            var groups: [Int64: [MinuteBucket]] = [:]
            for (m, b) in buckets where m < below && b.span < span {
                groups[Rollup.floorDiv(m, span) * span, default: []].append(b)
            }
            for (key, parts) in groups {
                let folded = buckets[key].flatMap { $0.span == span ? $0 : nil } ?? MinuteBucket(
                    minute: key, groupings: plan.count, span: span)
                for b in parts.sorted(by: { $0.minute < $1.minute }) where b !== folded {
                    folded.absorb(b)
                    buckets[b.minute] = nil
                }
                folded.changed = true
                buckets[key] = folded
            }
            compactedBelow[t] = below
            lastBucket = nil
        }
    }
}
