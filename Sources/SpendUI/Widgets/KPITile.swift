/// One KPI box of the strip: a title, a headline value and a second line (change, sparkline). Each
/// line is a list of alternatives, most complete first: the first that fits the tile is drawn, so a
/// narrow tile drops its lower-priority fragment instead of cutting a word.
public struct KPITile {
    public var title: String
    public var values: [String]
    public var valueRole: ThemeRole
    public var details: [String]
    public var detailRole: ThemeRole
    /// Trailing cells of the second line drawn dimmer (a sparkline's open minute).
    public var dimDetailTail = 0

    public init(title: String, values: [String], valueRole: ThemeRole = .value, details: [String], detailRole: ThemeRole = .dim) {
        self.title = title
        self.values = values
        self.valueRole = valueRole
        self.details = details
        self.detailRole = detailRole
    }

    public init(title: String, value: String, valueRole: ThemeRole = .value, detail: String, detailRole: ThemeRole = .dim) {
        self.init(title: title, values: [value], valueRole: valueRole, details: [detail], detailRole: detailRole)
    }

    public var value: String { values.first ?? "" }
    public var detail: String { details.first ?? "" }

    /// The first alternative that fits `width` columns (the last one cut when none does).
    public static func fit(_ alternatives: [String], width: Int) -> String {
        if let f = alternatives.first(where: { CharWidth.of($0) <= width }) { return f }
        return CharWidth.truncate(alternatives.last ?? "", to: width)
    }

    public func render(into c: inout Canvas, in r: Rect, theme: Theme) {
        let inner = Box(title: title).render(into: &c, in: r, theme: theme)
        guard inner.height >= 1 else { return }
        let room = inner.width - 1
        c.put(" " + KPITile.fit(values, width: room), x: inner.x, y: inner.y, style: theme[valueRole], clip: inner)
        if inner.height >= 2 {
            let text = KPITile.fit(details, width: room)
            c.put(" " + text, x: inner.x, y: inner.y + 1, style: theme[detailRole], clip: inner)
            if dimDetailTail > 0 {
                let end = inner.x + 1 + CharWidth.of(text)
                c.restyle(Rect(x: end - dimDetailTail, y: inner.y + 1, width: dimDetailTail, height: 1)) { $0.with(.dim) }
            }
        }
    }
}
