/// How many colours the terminal shows; themes are written in any depth and mapped down.
public enum ColorDepth: Int, Sendable, Comparable {
    case mono = 0, basic8 = 8, indexed256 = 256, trueColor = 16_777_216

    public static func < (a: ColorDepth, b: ColorDepth) -> Bool { a.rawValue < b.rawValue }

    /// From the terminal's colour count and the environment: `NO_COLOR` (any value) forces mono,
    /// `COLORTERM=truecolor|24bit` lifts a 256-colour terminal to true colour only when it can show it.
    public static func detect(colors: Int, hasColors: Bool, environment: [String: String]) -> ColorDepth {
        if environment["NO_COLOR"] != nil || !hasColors || colors < 8 { return .mono }
        if colors >= 16_777_216 { return .trueColor }
        if colors >= 256 { return .indexed256 }
        return .basic8
    }

    /// The colour number to give the terminal for `c` (-1: its default).
    public func number(for c: Color) -> Int32 {
        switch self {
        case .mono: return -1
        case .basic8: return Int32(c.nearest8)
        case .indexed256: return Int32(c.nearest256)
        case .trueColor:
            if case .rgb(let r, let g, let b) = c { return Int32(r) << 16 | Int32(g) << 8 | Int32(b) }
            return Int32(c.nearest256)
        }
    }
}
