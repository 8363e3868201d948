import HalfBlockRendering

/// Text attributes a cell can carry besides its colours.
public struct TextAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = TextAttributes(rawValue: 1)
    public static let dim = TextAttributes(rawValue: 2)
    public static let reverse = TextAttributes(rawValue: 4)
    public static let underline = TextAttributes(rawValue: 8)
    public static let italic = TextAttributes(rawValue: 16)
}

/// How a piece of the UI is drawn: colours and attributes.
public struct Style: Sendable, Hashable {
    public var foreground: TerminalColor
    public var background: TerminalColor
    public var attributes: TextAttributes

    public init(foreground: TerminalColor = .terminalDefault, background: TerminalColor = .terminalDefault, attributes: TextAttributes = []) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }

    public static let plain = Style()
}

/// A cell position: row from the top, column from the left.
public struct ScreenPosition: Sendable, Hashable {
    public var row: Int
    public var column: Int
    public init(row: Int, column: Int) {
        self.row = row
        self.column = column
    }
}

/// One whole frame of the terminal: cells with colours (a `CellGrid`), their attributes, and
/// where the cursor goes. `view` produces it; a `Terminal` shows it.
///
/// A character two columns wide occupies its cell and the next one, which holds
/// `Screen.wideTail` (NUL, which sanitised text never contains) so that every row keeps one
/// cell per column. Writing over either half of a wide character blanks the other half.
public struct Screen: Sendable, Equatable {
    public private(set) var cells: CellGrid
    public private(set) var attributes: [TextAttributes]
    /// Where the terminal's cursor is shown; nil hides it.
    public var cursor: ScreenPosition?

    /// The character in the cell after a wide character.
    public static let wideTail: Character = "\u{0}"

    public var width: Int { cells.width }
    public var height: Int { cells.height }

    /// A `width`×`height` screen of spaces in `style`.
    public init(width: Int, height: Int, style: Style = .plain) {
        cells = CellGrid(width: width, height: height, filling: Cell(character: " ", foreground: style.foreground, background: style.background))
        attributes = Array(repeating: style.attributes, count: width * height)
    }

    /// The cell and attributes at `row`, `column`.
    public subscript(row: Int, column: Int) -> (cell: Cell, attributes: TextAttributes) {
        (cells[row, column], attributes[row * width + column])
    }

    /// Sets one cell as it is, without wide-character bookkeeping (for picture cells).
    public mutating func set(row: Int, column: Int, cell: Cell, attributes: TextAttributes = []) {
        guard row >= 0 && row < height && column >= 0 && column < width else { return }
        repairWide(row: row, column: column)
        cells[row, column] = cell
        self.attributes[row * width + column] = attributes
    }

    /// Writes `character` at `row`, `column` and returns the columns it took (0 when it did not
    /// fit). A wide character that would cross `limit` (default: the right edge) is not written.
    ///
    /// The last guard between any text and the terminal: a character holding a control, a bidi
    /// override or another scalar `TerminalText` deems unsafe is stored as U+FFFD, whatever
    /// drew it (views show model text through `TerminalText.safe` first, as visible escapes).
    /// Text keeps tabs and newlines, but a cell cannot (ncurses would clear to the end of the row
    /// or jump to a tab stop behind the screen's back): a tab is stored as a space, a newline as
    /// U+FFFD.
    @discardableResult
    public mutating func put(_ character: Character, row: Int, column: Int, style: Style, limit: Int? = nil) -> Int {
        let character = Self.cellCharacter(character)
        let edge = min(limit ?? width, width)
        guard row >= 0 && row < height && column >= 0 && column < edge else { return 0 }
        // A lone zero-width scalar (U+200B, U+2060, U+FEFF...) takes no cell, as wrapping counted
        // it: ncurses would hang it on the cell before, leaving its own cell stale.
        let columns = CellWidth.of(character)
        guard columns > 0 else { return 0 }
        guard column + columns <= edge else { return 0 }
        repairWide(row: row, column: column)
        cells[row, column] = Cell(character: character, foreground: style.foreground, background: style.background)
        attributes[row * width + column] = style.attributes
        if columns == 2 {
            repairWide(row: row, column: column + 1)
            cells[row, column + 1] = Cell(character: Self.wideTail, foreground: style.foreground, background: style.background)
            attributes[row * width + column + 1] = style.attributes
        }
        return columns
    }

    /// What a cell may hold for `character` (see `put`). A narrow character asking for emoji
    /// presentation (U+FE0F after "❤") loses the selector: ncurses counts it one column while
    /// many terminals draw the emoji two wide, which would shift the rest of the row.
    static func cellCharacter(_ character: Character) -> Character {
        if character == "\t" { return " " }
        let scalars = character.unicodeScalars
        if scalars.contains(where: { TerminalText.isUnsafe($0) || $0 == "\n" }) { return "\u{FFFD}" }
        if scalars.count > 1, scalars.contains("\u{FE0F}"), let first = scalars.first, CellWidth.of(first) == 1 {
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars.filter { $0 != "\u{FE0F}" })
            return Character(String(text))
        }
        return character
    }

    /// Writes `text` from `column` on, stopping at `limit` (default: the right edge); returns
    /// the column after the last character written. `text` must hold no line breaks.
    @discardableResult
    public mutating func write(_ text: some StringProtocol, row: Int, column: Int, style: Style, limit: Int? = nil) -> Int {
        var position = column
        let edge = min(limit ?? width, width)
        for character in text {
            let taken = put(character, row: row, column: position, style: style, limit: edge)
            if taken == 0 {
                if CellWidth.of(character) == 0 { continue }
                break
            }
            position += taken
        }
        return position
    }

    /// Fills `columns` of `row` with spaces in `style`.
    public mutating func fill(row: Int, columns: Range<Int>, style: Style) {
        guard row >= 0 && row < height else { return }
        for column in max(0, columns.lowerBound) ..< min(width, columns.upperBound) {
            set(row: row, column: column, cell: Cell(character: " ", foreground: style.foreground, background: style.background),
                attributes: style.attributes)
        }
    }

    /// Copies one row of `grid` to `row`, from `column` on, clipped at the right edge.
    public mutating func blit(_ grid: CellGrid, gridRow: Int, row: Int, column: Int) {
        for x in 0 ..< grid.width where column + x < width {
            set(row: row, column: column + x, cell: grid[gridRow, x])
        }
    }

    /// Blanks the other half of a wide character that `row`, `column` is part of.
    private mutating func repairWide(row: Int, column: Int) {
        let current = cells[row, column]
        if current.character == Self.wideTail, column > 0 {
            var head = cells[row, column - 1]
            head.character = " "
            cells[row, column - 1] = head
        } else if column + 1 < width, cells[row, column + 1].character == Self.wideTail, CellWidth.of(current.character) == 2 {
            var tail = cells[row, column + 1]
            tail.character = " "
            cells[row, column + 1] = tail
        }
    }

    /// The characters of each row (wide tails left out, trailing spaces kept), for tests.
    public func textLines() -> [String] {
        (0 ..< height).map { row in
            String(cells.row(row).map(\.character).filter { $0 != Self.wideTail })
        }
    }

    /// The rows as text with trailing spaces removed, joined by newlines: a readable snapshot.
    public func textSnapshot() -> String {
        textLines().map { line in
            var line = line
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}
