import Foundation
import XCTest
@testable import SpendCore
@testable import SpendIO
import TestSupport

/// Issue 12 point 4: parallel export equals sequential export. Files of hard traffic are read once by one
/// rollup and one pipeline per file (what the sequential read does) and once in parts on several threads;
/// every view's rows, the counters and the per-file line counts must agree.
final class ParallelFileReadTests: XCTestCase {
    var paths: [String] = []

    override func tearDown() {
        for p in paths { try? FileManager.default.removeItem(atPath: p) }
        paths = []
    }

    func file(_ data: Data) throws -> String {
        let path = NSTemporaryDirectory() + "spendtop-parallel-\(UUID().uuidString).jsonl"
        try data.write(to: URL(fileURLWithPath: path))
        paths.append(path)
        return path
    }

    func options(cardinality: Int = 20_000) -> Rollup.Options {
        var o = Rollup.Options()
        o.retentionMinutes = nil
        o.cardinality = cardinality
        return o
    }

    func sequential(_ files: [String], _ o: Rollup.Options) throws -> (Rollup, [SourceStats]) {
        let r = Rollup(options: o)
        var stats: [SourceStats] = []
        for f in files {
            let p = EventPipeline(rollup: r, maxLineBytes: 4096)
            let data = try Data(contentsOf: URL(fileURLWithPath: f))
            data.withUnsafeBytes { b in
                var i = 0
                while i < b.count {  // in uneven slices, as a tailer reads
                    let n = min(b.count - i, 7_919)
                    p.feed(UnsafeRawBufferPointer(rebasing: b[i..<(i + n)]))
                    i += n
                }
            }
            p.finish()
            stats.append(p.stats)
        }
        return (r, stats)
    }

    func assertSame(_ a: Rollup, _ b: Rollup, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(a.counters, b.counters, file: file, line: line)
        for d in [nil] + Dimension.requestDimensions.map(Optional.some) {
            let q = ViewQuery(groupBy: d, window: .all)
            guard let x = try? a.rows(q, wallMs: 4_102_444_800_000) else {  // a grouping the console does not keep
                XCTAssertThrowsError(try b.rows(q, wallMs: 4_102_444_800_000), file: file, line: line)
                continue
            }
            let y = try b.rows(q, wallMs: 4_102_444_800_000)
            // Rows of equal spend and equal (masked) name may come in either order: compared by identity.
            let xs = x.rows.sorted { $0.id.rawValue < $1.id.rawValue }, ys = y.rows.sorted { $0.id.rawValue < $1.id.rawValue }
            XCTAssertEqual(xs.map(\.id), ys.map(\.id), "\(String(describing: d))", file: file, line: line)
            XCTAssertEqual(xs.map(\.name), ys.map(\.name), file: file, line: line)
            for (r, s) in zip(xs, ys) {
                XCTAssertEqual(r.measures.requests, s.measures.requests, r.name, file: file, line: line)
                XCTAssertEqual(r.measures.inputTokens, s.measures.inputTokens, r.name, file: file, line: line)
                XCTAssertEqual(r.measures.errors, s.measures.errors, r.name, file: file, line: line)
                XCTAssertEqual(r.measures.unpriced, s.measures.unpriced, r.name, file: file, line: line)
                XCTAssertEqual(r.measures.latency.total, s.measures.latency.total, r.name, file: file, line: line)
                XCTAssertEqual(r.measures.spend, s.measures.spend, accuracy: 1e-9 * max(1, r.measures.spend), r.name,
                               file: file, line: line)
            }
            XCTAssertEqual(x.startMs, y.startMs, file: file, line: line)
            XCTAssertEqual(x.endMs, y.endMs, file: file, line: line)
        }
        XCTAssertEqual(a.gpuSum(fromMinute: 29_900_000, toMinute: 30_000_000).count,
                       b.gpuSum(fromMinute: 29_900_000, toMinute: 30_000_000).count, file: file, line: line)
    }

