/// A one-line trend from block characters, scaled to the series' own maximum.
public enum Sparkline {
    static let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// The last `width` values as bars; zero shows as the lowest bar only when everything is zero.
    /// With `openFraction`, the last value is a minute still in progress: it is drawn at its pace for
    /// a whole minute (value ÷ fraction), never above the closed minutes' top, so it is not read as a
    /// drop (callers draw that cell dimmer).
    public static func render(_ values: [Double], width: Int, openFraction: Double? = nil) -> String {
        guard width > 0, !values.isEmpty else { return "" }
        var v = Array(values.suffix(width))
        var hi = v.max() ?? 0
        if let f = openFraction, f > 0, f < 1 {
            // Without a closed minute to compare with, the open one is drawn as it is.
            let closed = v.dropLast().max() ?? 0
            if closed > 0 {
                hi = closed
                v[v.count - 1] = min(v[v.count - 1] / f, closed)
            }
        }
        return String(v.map { x -> Character in
            guard hi > 0, x > 0 else { return x > 0 ? "▁" : " " }
            return bars[min(7, Int((x / hi * 7).rounded()))]
        })
    }
}
