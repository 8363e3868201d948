import Imaging

extension TerminalColor {
    /// A short readable name: `#rrggbb`, `@n` (256-colour index), `%n` (ANSI 16) or `-` (default).
    public var dumpName: String {
        switch self {
        case .terminalDefault: return "-"
        case let .ansi16(index): return "%\(index)"
        case let .palette256(index): return "@\(index)"
        case let .rgb(color):
            return "#" + [color.red, color.green, color.blue].map { value in
                let hex = String(value, radix: 16)
                return hex.count == 1 ? "0" + hex : hex
            }.joined()
        }
    }
}

extension CellGrid {
    /// A plain-text dump for golden-file tests and debugging, one line per row after a header:
    ///
    /// ```
    /// grid 2x1
    /// ▀#ff0000/#0000ff ▀@196/@21
    /// ```
    ///
    /// Each cell is its glyph (a space shown as `\s`) followed by `foreground/background` as in
    /// `TerminalColor.dumpName`, cells separated by one space.
    public func textDump() -> String {
        var lines = ["grid \(width)x\(height)"]
        for rowIndex in 0 ..< height {
            lines.append(row(rowIndex).map { cell in
                (cell.character == " " ? "\\s" : String(cell.character))
                    + cell.foreground.dumpName + "/" + cell.background.dumpName
            }.joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
