/// A screen the console draws on and reads input from: the ncurses backend, or a test double.
public protocol Terminal: AnyObject {
    var width: Int { get }
    var height: Int { get }
    /// The colour depth the theme is mapped to.
    var colorDepth: ColorDepth { get }
    /// Copies the cells that differ from the last frame to the screen.
    func draw(_ canvas: Canvas)
    /// Forgets what is on the screen so that the next `draw` repaints everything (Ctrl-L, theme change).
    func invalidate()
    /// Waits up to `timeoutMs` (0: do not wait) for input.
    func nextInput(timeoutMs: Int) -> InputEvent?
    /// The audible bell, or a visual flash where the terminal has none.
    func bell()
    /// Restores the terminal (idempotent).
    func close()
}