    func testPartsMergeToTheSequentialReadingOfHardTraffic() throws {
        let a = try file(HardTraffic(seed: 12).bytes(count: 6_000))
        let b = try file(HardTraffic(seed: 13).bytes(count: 3_000, trailingNewline: false))
        for threads in [2, 3, 5] {
            let seq = try sequential([a, b], options())
            let par = try XCTUnwrap(ParallelFileRead.read(paths: [a, b], options: options(), prices: .bundled, mappings: [],
                                                           maxLineBytes: [4096, 4096], threads: threads, minPartBytes: 50_000))
            XCTAssertEqual(par.parts, threads, "one part per thread over the two files")
            XCTAssertGreaterThan(par.rereadParts, 0, "retries straddle the cuts, so parts are read again knowing them")
            try assertSame(seq.0, par.rollup)
            XCTAssertGreaterThan(seq.0.duplicates, 50)
            for (s, p) in zip(seq.1, par.stats) {
                XCTAssertEqual(s.lines, p.lines)
                XCTAssertEqual(s.bytes, p.bytes)
                XCTAssertEqual(s.events, p.events)
                XCTAssertEqual(s.duplicates, p.duplicates)
                XCTAssertEqual(s.gpuSamples, p.gpuSamples)
                XCTAssertEqual(s.rejects, p.rejects)
                XCTAssertEqual(s.formats, p.formats)
                XCTAssertEqual(s.firstMs, p.firstMs)
                XCTAssertEqual(s.lastMs, p.lastMs)
            }
            XCTAssertGreaterThan(seq.1[0].rejected, 20, "the traffic holds lines to reject")
        }
    }

    /// A thread that finished its part cuts what another has left and reads the back half. Here the second half
    /// of the bytes takes the general decoder (escaped strings), so its part is far slower than the first: however
    /// the cuts fall, the pieces cover the files once, in order, and merge to the sequential reading, with retries
    /// of requests across the cuts.
    func testPartsCutForIdleThreadsStillMergeToTheSequentialReading() throws {
        func line(_ i: Int, escaped: Bool) -> String {
            let feature = escaped ? #"caf\u00e9-\#(i % 4)"# : "plain-\(i % 4)"
            return #"{"ts":\#(1_795_910_400 + i),"request_id":"r\#(i % 9_000)","feature":"\#(feature)","#
                + #""model":"gpt-4o-mini","input_tokens":\#(100 + i % 50),"output_tokens":20}"#
        }
        let fast = (0..<12_000).map { line($0, escaped: false) }
        let slow = (12_000..<24_000).map { line($0, escaped: true) }
        let a = try file(Data((fast.joined(separator: "\n") + "\n").utf8))
        let b = try file(Data((slow.joined(separator: "\n") + "\n").utf8))
        let seq = try sequential([a, b], options())
        XCTAssertGreaterThan(seq.0.duplicates, 10_000, "ids repeat across the whole input")
        var cut = 0
        for _ in 0..<5 where cut == 0 {
            let par = try XCTUnwrap(ParallelFileRead.read(paths: [a, b], options: options(), prices: .bundled,
                                                           mappings: [], maxLineBytes: [4096, 4096], threads: 2,
                                                           minPartBytes: 20_000))
            XCTAssertEqual(par.parts, 2)
            cut = par.cutParts
            try assertSame(seq.0, par.rollup)
            XCTAssertEqual(seq.1.map(\.lines), par.stats.map(\.lines))
            XCTAssertEqual(seq.1.map(\.bytes), par.stats.map(\.bytes))
            XCTAssertEqual(seq.1.map(\.events), par.stats.map(\.events))
            XCTAssertEqual(seq.1.map(\.duplicates), par.stats.map(\.duplicates))
        }
        XCTAssertGreaterThan(cut, 0, "the thread done with the fast half cut the slow half, in five tries")
    }

