import SpendCore

/// Spend per minute as block columns with a y axis, time labels, and ▲ above anomalous minutes.
public struct SpendChart {
    /// One value per column, oldest first.
    public var values: [Double]
    public var firstMinuteMs: Int64
    /// Minutes each column stands for.
    public var minutesPerColumn: Int
    /// Columns (indices into `values`) where an alert or anomaly started.
    public var anomalies: Set<Int>
    public var title: String
    /// How much of the last column's time has passed, in (0, 1]; below 1 that column is still open:
    /// it is drawn dimmer at its pace for the whole column, never as a drop or above the chart's top.
    public var openFraction: Double?

    public init(values: [Double], firstMinuteMs: Int64, minutesPerColumn: Int, anomalies: Set<Int>, title: String,
                openFraction: Double? = nil) {
        self.openFraction = openFraction
        self.values = values
        self.firstMinuteMs = firstMinuteMs
        self.minutesPerColumn = minutesPerColumn
        self.anomalies = anomalies
        self.title = title
    }

    static let eighths: [Character] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]


    /// At most six columns: `$85.54`, `$1.2k`, `$0.004`.
    static func axisLabel(_ v: Double) -> String {
        let s = NumberFormat.usd(v)
        return s.count <= 6 ? s : String(s.prefix(6))
    }

    public func render(into c: inout Canvas, in r: Rect, theme: Theme, focused: Bool = false) {
        let inner = Box(title: title, rightTitle: anomalies.isEmpty ? "" : "▲ anomaly", focused: focused).render(into: &c, in: r, theme: theme)
        guard inner.height >= 2, inner.width > 10 else { return }
        let plotRows = inner.height - 1          // last row: the time axis
        let markerRow = inner.y
        let barRows = max(1, plotRows - (anomalies.isEmpty ? 0 : 1))
        let barTop = inner.y + plotRows - barRows
        let plotX = inner.x + 8
        let plotW = inner.maxX - plotX - 1
        guard plotW > 0 else { return }
        var shown = Array(values.suffix(plotW))
        let offset = values.count - shown.count
        var hi = max(shown.max() ?? 0, 0)
        let open = openFraction.map { $0 > 0 && $0 < 1 } ?? false
        if open, let f = openFraction, let last = shown.last {
            let closed = max(shown.dropLast().max() ?? 0, 0)
            if closed > 0 {
                hi = closed
                shown[shown.count - 1] = min(last / f, closed)
            }
        }
        // Axis labels: the top value and half of it.
        if hi > 0 {
            c.putRight(SpendChart.axisLabel(hi) + " ┤", maxX: plotX, y: barTop, style: theme[.dim], clip: inner)
            if barRows >= 3 {
                c.putRight(SpendChart.axisLabel(hi / 2) + " ┤", maxX: plotX, y: barTop + barRows / 2, style: theme[.dim], clip: inner)
            }
        }
        for (i, v) in shown.enumerated() {
            let x = plotX + i
            let anomalous = anomalies.contains(i + offset)
            var style = theme[anomalous ? .anomaly : .chart]
            if open && i == shown.count - 1 { style = style.with(.dim) }
            if hi > 0 && v > 0 {
                let total = max(1, Int((v / hi * Double(barRows * 8)).rounded()))
                for row in 0..<barRows {
                    let fromBottom = barRows - 1 - row
                    let level = min(8, max(0, total - fromBottom * 8))
                    if level > 0 { c.put(String(SpendChart.eighths[level]), x: x, y: barTop + row, style: style, clip: inner) }
                }
            }
            if anomalous { c.put("▲", x: x, y: markerRow, style: theme[.anomaly], clip: inner) }
        }
        // Time axis: └ and a label at the start, middle and end.
        let axisY = inner.maxY - 1
        c.put("└", x: plotX - 1, y: axisY, style: theme[.dim], clip: inner)
        guard !shown.isEmpty else { return }
        let first = firstMinuteMs + Int64(offset * minutesPerColumn) * 60_000
        func label(_ col: Int) -> String {
            let ms = first + Int64(col * minutesPerColumn) * 60_000
            let t = Timestamp.format(ms: ms, withSeconds: false)   // 2026-11-28T14:32Z
            return String(t.dropFirst(11).prefix(5))
        }
        c.put(label(0), x: plotX, y: axisY, style: theme[.dim], clip: inner)
        if shown.count > 24 {
            c.put(label(shown.count / 2), x: plotX + shown.count / 2 - 2, y: axisY, style: theme[.dim], clip: inner)
        }
        if shown.count > 12 { c.putRight(label(shown.count - 1), maxX: plotX + shown.count, y: axisY, style: theme[.dim], clip: inner) }
    }
}
