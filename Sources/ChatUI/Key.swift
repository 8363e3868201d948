/// Modifier keys held with a key, as terminals report them (CSI parameter − 1: 1 shift, 2 alt,
/// 4 ctrl).
public struct KeyModifiers: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let shift = KeyModifiers(rawValue: 1)
    public static let alt = KeyModifiers(rawValue: 2)
    public static let ctrl = KeyModifiers(rawValue: 4)
}

/// One key press (or paste, or wheel step) as `KeyDecoder` reads it from the terminal's bytes.
public enum Key: Sendable, Equatable {
    /// A printable character (a whole grapheme cluster when the terminal sent one).
    case character(Character)
    /// Ctrl with a letter or one of `@ [ \ ] ^ _`, given in lower case: Ctrl+A is `.ctrl("a")`.
    /// Tab, Enter, Backspace and Escape have their own cases; Ctrl+J is `.ctrl("j")`.
    case ctrl(Character)
    /// Alt (Meta, Option) with a printable character: Alt+B is `.alt("b")`.
    case alt(Character)
    /// Enter; Alt+Enter, Shift+Enter and Ctrl+Enter carry their modifiers when the terminal
    /// reports them.
    case enter(KeyModifiers)
    case tab
    case backTab
    case backspace(KeyModifiers)
    case delete
    case insert
    case escape
    case up(KeyModifiers)
    case down(KeyModifiers)
    case left(KeyModifiers)
    case right(KeyModifiers)
    case home(KeyModifiers)
    case end(KeyModifiers)
    case pageUp
    case pageDown
    /// F1 to F12.
    case function(Int)
    /// Text pasted with bracketed paste, line breaks as "\n".
    case paste(String)
    /// One step of the mouse wheel.
    case wheelUp
    case wheelDown
}
