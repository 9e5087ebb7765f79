/// One KPI box of the strip: a title, a headline value and a second line (change, sparkline).
public struct KPITile {
    public var title: String
    public var value: String
    public var valueRole: ThemeRole
    public var detail: String
    public var detailRole: ThemeRole

    public init(title: String, value: String, valueRole: ThemeRole = .value, detail: String, detailRole: ThemeRole = .dim) {
        self.title = title
        self.value = value
        self.valueRole = valueRole
        self.detail = detail
        self.detailRole = detailRole
    }

    public func render(into c: inout Canvas, in r: Rect, theme: Theme) {
        let inner = Box(title: title).render(into: &c, in: r, theme: theme)
        guard inner.height >= 1 else { return }
        c.put(" " + CharWidth.truncate(value, to: inner.width - 1), x: inner.x, y: inner.y, style: theme[valueRole], clip: inner)
        if inner.height >= 2 {
            c.put(" " + CharWidth.truncate(detail, to: inner.width - 1), x: inner.x, y: inner.y + 1, style: theme[detailRole], clip: inner)
        }
    }
}
