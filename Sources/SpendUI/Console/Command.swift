/// Everything a key can ask the console to do; the keymap binds keys to these.
public enum Command: Hashable, Sendable {
    case quit, help, nextPane, previousPane, up, down, pageUp, pageDown, top, bottom
    case drill, back, filter, sort, reverseSort, nextWindow, window(Int)
    case pause, export, bell, theme, diagnostics, redraw, savings
}
