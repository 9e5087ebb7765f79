// libFuzzer entry point for spendtop's parsers (issue 13 point 9). Built by `make fuzz` with
// `-sanitize=fuzzer,address -DSPENDTOP_FUZZ`: SwiftPM names an executable's entry point itself, so
// this top-level code hands over to libFuzzer's driver. A plain build makes a binary that says so.
// The target is chosen by SPENDTOP_FUZZ_TARGET: native, importers, sse, prometheus, toml, rules, checkpoint.
import Foundation
import SpendCore
import SpendIO

#if SPENDTOP_FUZZ
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

var fuzzArgc = CommandLine.argc
var fuzzArgv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&fuzzArgc, &fuzzArgv) { data, size in
    spendtopFuzzOne(data ?? UnsafePointer(bitPattern: 1)!, data == nil ? 0 : size)
})
#else
FileHandle.standardError.write(Data("spendtop-fuzz: build it with `make fuzz` (libFuzzer and ASan)\n".utf8))
exit(2)
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func spendtopFuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    switch FuzzTargets.current {
    case "native": FuzzTargets.native(bytes)
    case "importers": FuzzTargets.importers(bytes)
    case "sse": FuzzTargets.sse(bytes)
    case "prometheus": FuzzTargets.prometheus(bytes)
    case "toml": FuzzTargets.toml(bytes)
    case "rules": FuzzTargets.rules(bytes)
    case "checkpoint": FuzzTargets.checkpoint(bytes)
    default: fatalError("unknown SPENDTOP_FUZZ_TARGET \(FuzzTargets.current)")
    }
    return 0
}

/// One function per parser; each also checks a property, so a wrong answer is a finding, not only a crash.
enum FuzzTargets {
    static let current = ProcessInfo.processInfo.environment["SPENDTOP_FUZZ_TARGET"] ?? "native"
    nonisolated(unsafe) static var rollup = fresh()
    /// The pipeline's two ways of finding lines, each into its rollup: both see every input, so they stay alike.
    nonisolated(unsafe) static var pipelineRollups = [fresh(), fresh()]
    /// Carried across inputs, so the key predictor and the day memory meet lines learnt from other inputs.
    nonisolated(unsafe) static let memory = LineMemory()

    static func fresh() -> Rollup {
        var o = Rollup.Options()
        o.retentionMinutes = nil
        o.internAllDimensions = true
        o.cardinality = 2000
        return Rollup(options: o)
    }

    /// Every field alike, doubles by bit pattern (two NaNs are the same reading).
    static func sameReading(_ a: InternedEvent, _ b: InternedEvent) -> Bool {
        a.timestampMs == b.timestampMs && a.requestHash == b.requestHash && a.feature == b.feature
            && a.apiKey == b.apiKey && a.model == b.model && a.team == b.team && a.provider == b.provider
            && a.user == b.user && a.gateway == b.gateway && a.inputTokens == b.inputTokens
            && a.outputTokens == b.outputTokens && a.cacheReadTokens == b.cacheReadTokens
            && a.cacheWriteTokens == b.cacheWriteTokens && a.reasoningTokens == b.reasoningTokens
            && a.cost.bitPattern == b.cost.bitPattern && a.latencyMs.bitPattern == b.latencyMs.bitPattern
            && a.ttftMs.bitPattern == b.ttftMs.bitPattern && a.retry == b.retry && a.isError == b.isError
            && a.gatewayCacheHit == b.gatewayCacheHit && a.batch == b.batch && a.batchEligible == b.batchEligible
    }

    static func lines(_ b: UnsafeRawBufferPointer) -> [UnsafeRawBufferPointer] {
        var out: [UnsafeRawBufferPointer] = []
        var start = 0
        for i in 0..<b.count where b[i] == 10 {
            out.append(UnsafeRawBufferPointer(rebasing: b[start..<i]))
            start = i + 1
        }
        out.append(UnsafeRawBufferPointer(rebasing: b[start...]))
        return out
    }

