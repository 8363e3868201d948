/// Turns a cell grid into text with SGR colour escapes, for printing a picture to a terminal or
/// a pipe (`omnichat show`). It writes no other escape sequences: no cursor movement, no
/// screen clearing, so the output can be saved, concatenated or paged with `less -R`.
///
/// Colours are written only when they change within a row; every row that set a colour ends
/// with a reset (`ESC[0m`) before its newline, so a cut or interleaved line never bleeds colour.
/// A grid in the terminal's default colours (`ColorMode.monochrome`) becomes plain text.
///
/// | colour | foreground | background |
/// |---|---|---|
/// | `.rgb` | `38;2;r;g;b` | `48;2;r;g;b` |
/// | `.palette256(n)` | `38;5;n` | `48;5;n` |
/// | `.ansi16(n)`, n < 8 / n ≥ 8 | `30+n` / `90+n−8` | `40+n` / `100+n−8` |
/// | `.terminalDefault` | `39` | `49` |
public enum ANSISerializer {
    static let escape = "\u{1B}["

    public static func serialize(_ grid: CellGrid) -> String {
        var output = ""
        for rowIndex in 0 ..< grid.height {
            // After the previous line's reset both colours are the terminal's defaults.
            var foreground = TerminalColor.terminalDefault
            var background = TerminalColor.terminalDefault
            var coloured = false
            for cell in grid.row(rowIndex) {
                var parameters: [String] = []
                if cell.foreground != foreground { parameters.append(code(cell.foreground, background: false)) }
                if cell.background != background { parameters.append(code(cell.background, background: true)) }
                if !parameters.isEmpty {
                    output += escape + parameters.joined(separator: ";") + "m"
                    coloured = true
                }
                foreground = cell.foreground
                background = cell.background
                output.append(cell.character)
            }
            output += coloured ? escape + "0m\n" : "\n"
        }
        return output
    }

    static func code(_ color: TerminalColor, background: Bool) -> String {
        switch color {
        case .terminalDefault:
            return background ? "49" : "39"
        case let .ansi16(index):
            let base = index < 8 ? (background ? 40 : 30) : (background ? 100 : 90)
            return String(base + Int(index % 8))
        case let .palette256(index):
            return (background ? "48;5;" : "38;5;") + String(index)
        case let .rgb(color):
            return (background ? "48;2;" : "38;2;") + "\(color.red);\(color.green);\(color.blue)"
        }
    }
}
