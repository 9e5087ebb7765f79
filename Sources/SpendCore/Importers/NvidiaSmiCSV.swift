/// Reads `nvidia-smi --query-gpu=… --format=csv -l N` output line by line: a header with units
/// (`utilization.gpu [%]`), values with units (`95 %`), `[N/A]` where a reading is missing.
public struct NvidiaSmiCSV: Sendable {
    public static let formatName = "nvidia-smi"
    var columns: [String] = []
    public let node: String
    /// Seconds east of UTC of the clock nvidia-smi printed its local timestamps in.
    public let utcOffsetSeconds: Int64

    public init(node: String, utcOffsetSeconds: Int64 = 0) {
        self.node = node
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    /// nil for the header (and blank lines); samples or a rejection otherwise.
    public mutating func decode(line raw: String) -> DecodedLine? {
        // A BOM before the header (a CSV saved by a Windows tool) and CRLF line ends are not data.
        var line = Substring(raw)
        if line.first == "\u{FEFF}" { line = line.dropFirst() }
        while line.last == "\r" || line.last == "\r\n" { line = line.dropLast() }
        let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0.trimmingSpaces) }
        // Blank is blank; a row of bare commas is a bad row, counted.
        if line.allSatisfy({ $0 == " " || $0 == "\t" }) { return nil }
        if cells.contains(where: { $0.hasPrefix("index") || $0.hasPrefix("utilization.") || $0.hasPrefix("timestamp") }) {
            columns = cells.map { c in
                String(c.split(separator: " ").first ?? "").lowercased()
            }
            return nil
        }
        guard !columns.isEmpty else { return .rejected(.unknownFormat) }
        guard cells.count == columns.count else { return .rejected(.badField) }
        var ts: Int64?
        var s = GPUSample(timestampMs: 0, node: node, gpu: "0")
        for (name, raw) in zip(columns, cells) {
            let value = NvidiaSmiCSV.number(raw)
            switch name {
            case "timestamp": ts = NvidiaSmiCSV.timestamp(raw).map { $0 - utcOffsetSeconds * 1000 }
            case "index": s.gpu = raw
            case "utilization.gpu": s.utilPct = value
            case "memory.used": s.memUsedMB = value
            case "memory.total": s.memTotalMB = value
            case "power.draw", "power.draw.instant", "power.draw.average": s.powerW = value
            default: break
            }
        }
        guard let t = ts else { return .rejected(.missingTimestamp) }
        s.timestampMs = t
        return .gpu([s])
    }

    /// `95 %`, `76500 MiB`, `681.25 W`; nil for `[N/A]`, `[Not Supported]` and the like.
    static func number(_ raw: String) -> Double? {
        if raw.hasPrefix("[") { return nil }
        // `nan`/`inf` parse as Doubles and would poison the minute's average.
        return Double(raw.split(separator: " ").first ?? "").flatMap { $0.isFinite ? $0 : nil }
    }

    /// `2026/11/28 10:00:00.000` as wall-clock ms (before the UTC offset is applied).
    static func timestamp(_ raw: String) -> Int64? {
        let iso = raw.replacingFirst("/", "-").replacingFirst("/", "-").replacingFirst(" ", "T") + "Z"
        return Timestamp.parseRFC3339(iso)
    }
}

extension String {
    func replacingFirst(_ a: Character, _ b: Character) -> String {
        guard let i = firstIndex(of: a) else { return self }
        var s = self
        s.replaceSubrange(i...i, with: String(b))
        return s
    }
}