    /// The fast scanner and the general importer must read a line the fast path accepts alike;
    /// the pipeline (split at an input-chosen point) must count every line once.
    static func native(_ b: UnsafeRawBufferPointer) {
        if rollup.eventsCounted > 50_000 { rollup = fresh() }
        for line in lines(b) {
            guard let p = line.baseAddress?.assumingMemoryBound(to: UInt8.self) else { continue }
            var e = InternedEvent()
            let outcome = NativeLineScanner.scan(p, line.count, into: &e, rollup: rollup, memory: memory)
            var fresh = InternedEvent()
            if NativeLineScanner.scan(p, line.count, into: &fresh, rollup: rollup) != outcome
                || (outcome == .event && !sameReading(e, fresh)) {
                fatalError("the learnt key order changed a line's reading")
            }
            // Finding its own end in the input ahead, the scanner takes only a line `scan` reads, and alike.
            let ahead = b.count - (UnsafeRawPointer(p) - b.baseAddress!)
            var whole = InternedEvent()
            if let end = NativeLineScanner.scanLine(p, ahead, into: &whole, rollup: rollup, memory: memory),
               end != line.count || outcome != .event || !sameReading(whole, e) {
                fatalError("a line read to its own end differs from the line read")
            }
            guard outcome == .event else { continue }
            guard case .events(let events) = ImporterRegistry.decode(line: line), events.count == 1 else {
                fatalError("the fast path accepted a line the general path rejects")
            }
            let g = events[0]
            if g.timestampMs != e.timestampMs || g.isError != e.isError || g.gatewayCacheHit != e.gatewayCacheHit
                || g.batch != e.batch || g.usage.input != e.inputTokens || g.usage.output != e.outputTokens
                || Int32(clamping: g.retry) != e.retry {
                fatalError("fast and general paths disagree")
            }
        }
        let cut = b.isEmpty ? 0 : Int(b[0]) % (b.count + 1)
        var readings: [SourceStats] = []
        if pipelineRollups[0].eventsCounted > 50_000 { pipelineRollups = [fresh(), fresh()] }
        for (k, delimits) in [true, false].enumerated() {
            let pipeline = EventPipeline(rollup: pipelineRollups[k], maxLineBytes: 4096)
            pipeline.delimitsLines = delimits
            pipeline.feed(UnsafeRawBufferPointer(rebasing: b[..<cut]))
            pipeline.feed(UnsafeRawBufferPointer(rebasing: b[cut...]))
            pipeline.finish()
            let s = pipeline.stats
            if s.events + s.gpuSamples + s.duplicates + s.expired + s.rejected > s.lines + Int64(b.count) {
                fatalError("more outcomes than lines")
            }
            readings.append(s)
        }
        let (x, y) = (readings[0], readings[1])
        if x.lines != y.lines || x.events != y.events || x.duplicates != y.duplicates || x.rejects != y.rejects
            || x.gpuSamples != y.gpuSamples || x.formats != y.formats {
            fatalError("lines read to their own ends counted otherwise than lines split first")
        }
    }

    static func importers(_ b: UnsafeRawBufferPointer) {
        for line in lines(b) {
            switch ImporterRegistry.decode(line: line) {
            case .events(let events):
                for e in events where e.costUSD.map({ !$0.isFinite }) ?? false { fatalError("non-finite cost") }
            case .gpu(let samples):
                for s in samples where s.utilPct.map({ !$0.isFinite }) ?? false { fatalError("non-finite util") }
            case .rejected, .skipped: break
            }
        }
    }

    /// Fed in input-chosen chunks: no event longer than the cap is dispatched.
    static func sse(_ b: UnsafeRawBufferPointer) {
        var parser = ServerSentEventParser(maxEventBytes: 512)
        var i = 0
        var step = b.isEmpty ? 1 : Int(b[0]) % 17 + 1
        while i < b.count {
            let j = min(b.count, i + step)
            parser.feed(UnsafeRawBufferPointer(rebasing: b[i..<j])) { event in
                if event.data.count > 512 { fatalError("an event over the cap was dispatched") }
            }
            i = j
            step = step * 5 % 23 + 1
            if i < b.count && b[i] == 0x7F { parser.reconnected() }
        }
    }

    static func prometheus(_ b: UnsafeRawBufferPointer) {
        var scrape = PrometheusScrape()
        let text = String(decoding: b, as: UTF8.self)
        for t in [0, 15_000] as [Int64] {
            for s in scrape.samples(from: text, atMs: 1_795_000_000_000 + t, defaultNode: "fuzz") {
                for v in [s.utilPct, s.memUsedMB, s.powerW, s.queueDepth, s.kvCachePct, s.prefixCacheHitRate] {
                    if let v, !v.isFinite { fatalError("non-finite GPU reading") }
                }
            }
        }
    }

