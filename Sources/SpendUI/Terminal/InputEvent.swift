/// What the terminal reports: a key, a new size, a mouse click, or an interrupt (SIGINT/SIGTERM).
public enum InputEvent: Equatable, Sendable {
    case key(Key)
    case resize(width: Int, height: Int)
    case click(x: Int, y: Int)
    case interrupt
}
