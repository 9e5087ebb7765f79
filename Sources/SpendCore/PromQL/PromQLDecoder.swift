/// Reads the JSON of Prometheus' HTTP API (`query`, `query_range`; also what Thanos, Mimir, Cortex and
/// VictoriaMetrics send) straight from bytes: a matrix of 10k series × 1,440 points is too large for a
/// generic JSON tree. Any shape it does not expect is a `PromQLFailure`, never a crash; values the engine
/// writes as strings (`"1.5"`, `"NaN"`, `"+Inf"`) are parsed as numbers.
public enum PromQLDecoder {
    /// The answer in `body`, or the engine's own error (`errorType: error`), or what went wrong.
    /// `httpStatus` is used when the body carries no engine message.
    public static func decode(_ body: [UInt8], httpStatus: Int) throws -> PromQLAnswer {
        try body.withUnsafeBufferPointer { buf in
            var p = Parser(buf)
            do {
                return try p.answer(httpStatus: httpStatus)
            } catch let e as PromQLFailure {
                throw e
            } catch {
                throw Self.unreadable(body, httpStatus: httpStatus)
            }
        }
    }

    static func unreadable(_ body: [UInt8], httpStatus: Int) -> PromQLFailure {
        if httpStatus >= 400 {
            let snippet = TextSanitizer.clean(String(decoding: body.prefix(120), as: UTF8.self))
                .split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first.map(String.init) ?? ""
            return PromQLFailure(.http(httpStatus), "HTTP \(httpStatus)" + (snippet.isEmpty ? "" : ": " + snippet))
        }
        return PromQLFailure(.unreadable, "the answer is not Prometheus API JSON")
    }

    struct Malformed: Error {}

    struct Parser {
        let p: UnsafeBufferPointer<UInt8>
        var i = 0
        /// Nesting depth: a hostile body of a million `[` must fail, not overflow the stack.
        var depth = 0
        static let maxDepth = 64

        init(_ p: UnsafeBufferPointer<UInt8>) { self.p = p }

        mutating func answer(httpStatus: Int) throws -> PromQLAnswer {
            var status: String?, errorType: String?, error: String?
            var series: [PromQLSeries] = []
            var warnings: [String] = []
            try object { key, parser in
                switch key {
                case "status": status = try parser.string()
                case "errorType": errorType = try parser.string()
                case "error": error = try parser.string()
                case "warnings": try parser.array { parser in warnings.append(try parser.string()) }
                case "data": series = try parser.data()
                default: try parser.skip()
                }
            }
            skipSpace()
            guard i == p.count else { throw Malformed() }
            if status == "success" && httpStatus < 400 { return PromQLAnswer(series: series, warnings: warnings) }
            guard let error else { throw Malformed() }
            let type = errorType ?? "error"
            let http = httpStatus >= 400 ? " (HTTP \(httpStatus))" : ""
            throw PromQLFailure(.engine(type), TextSanitizer.clean("\(type): \(error)") + http)
        }

        mutating func data() throws -> [PromQLSeries] {
            var out: [PromQLSeries] = []
            var resultType = ""
            var scalar: PromQLSeries?
            try object { key, parser in
                switch key {
                case "resultType": resultType = try parser.string()
                case "result":
                    if parser.peek() == UInt8(ascii: "[") && resultType != "scalar" && resultType != "string" {
                        try parser.array { parser in out.append(try parser.seriesObject()) }
                    } else if parser.peek() == UInt8(ascii: "[") {
                        var s = PromQLSeries(labels: [:])
                        try parser.point(into: &s)
                        scalar = s
                    } else {
                        try parser.skip()
                    }
                default: try parser.skip()
                }
            }
            if let scalar { return [scalar] }
            return out
        }

        mutating func seriesObject() throws -> PromQLSeries {
            var s = PromQLSeries(labels: [:])
            try object { key, parser in
                switch key {
                case "metric":
                    try parser.object { name, parser in s.labels[name] = try parser.string() }
                case "values":
                    try parser.array { parser in try parser.point(into: &s) }
                case "value":
                    try parser.point(into: &s)
                default: try parser.skip()  // histograms: not read
                }
            }
            return s
        }

        /// `[1712345678.123, "1.5"]`
        mutating func point(into s: inout PromQLSeries) throws {
            try expect(UInt8(ascii: "["))
            skipSpace()
            let t = try number()
            try expect(UInt8(ascii: ","))
            skipSpace()
            let v: Double
            if peek() == UInt8(ascii: "\"") {
                v = try numericString()
            } else {
                v = try number()
            }
            try expect(UInt8(ascii: "]"))
            guard t.isFinite, abs(t) < 1e13 else { throw Malformed() }
            s.timestampsMs.append(Int64((t * 1000).rounded()))
            s.values.append(v)
        }

        // MARK: JSON primitives

        mutating func skipSpace() {
            while i < p.count, p[i] == 32 || p[i] == 9 || p[i] == 10 || p[i] == 13 { i += 1 }
        }

