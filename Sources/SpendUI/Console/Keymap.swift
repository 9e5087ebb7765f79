/// The one table of keys: input handling looks commands up here and the `?` screen lists it.
public enum Keymap {
    public struct Binding: Sendable {
        public var keys: [Key]
        /// How the help screen shows the keys (`↑↓ / j k`).
        public var label: String
        public var command: Command
        public var help: String
    }

    public static let bindings: [Binding] = [
        Binding(keys: [.char("q")], label: "q", command: .quit, help: "quit"),
        Binding(keys: [.char("?"), .function(1)], label: "? / F1", command: .help, help: "this help"),
        Binding(keys: [.tab], label: "Tab", command: .nextPane, help: "next pane"),
        Binding(keys: [.backTab], label: "Shift-Tab", command: .previousPane, help: "previous pane"),
        Binding(keys: [.up, .char("k")], label: "↑ / k", command: .up, help: "move up"),
        Binding(keys: [.down, .char("j")], label: "↓ / j", command: .down, help: "move down"),
        Binding(keys: [.pageUp], label: "PgUp", command: .pageUp, help: "page up"),
        Binding(keys: [.pageDown], label: "PgDn", command: .pageDown, help: "page down"),
        Binding(keys: [.char("g"), .home], label: "g / Home", command: .top, help: "first row"),
        Binding(keys: [.char("G"), .end], label: "G / End", command: .bottom, help: "last row"),
        Binding(keys: [.enter, .right, .char("l")], label: "Enter", command: .drill, help: "drill into the selected row"),
        Binding(keys: [.escape, .backspace, .left, .char("h")], label: "Esc / Backspace", command: .back, help: "up one level"),
        Binding(keys: [.char("/")], label: "/", command: .filter, help: "filter rows by name (Enter keeps, Esc clears)"),
        Binding(keys: [.char("s")], label: "s", command: .sort, help: "sort by the next column"),
        Binding(keys: [.char("S")], label: "S", command: .reverseSort, help: "reverse the sort"),
        Binding(keys: [.char("w")], label: "w", command: .nextWindow, help: "next window (1m 5m 15m 1h 6h 24h)"),
        Binding(keys: (1...6).map { .char(Character(String($0))) }, label: "1–6", command: .window(0), help: "window 1m, 5m, 15m, 1h, 6h, 24h"),
        Binding(keys: [.char("p"), .char(" ")], label: "p / space", command: .pause, help: "pause the screen (data keeps flowing)"),
        Binding(keys: [.char("e")], label: "e", command: .export, help: "export the focused view as CSV"),
        Binding(keys: [.char("b")], label: "b", command: .bell, help: "bell on/off"),
        Binding(keys: [.char("t")], label: "t", command: .theme, help: "next theme"),
        Binding(keys: [.char("!")], label: "!", command: .diagnostics, help: "diagnostics: rejects, sources, unpriced models"),
        Binding(keys: [.char("$")], label: "$", command: .savings, help: "savings advisor: where to save, per month"),
        Binding(keys: [.ctrl("l")], label: "Ctrl-L", command: .redraw, help: "redraw the screen"),
    ]

    /// The command bound to `key`, if any (digits select their window).
    public static func command(for key: Key) -> Command? {
        if case .char(let c) = key, let d = c.wholeNumberValue, (1...6).contains(d) { return .window(d - 1) }
        return bindings.first { $0.keys.contains(key) }?.command
    }

    /// The hint line at the bottom of the console, as many hints as fit in `width` (help and quit always).
    public static func hint(width: Int) -> String {
        let all = ["?:help", "↑↓:move", "⏎:drill", "esc:up", "tab:pane", "/:filter", "s:sort", "w:window", "p:pause", "e:export",
                   "b:bell", "t:theme", "!:diag"]
        var shown = all
        func line() -> String { " " + (shown + ["q:quit"]).joined(separator: "  ") }
        while CharWidth.of(line()) > width && shown.count > 1 { shown.removeLast() }
        return line()
    }
}
