import Foundation

/// A terminal colour as a theme names it; the backend maps it down to what the terminal has.
public enum Color: Hashable, Sendable {
    /// The terminal's own foreground or background.
    case terminalDefault
    /// One of the 256 xterm colours (0–15 are the basic and bright ones).
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)

    /// `#rrggbb`, `default`, `0`–`255`, or a basic name (`red`, `bright-blue`).
    public init?(parsing text: String) {
        let t = text.lowercased().trimmingCharacters(in: .whitespaces)
        if t == "default" || t.isEmpty { self = .terminalDefault; return }
        if t.hasPrefix("#"), t.count == 7, let v = UInt32(t.dropFirst(), radix: 16) {
            self = .rgb(UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF))
            return
        }
        if let n = Int(t), (0...255).contains(n) { self = .indexed(UInt8(n)); return }
        let names = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]
        if let i = names.firstIndex(of: t) { self = .indexed(UInt8(i)); return }
        if t.hasPrefix("bright-"), let i = names.firstIndex(of: String(t.dropFirst(7))) { self = .indexed(UInt8(i + 8)); return }
        return nil
    }

    /// The RGB value of this colour (xterm's palette for indexed ones), nil for the default.
    public var rgbValue: (UInt8, UInt8, UInt8)? {
        switch self {
        case .terminalDefault: return nil
        case .rgb(let r, let g, let b): return (r, g, b)
        case .indexed(let i):
            let basic: [(UInt8, UInt8, UInt8)] = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
                                                  (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0),
                                                  (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]
            if i < 16 { return basic[Int(i)] }
            if i >= 232 { let v = UInt8(8 + 10 * (Int(i) - 232)); return (v, v, v) }
            let c = Int(i) - 16
            let level: (Int) -> UInt8 = { $0 == 0 ? 0 : UInt8(55 + 40 * $0) }
            return (level(c / 36), level(c / 6 % 6), level(c % 6))
        }
    }

    /// The nearest xterm-256 index (the 6×6×6 cube or the grey ramp).
    public var nearest256: Int {
        switch self {
        case .terminalDefault: return -1
        case .indexed(let i): return Int(i)
        case .rgb(let r, let g, let b):
            func cube(_ v: UInt8) -> Int { v < 48 ? 0 : (v < 115 ? 1 : (Int(v) - 35) / 40) }
            let ci = 16 + 36 * cube(r) + 6 * cube(g) + cube(b)
            let avg = (Int(r) + Int(g) + Int(b)) / 3
            let gi = avg > 238 ? 255 : 232 + max(0, (avg - 3) / 10)
            let cand = [ci, min(gi, 255)]
            return cand.min { Color.indexed(UInt8($0)).distance(to: self) < Color.indexed(UInt8($1)).distance(to: self) }!
        }
    }

    /// The nearest of the 8 basic colours (bright ones fold onto them).
    public var nearest8: Int {
        switch self {
        case .terminalDefault: return -1
        case .indexed(let i) where i < 16: return Int(i % 8)
        default:
            return (0..<8).min { Color.indexed(UInt8($0)).distance(to: self) < Color.indexed(UInt8($1)).distance(to: self) }!
        }
    }

    func distance(to o: Color) -> Int {
        guard let (r1, g1, b1) = rgbValue, let (r2, g2, b2) = o.rgbValue else { return .max }
        let dr = Int(r1) - Int(r2), dg = Int(g1) - Int(g2), db = Int(b1) - Int(b2)
        return 2 * dr * dr + 4 * dg * dg + 3 * db * db
    }
}
