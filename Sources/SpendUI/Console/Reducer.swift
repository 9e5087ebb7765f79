import SpendCore

extension ConsoleState {
    /// The one place the console's state changes. Returns what the outside world must do.
    public static func reduce(_ s: inout ConsoleState, _ a: Action) -> [Effect] {
        switch a {
        case .resize(let w, let h):
            s.width = w
            s.height = h
            return [.refresh, .redrawAll]
        case .tick(let now):
            s.nowMs = now
            for a in s.alerts.active where s.alertFirstSeenMs[a.identity] == nil { s.alertFirstSeenMs[a.identity] = now }
            if let st = s.status, !st.isEmpty, now >= s.statusUntilMs, s.statusUntilMs > 0 { s.status = nil }
            if var wb = s.wallboard {
                if wb.lastRotateMs == 0 { wb.lastRotateMs = now }
                if wb.rotateMs > 0, now - wb.lastRotateMs >= wb.rotateMs {
                    wb.view = (wb.view + 1) % WallboardState.views
                    wb.lastRotateMs = now
                }
                s.wallboard = wb
            }
            return []
        case .data(let d, let forced):
            if s.paused && !forced && s.data != nil { return [] }
            s.setData(d)
            return []
        case .alerts(let state):
            let rang = s.setAlerts(state)
            return rang && s.bellOn ? [.bell] : []
        case .exported(let path, let rows):
            s.say("exported \(rows) row\(rows == 1 ? "" : "s") to \(path)", seconds: 8)
            return []
        case .exportFailed(let msg):
            s.say("export failed: \(msg)", seconds: 8)
            return []
        case .click(let x, let y):
            return s.click(x: x, y: y)
        case .key(let k):
            if s.wallboard != nil {
                // The wallboard is read-only: quitting is the only thing a key can do.
                if k == .char("q") || k == .ctrl("c") { s.quit = true; return [.quit] }
                return []
            }
            if s.filterEditing { return s.editFilter(k) }
            if case .alert(let id) = s.overlay {
                if k == .char("q") { s.quit = true; return [.quit] }
                if k == .enter {
                    // The detail's drill: open the alert's scope.
                    s.overlay = .none
                    return s.drillToScope(of: id) + [.redrawAll]
                }
                if k == .escape || k == .backspace || k == .char("!") || k == .char("?") {
                    s.overlay = .none
                    return [.redrawAll]
                }
                return []
            }
            if s.overlay != .none {
                if k == .char("q") { s.quit = true; return [.quit] }
                if k == .escape || k == .char("?") || k == .char("!") || k == .enter || k == .backspace {
                    s.overlay = .none
                    return [.redrawAll]
                }
                return []
            }
            guard let cmd = Keymap.command(for: k) else { return [] }
            return s.perform(cmd)
        }
    }

    mutating func say(_ text: String, seconds: Int64) {
        status = text
        statusUntilMs = nowMs + seconds * 1000
    }

    mutating func perform(_ cmd: Command) -> [Effect] {
        let panes = self.panes
        if !panes.contains(focus) { focus = panes[0] }
        switch cmd {
        case .quit:
            quit = true
            return [.quit]
        case .help:
            overlay = .help
            return []
        case .diagnostics:
            overlay = .diagnostics
            return []
        case .nextPane, .previousPane:
            let i = panes.firstIndex(of: focus) ?? 0
            focus = panes[(i + (cmd == .nextPane ? 1 : panes.count - 1)) % panes.count]
            return []
        case .up: move(by: -1)
        case .down: move(by: 1)
        case .pageUp: move(by: -max(1, height / 2))
        case .pageDown: move(by: max(1, height / 2))
        case .top: select(focus, 0)
        case .bottom: select(focus, max(0, (shown[focus]?.rows.count ?? 1) - 1))
        case .drill:
            return drill()
        case .back:
            if !filter.isEmpty {
                filter = ""
                recomputeShown()
                return []
            }
            guard let last = path.popLast() else { return [] }
            focus = .table(last.dimension)
            // Come back to the row we drilled from.
            clearSelections()
            reselect(focus, id: drilledFrom.popLast() ?? nil)
            status = nil
            return [.refresh]
        case .filter:
            filterEditing = true
            return []
        case .sort:
            let cols = focus.sortable
            let current = sortOrder(focus)
            let next = cols[((cols.firstIndex(of: current.column) ?? -1) + 1) % cols.count]
            let numeric = shown[focus].flatMap { t in t.column(next).map { t.columns[$0].kind } }.map { $0 != .text && $0 != .time } ?? true
            sort[focus] = SortOrder(column: next, descending: numeric)
            recomputeShown()
            saySort()
        case .reverseSort:
            var o = sortOrder(focus)
            o.descending.toggle()
            sort[focus] = o
            recomputeShown()
            saySort()
        case .nextWindow:
            let all = TimeWindow.console
            window = all[((all.firstIndex(of: window) ?? -1) + 1) % all.count]
            return [.refresh]
        case .window(let i):
            window = TimeWindow.console[i]
            return [.refresh]
        case .pause:
            paused.toggle()
            say(paused ? "paused: the screen holds, data keeps flowing (p resumes)" : "resumed", seconds: 4)
            return paused ? [] : [.refresh]
        case .export:
            guard exportAllowed else { return [] }
            return [.export(focus)]
        case .bell:
            bellOn.toggle()
            say("bell \(bellOn ? "on" : "off")", seconds: 3)
        case .theme:
            themeIndex = (themeIndex + 1) % max(1, themeCount)
            if themeIndex < themeNames.count { say("theme \(themeNames[themeIndex])", seconds: 3) }
            return [.redrawAll]
        case .redraw:
            return [.redrawAll]
        }
        return []
    }

