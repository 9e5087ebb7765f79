/// A one-line trend from block characters, scaled to the series' own maximum.
public enum Sparkline {
    static let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// The last `width` values as bars; zero shows as the lowest bar only when everything is zero.
    public static func render(_ values: [Double], width: Int) -> String {
        guard width > 0, !values.isEmpty else { return "" }
        let v = Array(values.suffix(width))
        let hi = v.max() ?? 0
        return String(v.map { x -> Character in
            guard hi > 0, x > 0 else { return x > 0 ? "▁" : " " }
            return bars[min(7, Int((x / hi * 7).rounded()))]
        })
    }
}
