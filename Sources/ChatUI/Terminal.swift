import Foundation
import HalfBlockRendering

/// Columns and rows of a terminal.
public struct TerminalSize: Sendable, Hashable {
    public var columns: Int
    public var rows: Int
    public init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
    }
}

/// What reading the terminal gave.
public enum TerminalInput: Sendable, Equatable {
    /// Bytes the user typed or pasted, undecoded.
    case bytes([UInt8])
    /// The window changed size.
    case resized(TerminalSize)
    /// Nothing arrived in time.
    case timedOut
}

/// Where the chat is shown: the real terminal (`NcursesTerminal`) or a screen in memory for
/// tests (`InMemoryTerminal`). Used from one thread, the run loop's.
public protocol Terminal: AnyObject {
    /// The current size.
    var size: TerminalSize { get }
    /// The colours the terminal can show (already limited by what the user asked for).
    var colorMode: ColorMode { get }
    /// Waits up to `timeoutMilliseconds` for input or a resize.
    func readInput(timeoutMilliseconds: Int) -> TerminalInput
    /// Shows `screen`; only cells that changed since the last frame need to be sent.
    func draw(_ screen: Screen)
    /// Makes the next `draw` repaint every cell (Ctrl+L, or after something else wrote to the
    /// terminal).
    func invalidate()
    /// Puts `text` on the clipboard of the terminal the user sits at (OSC 52, which ssh and
    /// tmux with `set-clipboard on` pass through).
    func copyToClipboard(_ text: String)
    /// Gives the terminal back as it was found. Safe to call more than once.
    func restore()
    /// Gives the terminal to `work` (an editor) as it was found, then takes it back and repaints.
    func handOver(_ work: () -> Void)
}

/// The OSC 52 sequence that sets the clipboard to `text`.
public func clipboardSequence(_ text: String) -> String {
    "\u{1B}]52;c;" + Data(text.utf8).base64EncodedString() + "\u{07}"
}

/// A terminal in memory: input comes from `inputSource`, frames are kept for inspection.
///
///     let terminal = InMemoryTerminal(size: TerminalSize(columns: 40, rows: 12))
///     terminal.inputSource = { _ in .bytes(Array("hi\r".utf8)) }
public final class InMemoryTerminal: Terminal {
    public private(set) var size: TerminalSize
    public let colorMode: ColorMode
    /// The last frame drawn.
    public private(set) var screen: Screen?
    /// Frames drawn so far.
    public private(set) var drawCount = 0
    /// Times `invalidate` was called.
    public private(set) var invalidations = 0
    /// Whether `restore` was called.
    public private(set) var restored = false
    /// What was last copied to the clipboard.
    public private(set) var clipboard: String?
    /// Answers each `readInput` call; given the terminal, so it can look at the last frame.
    /// Without one, every read times out.
    public var inputSource: ((InMemoryTerminal) -> TerminalInput)?

    public init(size: TerminalSize, colorMode: ColorMode = .truecolor) {
        self.size = size
        self.colorMode = colorMode
    }

    public func readInput(timeoutMilliseconds: Int) -> TerminalInput {
        let input = inputSource?(self) ?? .timedOut
        if case .resized(let newSize) = input { size = newSize }
        return input
    }

    public func draw(_ screen: Screen) {
        self.screen = screen
        drawCount += 1
    }

    public func invalidate() { invalidations += 1 }

    public func copyToClipboard(_ text: String) { clipboard = text }

    /// Times the terminal was handed over.
    public private(set) var handOvers = 0

    public func handOver(_ work: () -> Void) {
        handOvers += 1
        work()
        invalidate()
    }

    public func restore() { restored = true }
}
