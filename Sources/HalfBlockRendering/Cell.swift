import Imaging

/// A colour as a terminal understands it. Which case a renderer produces depends on the
/// terminal's colour depth (`ColorMode`).
public enum TerminalColor: Sendable, Hashable {
    /// The terminal's own foreground or background (SGR 39 / 49).
    case terminalDefault
    /// One of the 16 ANSI colours: 0–7 normal, 8–15 bright.
    case ansi16(UInt8)
    /// An entry of the xterm 256-colour palette.
    case palette256(UInt8)
    /// A 24-bit colour.
    case rgb(RGB)
}

/// One character cell: a glyph drawn in `foreground` over `background`.
public struct Cell: Sendable, Hashable {
    public var character: Character
    public var foreground: TerminalColor
    public var background: TerminalColor

    public init(character: Character, foreground: TerminalColor = .terminalDefault, background: TerminalColor = .terminalDefault) {
        self.character = character
        self.foreground = foreground
        self.background = background
    }

    /// A space in the terminal's default colours.
    public static let blank = Cell(character: " ")
}

/// A rectangle of cells, row by row from the top: what a picture (or, later, a whole screen)
/// looks like in a terminal before anything is written to it.
public struct CellGrid: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    /// A grid of `width`×`height` copies of `cell`.
    public init(width: Int, height: Int, filling cell: Cell = .blank) {
        precondition(width >= 0 && height >= 0, "negative grid size \(width)x\(height)")
        self.width = width
        self.height = height
        self.cells = Array(repeating: cell, count: width * height)
    }

    /// The cell in `row` (from the top) and `column` (from the left).
    public subscript(row: Int, column: Int) -> Cell {
        get {
            precondition(row >= 0 && row < height && column >= 0 && column < width, "cell (\(row), \(column)) outside \(width)x\(height)")
            return cells[row * width + column]
        }
        set {
            precondition(row >= 0 && row < height && column >= 0 && column < width, "cell (\(row), \(column)) outside \(width)x\(height)")
            cells[row * width + column] = newValue
        }
    }

    /// The cells of one row, left to right.
    public func row(_ row: Int) -> ArraySlice<Cell> {
        cells[row * width ..< (row + 1) * width]
    }
}