    mutating func move(by n: Int) {
        let count = shown[focus]?.rows.count ?? 0
        guard count > 0 else { return }
        select(focus, selected(focus) + n)
    }

    /// The column title the pane's box shows, and the same arrow: `sort features by share ▼`.
    func sortTitle(_ p: PaneID) -> String {
        let o = sortOrder(p)
        return (data?.panes[p]?.table).flatMap { t in t.column(o.column).map { t.columns[$0].title.lowercased() } } ?? o.column
    }

    mutating func saySort() {
        say("sort \(focus.viewName) by \(sortTitle(focus)) \(sortOrder(focus).descending ? "▼" : "▲")", seconds: 3)
    }

    mutating func drill() -> [Effect] {
        // Rows of an older question must not be drilled into: wait for the data of this one.
        guard !isStale else { return [] }
        guard let t = shown[focus], !t.rows.isEmpty else { return [] }
        let row = t.rows[selected(focus)]
        switch focus {
        case .gpus:
            say("GPUs have no breakdown by feature or key", seconds: 4)
            return []
        case .alerts:
            // Enter on an alert (or budget) opens its detail; Enter there drills to its scope.
            guard let c = t.column("id"), let id = row[c].text else { return [] }
            overlay = .alert(id)
            return []
        case .table(let dim):
            guard let name = row[0].text,
                  let (_, id) = GroupID.parse(rowID: ConsoleState.rowID(t, selected(focus))) else { return [] }
            if !PaneID.canDrill(path, into: dim, capabilities) {
                let why = capabilities.answer(groupBy: nil, filters: path.map(\.dimension) + [dim]).reason
                say("deepest level: " + (why ?? "\(dim.title.lowercased()) is already in the path"), seconds: 4)
                return []
            }
            if id == .other {
                say("(other) folds many values together: it has no breakdown", seconds: 4)
                return []
            }
            // The row's group id, not its name: two keys that mask alike are drilled separately.
            path.append(ViewQuery.Filter(dim, id: id, value: name))
        }
        drilledFrom.append(ConsoleState.rowID(t, selected(focus)))
        if drilledFrom.count > path.count { drilledFrom.removeFirst(drilledFrom.count - path.count) }
        focus = panes[0]
        clearSelections()
        return [.refresh]
    }

    /// Drills to the scope an alert or budget row names (`feature=…`); a fleet-wide or GPU one says so.
    mutating func drillToScope(of id: String) -> [Effect] {
        // The alert's own filters (with the group ids the engine watched), not its scope text read back as names.
        let scope = alerts.budgets.first { AlertsTable.budgetID($0) == id }?.rule.scope.filters
            ?? (alerts.active + alerts.history).first { $0.identity == id }?.scopeFilters
        guard let filters = scope else { return [] }
        let answerable = capabilities.answer(groupBy: nil, filters: filters.map(\.dimension)).answerable
        guard !filters.isEmpty, answerable, !filters.contains(where: { $0.dimension == .gpu }) else {
            say(filters.first?.dimension == .gpu ? "GPUs have no breakdown by feature or key"
                : filters.isEmpty ? "this alert is fleet-wide" : "this alert's scope cannot be drilled", seconds: 4)
            return []
        }
        path = filters
        focus = panes[0]
        selection[focus] = 0
        return [.refresh]
    }

    mutating func editFilter(_ k: Key) -> [Effect] {
        switch k {
        case .enter:
            filterEditing = false
        case .escape:
            filterEditing = false
            filter = ""
        case .backspace:
            if !filter.isEmpty { filter.removeLast() }
        case .char(let c):
            filter.append(c)
        case .up, .down:
            filterEditing = false
            return perform(k == .up ? .up : .down)
        default:
            return []
        }
        // Narrow live; each selection stays on its row, or the nearest one still shown.
        recomputeShown()
        return []
    }

    /// A click selects the row under it and focuses its pane.
    mutating func click(x: Int, y: Int) -> [Effect] {
        guard wallboard == nil, overlay == .none else { return [] }
        let layout = Layout.compute(width: width, height: height)
        let placed = layout.place(panes, focus: focus)
        guard let (pane, rect) = placed.first(where: { $0.rect.contains(x: x, y: y) }).map({ ($0.pane, $0.rect) }) else { return [] }
        focus = pane
        let inner = rect.inset(1)
        let visible = inner.height - 1
        let count = shown[pane]?.rows.count ?? 0
        let offset = TableWidget.scrollOffset(selected: selected(pane), visibleRows: visible, rowCount: count)
        let row = y - inner.y - 1 + offset
        if row >= 0 && row < count && y > inner.y { select(pane, row) }
        return []
    }
}
