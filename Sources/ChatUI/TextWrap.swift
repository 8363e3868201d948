/// Breaks text into lines of at most `width` columns, at spaces where it can and inside a word
/// only when the word alone is too long; a line's continuations keep its indentation. Line
/// breaks in the text start new lines; tabs become spaces to the next multiple of 4; widths are
/// `CellWidth`'s, so Korean, CJK and emoji wrap at their true size.
///
///     TextWrap.wrap("the red circle", width: 8)   // ["the red", "circle"]
public enum TextWrap {
    public static let tabWidth = 4

    public static func wrap(_ text: String, width: Int) -> [String] {
        let width = max(1, width)
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lines += wrapParagraph(expandTabs(paragraph), width: width)
        }
        return lines
    }

    static func expandTabs(_ text: Substring) -> [Character] {
        var result: [Character] = []
        var column = 0
        for character in text {
            if character == "\t" {
                let spaces = tabWidth - column % tabWidth
                result += Array(repeating: " ", count: spaces)
                column += spaces
            } else {
                result.append(character)
                column += CellWidth.of(character)
            }
        }
        return result
    }

    static func wrapParagraph(_ characters: [Character], width: Int) -> [String] {
        // A paragraph's continuation lines keep its indentation (a list or help entry stays
        // lined up), unless that would leave less than half the width for text.
        let indentation = characters.prefix { $0 == " " }.count
        let hanging = indentation <= width / 2 ? indentation : 0
        var lines: [String] = []
        var line: [Character] = []
        var lineWidth = 0
        /// Where the line may break: the index after the last space (never inside the first
        /// `hanging` characters, the indentation).
        var breakAfterSpace: Int?
        func startContinuation(with carried: [Character]) {
            line = Array(repeating: " ", count: hanging) + carried
            lineWidth = hanging + carried.reduce(0) { $0 + CellWidth.of($1) }
            breakAfterSpace = nil
        }
        for character in characters {
            let columns = CellWidth.of(character)
            if lineWidth + columns > width && line.count > hanging {
                if character == " " {
                    // A space at the break is dropped.
                    lines.append(trimmedEnd(line))
                    startContinuation(with: [])
                    continue
                }
                if let breakAt = breakAfterSpace, breakAt > hanging, breakAt < line.count {
                    let carried = Array(line[breakAt...])
                    lines.append(trimmedEnd(Array(line[..<breakAt])))
                    startContinuation(with: carried)
                } else {
                    lines.append(trimmedEnd(line))
                    startContinuation(with: [])
                }
            }
            if character == " " && line.count == hanging && hanging > 0 { continue }  // no space after the indent
            line.append(character)
            lineWidth += columns
            if character == " " { breakAfterSpace = line.count }
        }
        lines.append(String(line))
        return lines
    }

    static func trimmedEnd(_ characters: [Character]) -> String {
        var characters = characters
        while characters.last == " " { characters.removeLast() }
        return String(characters)
    }
}

/// The input text laid out in rows of `width` columns (broken at any character, so the cursor
/// maps to exactly one place), and where the cursor is.
public struct InputLayout: Sendable, Equatable {
    public var rows: [String]
    public var cursorRow: Int
    public var cursorColumn: Int

    public init(text: String, cursor: Int, width: Int) {
        let width = max(1, width)
        var rows: [String] = []
        var row = ""
        var rowWidth = 0
        var cursorRow = 0, cursorColumn = 0
        var offset = 0
        for character in text {
            if offset == cursor {
                cursorRow = rows.count
                cursorColumn = rowWidth
            }
            offset += 1
            if character == "\n" {
                rows.append(row)
                row = ""
                rowWidth = 0
                continue
            }
            let shown = Self.displayed(character)
            let columns = max(1, CellWidth.of(shown))
            if rowWidth + columns > width && rowWidth > 0 {
                rows.append(row)
                row = ""
                rowWidth = 0
                if offset - 1 == cursor {
                    cursorRow = rows.count
                    cursorColumn = 0
                }
            }
            row.append(shown)
            rowWidth += columns
        }
        if offset == cursor || cursor >= offset {
            if rowWidth >= width {
                rows.append(row)
                row = ""
                rowWidth = 0
            }
            cursorRow = rows.count
            cursorColumn = rowWidth
        }
        rows.append(row)
        self.rows = rows
        self.cursorRow = cursorRow
        self.cursorColumn = cursorColumn
    }

    /// How a typed character is shown: tabs as one space, other controls as U+FFFD.
    static func displayed(_ character: Character) -> Character {
        if character == "\t" { return " " }
        if character.unicodeScalars.contains(where: TerminalText.isUnsafe) { return "\u{FFFD}" }
        return character
    }
}
