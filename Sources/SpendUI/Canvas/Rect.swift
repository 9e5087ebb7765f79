/// A rectangle of terminal cells; origin top-left, x to the right, y down.
public struct Rect: Equatable, Sendable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }

    /// The rectangle shrunk by `n` cells on every side (the inside of a box).
    public func inset(_ n: Int) -> Rect { Rect(x: x + n, y: y + n, width: width - 2 * n, height: height - 2 * n) }

    public func intersects(_ o: Rect) -> Bool {
        !isEmpty && !o.isEmpty && x < o.maxX && o.x < maxX && y < o.maxY && o.y < maxY
    }

    public func contains(x px: Int, y py: Int) -> Bool { px >= x && px < maxX && py >= y && py < maxY }

    public func contains(_ o: Rect) -> Bool { o.x >= x && o.y >= y && o.maxX <= maxX && o.maxY <= maxY }

    /// The smallest rectangle holding both.
    public func union(_ o: Rect) -> Rect {
        let nx = min(x, o.x), ny = min(y, o.y)
        return Rect(x: nx, y: ny, width: max(maxX, o.maxX) - nx, height: max(maxY, o.maxY) - ny)
    }

    /// Splits off the top `n` rows: (top, rest).
    public func cutTop(_ n: Int) -> (Rect, Rect) {
        let h = min(max(0, n), height)
        return (Rect(x: x, y: y, width: width, height: h), Rect(x: x, y: y + h, width: width, height: height - h))
    }

    /// Splits into columns of the given fractions (the last takes the rounding rest).
    public func columns(_ fractions: [Double]) -> [Rect] {
        var out: [Rect] = []
        var cx = x
        for (i, f) in fractions.enumerated() {
            let w = i == fractions.count - 1 ? maxX - cx : Int((Double(width) * f).rounded())
            out.append(Rect(x: cx, y: y, width: min(w, maxX - cx), height: height))
            cx += min(w, maxX - cx)
        }
        return out
    }

    public var description: String { "(\(x),\(y) \(width)×\(height))" }
}
