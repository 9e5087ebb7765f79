/// A grid of cells that widgets draw into; the terminal backend copies the changed cells to the
/// screen and tests read it back as text.
public struct Canvas: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int, style: Style = .plain) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(" ", style: style), count: self.width * self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Writes `text` at (x, y), clipped to `clip` (default: the canvas), and returns the columns used.
    /// Control characters never reach a cell: they are dropped here whatever the caller passed.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style, clip: Rect? = nil) -> Int {
        let area = clip ?? bounds
        guard y >= area.y, y < area.maxY, y >= 0, y < height else { return 0 }
        let limit = min(area.maxX, width)
        var cx = x
        for ch in text {
            let w = CharWidth.of(ch)
            if w == 0 {
                if let u = ch.unicodeScalars.first, u.value < 0x20 || (u.value >= 0x7F && u.value < 0xA0) { continue }
                continue  // combining marks alone are dropped rather than merged: simpler and never garbles
            }
            if cx + w > limit { break }
            if cx >= max(area.x, 0) {
                set(cx, y, Cell(ch, style: style))
                if w == 2 { set(cx + 1, y, Cell(" ", style: style, isContinuation: true)) }
            }
            cx += w
        }
        return cx - x
    }

    /// Places a cell, repairing a wide character it cuts in half.
    mutating func set(_ x: Int, _ y: Int, _ cell: Cell) {
        let i = y * width + x
        if cells[i].isContinuation, x > 0, !cell.isContinuation {
            cells[i - 1] = Cell(" ", style: cells[i - 1].style)
        }
        if !cell.isContinuation, x + 1 < width, cells[i + 1].isContinuation, CharWidth.of(cells[i].char) == 2 {
            cells[i + 1] = Cell(" ", style: cells[i + 1].style)
        }
        cells[i] = cell
    }

    /// Writes text right-aligned so that it ends at `maxX` (exclusive).
    @discardableResult
    public mutating func putRight(_ text: String, maxX: Int, y: Int, style: Style, clip: Rect? = nil) -> Int {
        put(text, x: maxX - CharWidth.of(text), y: y, style: style, clip: clip)
    }

    public mutating func fill(_ r: Rect, _ ch: Character = " ", style: Style) {
        let x0 = max(0, r.x), x1 = min(width, r.maxX), y0 = max(0, r.y), y1 = min(height, r.maxY)
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 {
            if x0 > 0, cells[y * width + x0].isContinuation { cells[y * width + x0 - 1].char = " " }
            if x1 < width, cells[y * width + x1].isContinuation { cells[y * width + x1] = Cell(" ", style: cells[y * width + x1].style) }
            for x in x0..<x1 { cells[y * width + x] = Cell(ch, style: style) }
        }
    }

    /// Changes the style of cells without touching their characters (selection bars).
    public mutating func restyle(_ r: Rect, _ transform: (Style) -> Style) {
        let x0 = max(0, r.x), x1 = min(width, r.maxX), y0 = max(0, r.y), y1 = min(height, r.maxY)
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 { for x in x0..<x1 { cells[y * width + x].style = transform(cells[y * width + x].style) } }
    }

    /// One row as text (continuation cells skipped).
    public func line(_ y: Int) -> String {
        var s = ""
        for x in 0..<width where !self[x, y].isContinuation { s.append(self[x, y].char) }
        return s
    }

    /// The whole canvas as text, trailing spaces removed from each line (for snapshot tests).
    public var text: String {
        (0..<height).map { y -> String in
            var l = line(y)
            while l.last == " " { l.removeLast() }
            return l
        }.joined(separator: "\n")
    }
}