        func peek() -> UInt8? {
            var j = i
            while j < p.count, p[j] == 32 || p[j] == 9 || p[j] == 10 || p[j] == 13 { j += 1 }
            return j < p.count ? p[j] : nil
        }

        mutating func expect(_ c: UInt8) throws {
            skipSpace()
            guard i < p.count, p[i] == c else { throw Malformed() }
            i += 1
        }

        mutating func object(_ member: (String, inout Parser) throws -> Void) throws {
            try expect(UInt8(ascii: "{"))
            depth += 1
            defer { depth -= 1 }
            guard depth <= Parser.maxDepth else { throw Malformed() }
            skipSpace()
            if i < p.count, p[i] == UInt8(ascii: "}") { i += 1; return }
            while true {
                skipSpace()
                let key = try string()
                try expect(UInt8(ascii: ":"))
                try member(key, &self)
                skipSpace()
                guard i < p.count else { throw Malformed() }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                if p[i] == UInt8(ascii: "}") { i += 1; return }
                throw Malformed()
            }
        }

        mutating func array(_ element: (inout Parser) throws -> Void) throws {
            try expect(UInt8(ascii: "["))
            depth += 1
            defer { depth -= 1 }
            guard depth <= Parser.maxDepth else { throw Malformed() }
            skipSpace()
            if i < p.count, p[i] == UInt8(ascii: "]") { i += 1; return }
            while true {
                try element(&self)
                skipSpace()
                guard i < p.count else { throw Malformed() }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                if p[i] == UInt8(ascii: "]") { i += 1; return }
                throw Malformed()
            }
        }

        mutating func string() throws -> String {
            skipSpace()
            guard i < p.count, p[i] == UInt8(ascii: "\"") else { throw Malformed() }
            i += 1
            let start = i
            while i < p.count, p[i] != UInt8(ascii: "\""), p[i] != UInt8(ascii: "\\") { i += 1 }
            guard i < p.count else { throw Malformed() }
            if p[i] == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
                i += 1
                return s
            }
            var bytes = Array(p[start..<i])
            while i < p.count {
                let c = p[i]
                if c == UInt8(ascii: "\"") { i += 1; return String(decoding: bytes, as: UTF8.self) }
                if c != UInt8(ascii: "\\") { bytes.append(c); i += 1; continue }
                i += 1
                guard i < p.count else { throw Malformed() }
                let e = p[i]
                i += 1
                switch e {
                case UInt8(ascii: "n"): bytes.append(10)
                case UInt8(ascii: "t"): bytes.append(9)
                case UInt8(ascii: "r"): bytes.append(13)
                case UInt8(ascii: "b"): bytes.append(8)
                case UInt8(ascii: "f"): bytes.append(12)
                case UInt8(ascii: "u"):
                    guard i + 4 <= p.count, var code = hex4(i) else { throw Malformed() }
                    i += 4
                    if (0xD800..<0xDC00).contains(code), i + 6 <= p.count, p[i] == UInt8(ascii: "\\"),
                       p[i + 1] == UInt8(ascii: "u"), let low = hex4(i + 2), (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                    let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                    bytes.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: bytes.append(e)
                }
            }
            throw Malformed()
        }

        func hex4(_ at: Int) -> UInt32? {
            var v: UInt32 = 0
            for k in at..<(at + 4) {
                let c = p[k]
                let d: UInt32
                switch c {
                case 48...57: d = UInt32(c - 48)
                case 65...70: d = UInt32(c - 55)
                case 97...102: d = UInt32(c - 87)
                default: return nil
                }
                v = v << 4 | d
            }
            return v
        }

        mutating func number() throws -> Double {
            skipSpace()
            guard let base = p.baseAddress, let (v, next) = FastNumber.parse(base, i, p.count) else {
                throw Malformed()
            }
            i = next
            return v
        }

        /// A sample value: a JSON string holding a float, `NaN`, `+Inf` or `-Inf`.
        mutating func numericString() throws -> Double {
            try expect(UInt8(ascii: "\""))
            let start = i
            while i < p.count, p[i] != UInt8(ascii: "\"") { i += 1 }
            guard i < p.count else { throw Malformed() }
            let end = i
            i += 1
            let text = UnsafeBufferPointer(rebasing: p[start..<end])
            if let base = text.baseAddress, let (v, next) = FastNumber.parse(base, 0, text.count), next == text.count {
                return v
            }
            switch String(decoding: text, as: UTF8.self) {
            case "NaN": return .nan
            case "+Inf", "Inf": return .infinity
            case "-Inf": return -.infinity
            case let s:
                if let v = Double(s) { return v }
                throw Malformed()
            }
        }

        mutating func skip() throws {
            skipSpace()
            guard i < p.count else { throw Malformed() }
            switch p[i] {
            case UInt8(ascii: "{"): try object { _, parser in try parser.skip() }
            case UInt8(ascii: "["): try array { parser in try parser.skip() }
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: _ = try number()
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let n = word.utf8CodeUnitCount
            guard i + n <= p.count else { throw Malformed() }
            for k in 0..<n where p[i + k] != word.utf8Start[k] { throw Malformed() }
            i += n
        }
    }
}