    /// The loader and everything that reads a config from it.
    static func toml(_ b: UnsafeRawBufferPointer) {
        guard let config = try? ConfigLoader.parse(String(decoding: b, as: UTF8.self), name: "fuzz") else { return }
        _ = try? SourceConfig.settings(for: .http("http://127.0.0.1/x"), config: config, insecure: false,
                                       environment: ["T": "v"])
        _ = try? SourceConfig.retentionDays(config)
        _ = try? AlertRuleSet.load(config: config, commandLine: [])
        _ = try? FieldMapping.all(from: config)
    }

    static func rules(_ b: UnsafeRawBufferPointer) {
        for line in lines(b) {
            let text = String(decoding: line, as: UTF8.self)
            var set = AlertRuleSet()
            try? set.add(parsing: text)
            for r in set.rules where r.windowMinutes > AlertRuleSet.maxWindowMinutes {
                fatalError("window over the cap")
            }
            if case .success(let ms) = DurationText.milliseconds(text, bareUnit: .seconds),
               ms < 0 || ms > DurationText.maxMs {
                fatalError("duration out of range")
            }
            _ = TimeWindow(parsing: text)
            _ = try? AlertScope(parsing: text)
        }
    }

    /// A rollup checkpoint as the store hands it back: blobs separated by `\n~\n`, the first the state, the rest
    /// minutes, each sealed here so the fuzzer explores what lies behind a seal that matches. Whatever they hold,
    /// the restore takes all or nothing; a restored rollup answers every view, reads on, and its own checkpoint
    /// restores again.
    static func checkpoint(_ b: UnsafeRawBufferPointer) {
        var blobs: [[UInt8]] = [], start = 0, i = 0
        while i + 3 <= b.count {
            if b[i] == 10 && b[i + 1] == 126 && b[i + 2] == 10 {
                blobs.append(Array(b[start..<i]))
                start = i + 3
                i += 3
            } else {
                i += 1
            }
        }
        blobs.append(Array(b[start...]))
        let sealed = blobs.map { blob -> [UInt8] in
            var w = BinaryWriter(capacity: blob.count + 8)
            w.raw(blob)
            return w.sealed()
        }
        let minutes = sealed.dropFirst().map { blob in
            RollupCheckpoint.Minute(minute: (try? BinaryReader.unsealing(blob) { try $0.signed() }) ?? 0, sweeps: 0,
                                    bytes: blob)
        }
        // Without and with time compaction (a seed of each kind is in the corpus).
        let folds = [CompactionTier(ageMinutes: 3, spanMinutes: 5), CompactionTier(ageMinutes: 8, spanMinutes: 10)]
        for compaction in [[], folds] { checkpoint(restoring: sealed[0], Array(minutes), compaction: compaction) }
    }

    static func checkpoint(restoring state: [UInt8], _ minutes: [RollupCheckpoint.Minute],
                           compaction: [CompactionTier]) {
        func console() -> Rollup {
            var o = Rollup.Options()
            o.internAllDimensions = true
            o.cardinality = 2000
            o.compaction = compaction
            return Rollup(options: o)
        }
        let r = console()
        guard (try? RollupCheckpoint.restore(r, state: state, minutes: minutes)) != nil else {
            if r.eventsCounted != 0 || !r.buckets.isEmpty { fatalError("a refused checkpoint changed the rollup") }
            return
        }
        let wall: Int64 = 4_102_444_800_000
        for d in [nil] + Dimension.requestDimensions.map(Optional.some) {
            _ = try? r.rows(ViewQuery(groupBy: d, window: .all), wallMs: wall)
        }
        _ = try? r.series(ViewQuery(groupBy: nil, window: .minutes(60)), wallMs: wall)
        _ = r.counters
        if let newest = r.extent.newestMs {
            for k in 0..<3 {
                var e = SpendEvent(timestampMs: newest - Int64(k) * 90_000, requestID: "fuzz-\(k % 2)", feature: "f",
                                   apiKey: "sk-fuzz", model: "gpt-4o")
                e.supersedeRank = UInt64(k)
                r.ingest(e)
            }
            _ = try? r.total([], fromMinute: newest / 60_000 - 30, toMinute: newest / 60_000)
        }
        let again = console()
        RollupCheckpoint.markChanged(r, minutes: Array(r.buckets.keys))
        do {
            try RollupCheckpoint.restore(again, state: RollupCheckpoint.state(r),
                                         minutes: RollupCheckpoint.takeChangedMinutes(r))
        } catch {
            fatalError("a restored rollup's own checkpoint is refused: \(error)")
        }
    }
}
