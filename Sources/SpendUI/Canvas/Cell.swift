/// One terminal cell: a grapheme and its style. A wide grapheme fills its cell and marks the next
/// one as its continuation, which the backend skips.
public struct Cell: Equatable, Sendable {
    public var char: Character
    public var style: Style
    /// True for the right half of a wide character.
    public var isContinuation: Bool

    public init(_ char: Character = " ", style: Style = .plain, isContinuation: Bool = false) {
        self.char = char
        self.style = style
        self.isContinuation = isContinuation
    }
}
