/// The colours of the cells in `tmux capture-pane -e` output: the SGR sequences are followed
/// as a terminal would, for 256-colour (38;5;N / 48;5;N), default (39 / 49) and reset (0).
enum ScreenColors {
    /// A cell's glyph with its foreground and background palette index (nil: the default).
    struct Cell: Equatable {
        var character: Character
        var foreground: Int?
        var background: Int?
    }

    static func rows(_ captured: String) -> [[Cell]] {
        var foreground: Int?, background: Int?
        return captured.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var cells: [Cell] = []
            var characters = Array(line)
            var index = 0
            while index < characters.count {
                if characters[index] == "\u{1B}", index + 1 < characters.count, characters[index + 1] == "[" {
                    var end = index + 2
                    while end < characters.count, !characters[end].isLetter { end += 1 }
                    guard end < characters.count else { break }
                    if characters[end] == "m" {
                        let parameters = String(characters[(index + 2) ..< end]).split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
                        apply(parameters, foreground: &foreground, background: &background)
                    }
                    index = end + 1
                    continue
                }
                cells.append(Cell(character: characters[index], foreground: foreground, background: background))
                index += 1
            }
            characters.removeAll()
            return cells
        }
    }

    private static func apply(_ parameters: [Int], foreground: inout Int?, background: inout Int?) {
        var position = 0
        let parameters = parameters.isEmpty ? [0] : parameters
        while position < parameters.count {
            switch parameters[position] {
            case 0:
                foreground = nil
                background = nil
            case 39: foreground = nil
            case 49: background = nil
            case 38 where position + 2 < parameters.count && parameters[position + 1] == 5:
                foreground = parameters[position + 2]
                position += 2
            case 48 where position + 2 < parameters.count && parameters[position + 1] == 5:
                background = parameters[position + 2]
                position += 2
            case 30 ... 37: foreground = parameters[position] - 30
            case 40 ... 47: background = parameters[position] - 40
            case 90 ... 97: foreground = parameters[position] - 90 + 8
            case 100 ... 107: background = parameters[position] - 100 + 8
            default: break
            }
            position += 1
        }
    }
}
