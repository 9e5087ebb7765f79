/// A bordered box with a title on its top edge and optional text on the right of it.
public struct Box {
    public var title: String
    public var rightTitle: String
    public var focused: Bool

    public init(title: String, rightTitle: String = "", focused: Bool = false) {
        self.title = title
        self.rightTitle = rightTitle
        self.focused = focused
    }

    /// Draws the border and returns the inside.
    @discardableResult
    public func render(into c: inout Canvas, in r: Rect, theme: Theme) -> Rect {
        guard r.width >= 2, r.height >= 2 else { return Rect(x: r.x, y: r.y, width: 0, height: 0) }
        let b = theme[focused ? .borderFocused : .border]
        let top = "┌" + String(repeating: "─", count: r.width - 2) + "┐"
        let bottom = "└" + String(repeating: "─", count: r.width - 2) + "┘"
        c.put(top, x: r.x, y: r.y, style: b, clip: r)
        for y in (r.y + 1)..<(r.maxY - 1) {
            c.put("│", x: r.x, y: y, style: b, clip: r)
            c.put("│", x: r.maxX - 1, y: y, style: b, clip: r)
        }
        c.put(bottom, x: r.x, y: r.maxY - 1, style: b, clip: r)
        let inner = r.inset(1)
        c.fill(inner, style: theme[.text])
        let room = r.width - 4
        if room > 2 {
            var right = rightTitle.isEmpty ? "" : " " + rightTitle + " "
            if CharWidth.of(right) > room / 2 { right = "" }
            // Without a right title, one dash after the title is enough.
            let left = " " + CharWidth.truncate(title, to: room - CharWidth.of(right) - (right.isEmpty ? 1 : 2)) + " "
            c.put(left, x: r.x + 1, y: r.y, style: theme[.title].with(focused ? [.bold] : []), clip: r)
            if !right.isEmpty { c.putRight(right, maxX: r.maxX - 1, y: r.y, style: theme[.dim], clip: r) }
        }
        return inner
    }
}