    /// The cursor itself: a cut lands on a line boundary past the middle of what is left, across files, and the
    /// owner's claims stop at it.
    func testACutFallsOnALineBoundaryAndTheOwnerStopsThere() throws {
        let line = Data(#"{"ts":1795910400,"feature":"f","cost_usd":0.5}"#.utf8) + Data([10])
        let l = line.count
        var first = Data(), second = Data()
        for _ in 0..<1_000 { first.append(line) }
        for _ in 0..<500 { second.append(line) }
        let fa = open(try file(first), O_RDONLY), fb = open(try file(second), O_RDONLY)
        defer { close(fa); close(fb) }
        typealias S = ParallelFileRead.Segment
        let cursor = PartCursor([S(file: 0, start: 0, end: 1_000 * l), S(file: 1, start: 0, end: 500 * l)])
        XCTAssertEqual(cursor.claim(0, 100 * l)?.offset, 0)
        XCTAssertEqual(cursor.remaining, 1_400 * l)
        XCTAssertNil(cursor.cutBackHalf(minimum: 701 * l, files: [fa, fb]), "too little left for two halves")
        let back = try XCTUnwrap(cursor.cutBackHalf(minimum: 1_000, files: [fa, fb]))
        // Half of what is left past line 100 is the start of line 800 of the first file; the cut is after that line.
        XCTAssertEqual(back, [S(file: 0, start: 801 * l, end: 1_000 * l), S(file: 1, start: 0, end: 500 * l)])
        XCTAssertEqual(cursor.extent, [S(file: 0, start: 0, end: 801 * l)])
        var read = 100 * l
        while let (o, n) = cursor.claim(0, 10_000) {
            XCTAssertEqual(o, read)
            read += n
        }
        XCTAssertEqual(read, 801 * l)
        XCTAssertNil(cursor.claim(1, 10_000), "the second file went with the back half")
        // A cut in the second file of what is left.
        let rest = PartCursor(back)
        XCTAssertEqual(rest.claim(0, 199 * l)?.count, 199 * l)
        let tail = try XCTUnwrap(rest.cutBackHalf(minimum: 1_000, files: [fa, fb]))
        XCTAssertEqual(tail, [S(file: 1, start: 251 * l, end: 500 * l)])
        XCTAssertEqual(rest.extent, [S(file: 0, start: 801 * l, end: 1_000 * l), S(file: 1, start: 0, end: 251 * l)])
    }

    func testUniqueRequestsNeedNoSecondRead() throws {
        var t = HardTraffic(seed: 21)
        t.repeatRate = 0
        let a = try file(t.bytes(count: 6_000))
        let par = try XCTUnwrap(ParallelFileRead.read(paths: [a], options: options(), prices: .bundled, mappings: [],
                                                       maxLineBytes: [4096], threads: 2, minPartBytes: 50_000))
        XCTAssertEqual(par.parts, 2)
        XCTAssertEqual(par.rereadParts, 0)
        try assertSame(try sequential([a], options()).0, par.rollup)
        // An empty file beside it is read too (and named in the stats), as nothing.
        let empty = try file(Data())
        let both = try XCTUnwrap(ParallelFileRead.read(paths: [a, empty], options: options(), prices: .bundled,
                                                        mappings: [], maxLineBytes: [4096, 4096], threads: 2,
                                                        minPartBytes: 50_000))
        XCTAssertEqual(both.parts, 2)
        XCTAssertEqual(both.stats.map(\.lines), [par.stats[0].lines, 0])
        try assertSame(try sequential([a, empty], options()).0, both.rollup)
    }

    /// Retries right after the cut repeat requests of the part before: only the first sixteenth of the later
    /// part is read again. A replay far into the later part makes it be read again whole. Both are exact.
    func testRetriesNearTheCutRereadOnlyTheFirstStretch() throws {
        func line(_ i: Int, id: Int) -> String {
            let ts = 1_795_910_400 + i
            return #"{"ts":\#(ts),"request_id":"q\#(String(format: "%06d", id))","feature":"f\#(i % 5)","cost_usd":0.25}"#
        }
        var near = (0..<20_000).map { line($0, id: $0) }
        for k in 0..<40 { near[10_010 + k] = line(10_010 + k, id: 9_960 + k) }  // retries of the 40 requests before
        let a = try file(Data((near.joined(separator: "\n") + "\n").utf8))
        let headOnly = try XCTUnwrap(ParallelFileRead.read(paths: [a], options: options(), prices: .bundled, mappings: [],
                                                            maxLineBytes: [4096], threads: 2, minPartBytes: 100_000))
        XCTAssertEqual(headOnly.rereadParts, 1)
        XCTAssertEqual(headOnly.rereadWholeParts, 0)
        let seq = try sequential([a], options())
        XCTAssertEqual(seq.0.duplicates, 40)
        try assertSame(seq.0, headOnly.rollup)
        XCTAssertEqual(headOnly.stats[0].duplicates, 40)
        XCTAssertEqual(headOnly.stats[0].events, seq.1[0].events)

        var far = near
        far[19_000] = line(19_000, id: 100)  // a replay of a request from the first part, near the end
        let b = try file(Data((far.joined(separator: "\n") + "\n").utf8))
        let whole = try XCTUnwrap(ParallelFileRead.read(paths: [b], options: options(), prices: .bundled, mappings: [],
                                                         maxLineBytes: [4096], threads: 2, minPartBytes: 100_000))
        XCTAssertEqual(whole.rereadWholeParts, 1)
        try assertSame(try sequential([b], options()).0, whole.rollup)
    }

    func testTheSameFileTwiceCountsEachRequestOnce() throws {
        let a = try file(HardTraffic(seed: 31).bytes(count: 3_000))
        let seq = try sequential([a, a], options())
        let par = try XCTUnwrap(ParallelFileRead.read(paths: [a, a], options: options(), prices: .bundled, mappings: [],
                                                       maxLineBytes: [4096, 4096], threads: 2, minPartBytes: 100_000))
        try assertSame(seq.0, par.rollup)
        XCTAssertEqual(par.stats[1].events, seq.1[1].events, "only records without a request_id count again")
        XCTAssertEqual(par.stats[1].duplicates, seq.1[1].duplicates)
        XCTAssertGreaterThan(par.stats[1].duplicates, 2_000)
    }

    /// Found in review: a part per file made 400 small files 400 parts, each checked against every earlier
    /// one. Files are laid end to end and cut into one part per thread; a line longer than a part (here one
    /// of 300 KB, over the cap, so rejected) cannot make a cut go backwards.
    func testManySmallFilesMakeOnePartPerThreadAndAHugeLineDoesNotBreakTheCuts() throws {
        var small: [String] = []
        for i in 0..<120 { small.append(try file(HardTraffic(seed: 500 + UInt64(i)).bytes(count: 60))) }
        let seq = try sequential(small, options())
        let par = try XCTUnwrap(ParallelFileRead.read(paths: small, options: options(), prices: .bundled, mappings: [],
                                                       maxLineBytes: Array(repeating: 4096, count: small.count),
                                                       threads: 2, minPartBytes: 20_000))
        XCTAssertEqual(par.parts, 2)
        try assertSame(seq.0, par.rollup)
        XCTAssertEqual(seq.1.map(\.lines), par.stats.map(\.lines))
        XCTAssertEqual(seq.1.map(\.events), par.stats.map(\.events))

        var bytes = HardTraffic(seed: 77).bytes(count: 400)
        bytes.append(Data(("{\"ts\":1795910400,\"feature\":\"" + String(repeating: "x", count: 300_000) + "\"}\n").utf8))
        bytes.append(HardTraffic(seed: 78).bytes(count: 400))
        let huge = try file(bytes)
        let seqHuge = try sequential([huge], options())
        let parHuge = try XCTUnwrap(ParallelFileRead.read(paths: [huge], options: options(), prices: .bundled, mappings: [],
                                                           maxLineBytes: [4096], threads: 8, minPartBytes: 10_000))
        XCTAssertLessThan(parHuge.parts, 8, "cuts inside the long line fall on the same boundary")
        try assertSame(seqHuge.0, parHuge.rollup)
        XCTAssertEqual(seqHuge.1[0].rejects, parHuge.stats[0].rejects)
        XCTAssertEqual(parHuge.stats[0].rejects[.lineTooLong], 1)
    }

    func testInputThatWouldNotMergeExactlyIsLeftToTheSequentialRead() throws {
        let a = try file(HardTraffic(seed: 41).bytes(count: 3_000))
        // Six features and a cap of four: which ones fold depends on the whole input's order.
        XCTAssertNil(ParallelFileRead.read(paths: [a], options: options(cardinality: 4), prices: .bundled, mappings: [],
                                           maxLineBytes: [4096], threads: 2, minPartBytes: 50_000))
        // Found in review: the parts' distinct values were added, not united, so six features seen by both
        // parts looked like twelve against a cap of eight.
        let six = (0..<4_000).map { #"{"ts":\#(1_795_910_400 + $0),"request_id":"u\#($0)","feature":"f\#($0 % 6)","cost_usd":1}"# }
        let shared = try file(Data((six.joined(separator: "\n") + "\n").utf8))
        let united = try XCTUnwrap(ParallelFileRead.read(paths: [shared], options: options(cardinality: 8), prices: .bundled,
                                                          mappings: [], maxLineBytes: [4096], threads: 2,
                                                          minPartBytes: 50_000))
        try assertSame(try sequential([shared], options(cardinality: 8)).0, united.rollup)
        // A Codex session's lines depend on the ones before them.
        var lines = String(decoding: HardTraffic(seed: 42).bytes(count: 2_000), as: UTF8.self)
        lines += #"{"timestamp":"2026-11-28T10:00:00Z","type":"session_meta","payload":{"id":"s1","cwd":"/x"}}"# + "\n"
        lines += #"{"timestamp":"2026-11-28T10:00:01Z","type":"turn_context","payload":{"model":"gpt-5-codex"}}"# + "\n"
        lines += #"{"timestamp":"2026-11-28T10:00:02Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":10,"output_tokens":2},"last_token_usage":{"input_tokens":10,"output_tokens":2}}}}"# + "\n"
        let b = try file(Data(lines.utf8))
        XCTAssertNil(ParallelFileRead.read(paths: [b], options: options(), prices: .bundled, mappings: [],
                                           maxLineBytes: [4096], threads: 2, minPartBytes: 50_000))
        // Retention (the console's 24 h) is not merged either.
        var o = options()
        o.retentionMinutes = 24 * 60
        XCTAssertNil(ParallelFileRead.read(paths: [a], options: o, prices: .bundled, mappings: [], maxLineBytes: [4096], threads: 2))
    }

    /// Files too small for two parts, or one thread, are read as one part straight from the read buffer: it
    /// must equal the sequential read, the cardinality cap and the Codex session's context included.
    func testOnePartEqualsTheSequentialRead() throws {
        let a = try file(HardTraffic(seed: 43).bytes(count: 3_000))
        var lines = String(decoding: HardTraffic(seed: 44).bytes(count: 500), as: UTF8.self)
        lines += #"{"timestamp":"2026-11-28T10:00:00Z","type":"session_meta","payload":{"id":"s1","cwd":"/x"}}"# + "\n"
        lines += #"{"timestamp":"2026-11-28T10:00:01Z","type":"turn_context","payload":{"model":"gpt-5-codex"}}"# + "\n"
        lines += #"{"timestamp":"2026-11-28T10:00:02Z","type":"event_msg","payload":{"type":"token_count","info":{"#
            + #""total_token_usage":{"input_tokens":10,"output_tokens":2},"#
            + #""last_token_usage":{"input_tokens":10,"output_tokens":2}}}}"#
        let b = try file(Data(lines.utf8))
        let empty = try file(Data())
        for (threads, minPart) in [(2, 100 << 20), (1, 4 << 20), (1, 1)] {
            for cap in [nil, 4] as [Int?] {
                let o = cap.map { options(cardinality: $0) } ?? options()
                let seq = try sequential([a, empty, b], o)
                let one = try XCTUnwrap(ParallelFileRead.read(paths: [a, empty, b], options: o, prices: .bundled,
                                                               mappings: [], maxLineBytes: [4096, 4096, 4096],
                                                               threads: threads, minPartBytes: minPart))
                XCTAssertEqual(one.parts, 1)
                try assertSame(seq.0, one.rollup)
                XCTAssertEqual(seq.0.duplicates, one.rollup.duplicates)
                XCTAssertGreaterThan(seq.0.duplicates, 10, "the traffic repeats requests")
                for (s, p) in zip(seq.1, one.stats) {
                    XCTAssertEqual(s.lines, p.lines)
                    XCTAssertEqual(s.events, p.events)
                    XCTAssertEqual(s.rejects, p.rejects)
                    XCTAssertEqual(s.formats, p.formats)
                }
                XCTAssertEqual(one.stats[2].formats[CodexSessionImporter.formatName], 3, "the session read in order")
            }
        }
        XCTAssertNil(ParallelFileRead.read(paths: [empty], options: options(), prices: .bundled, mappings: [],
                                           maxLineBytes: [4096], threads: 1), "only empty files: the sequential read")
    }
}
