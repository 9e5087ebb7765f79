/// Large block-digit text for the wallboard: each glyph 3 columns wide and 5 rows high.
public enum BigDigits {
    public static let height = 5
    static let glyphs: [Character: [String]] = [
        "0": ["███", "█ █", "█ █", "█ █", "███"], "1": [" █ ", "██ ", " █ ", " █ ", "███"],
        "2": ["███", "  █", "███", "█  ", "███"], "3": ["███", "  █", "███", "  █", "███"],
        "4": ["█ █", "█ █", "███", "  █", "  █"], "5": ["███", "█  ", "███", "  █", "███"],
        "6": ["███", "█  ", "███", "█ █", "███"], "7": ["███", "  █", "  █", "  █", "  █"],
        "8": ["███", "█ █", "███", "█ █", "███"], "9": ["███", "█ █", "███", "  █", "███"],
        "$": ["▄█▄", "█▄ ", " █ ", " ▄█", "▀█▀"], ".": ["   ", "   ", "   ", "   ", " █ "],
        "%": ["█ █", "  █", " █ ", "█  ", "█ █"], "k": ["█  ", "█ █", "██ ", "█ █", "█ █"],
        "M": ["█ █", "███", "█ █", "█ █", "█ █"], "/": ["  █", "  █", " █ ", "█  ", "█  "],
        "h": ["█  ", "█  ", "███", "█ █", "█ █"], "s": ["   ", "███", "█▄▄", "▄▄█", "███"],
        "-": ["   ", "   ", "███", "   ", "   "], " ": ["   ", "   ", "   ", "   ", "   "],
        ",": ["   ", "   ", "   ", " █ ", "█  "], "—": ["   ", "   ", "███", "   ", "   "],
        "G": ["███", "█  ", "█ █", "█ █", "███"],
    ]

    /// Columns `text` takes in big digits (glyph plus one space between glyphs).
    public static func width(_ text: String) -> Int { max(0, text.count * 4 - 1) }

    /// The five rows of `text`; characters without a glyph become blanks.
    public static func rows(_ text: String) -> [String] {
        (0..<height).map { row in text.map { glyphs[$0]?[row] ?? "   " }.joined(separator: " ") }
    }

    public static func render(_ text: String, into c: inout Canvas, x: Int, y: Int, style: Style, clip: Rect) {
        for (i, line) in rows(text).enumerated() { c.put(line, x: x, y: y + i, style: style, clip: clip) }
    }
}
