/// Where each region of the console goes for a terminal size: a pure function, tested over a
/// sweep of sizes (no overlaps, nothing outside the screen).
public struct Layout: Equatable, Sendable {
    public enum Mode: Equatable, Sendable {
        /// Below 40×10: one line asking for a larger terminal.
        case tooSmall
        /// Below 80×24: header, two lines of KPIs, the focused pane.
        case compact
        case full
    }

    public static let minimum = (width: 40, height: 10)
    public static let comfortable = (width: 80, height: 24)

    public var mode: Mode
    public var header: Rect
    public var kpis: Rect
    public var chart: Rect?
    /// Table slots by importance: the main pane first, then the bottom row left to right.
    public var slots: [Rect]
    public var status: Rect

    public static func compute(width w: Int, height h: Int) -> Layout {
        let empty = Rect(x: 0, y: 0, width: 0, height: 0)
        if w < minimum.width || h < minimum.height {
            return Layout(mode: .tooSmall, header: Rect(x: 0, y: 0, width: max(0, w), height: h > 0 ? 1 : 0), kpis: empty,
                          chart: nil, slots: [], status: empty)
        }
        let header = Rect(x: 0, y: 0, width: w, height: 1)
        let status = Rect(x: 0, y: h - 1, width: w, height: 1)
        if w < comfortable.width || h < comfortable.height {
            let kpis = Rect(x: 0, y: 1, width: w, height: 2)
            return Layout(mode: .compact, header: header, kpis: kpis, chart: nil,
                          slots: [Rect(x: 0, y: 3, width: w, height: h - 4)], status: status)
        }
        let kpis = Rect(x: 0, y: 1, width: w, height: 4)
        let rest = h - 6
        let chartH = min(14, max(5, rest * 3 / 10))
        let chart = Rect(x: 0, y: 5, width: w, height: chartH)
        let tablesY = 5 + chartH
        let tablesH = h - 1 - tablesY
        let mainH = max(6, tablesH / 2)
        let main = Rect(x: 0, y: tablesY, width: w, height: mainH)
        let bottom = Rect(x: 0, y: tablesY + mainH, width: w, height: tablesH - mainH)
        let fractions: [Double] = w >= 160 ? [0.34, 0.26, 0.22, 0.18] : [0.4, 0.32, 0.28]
        return Layout(mode: .full, header: header, kpis: kpis, chart: chart, slots: [main] + bottom.columns(fractions), status: status)
    }

    /// Every region drawn, for the sweep tests.
    public var regions: [Rect] { ([header, kpis, status] + [chart].compactMap { $0 } + slots).filter { !$0.isEmpty } }

    /// KPI tiles that fit the strip (each at least 18 columns), at most six.
    public var kpiTiles: Int { mode == .full ? min(6, max(1, kpis.width / 18)) : 0 }

    /// Panes placed into slots: one each in order; surplus panes share the last slot, which shows
    /// the focused one among them; spare slots widen the last pane.
    public func place(_ panes: [PaneID], focus: PaneID) -> [(pane: PaneID, rect: Rect)] {
        guard !slots.isEmpty, !panes.isEmpty else { return [] }
        if mode == .compact { return [(panes.contains(focus) ? focus : panes[0], slots[0])] }
        var out: [(PaneID, Rect)] = []
        for (i, rect) in slots.enumerated() where i < panes.count {
            if i == slots.count - 1 && panes.count > slots.count {
                let sharing = Array(panes[i...])
                out.append((sharing.contains(focus) ? focus : sharing[0], rect))
            } else if i == panes.count - 1 && slots.count > panes.count {
                out.append((panes[i], slots[i...].dropFirst().reduce(rect) { $0.union($1) }))
            } else {
                out.append((panes[i], rect))
            }
        }
        return out
    }
}
