import Imaging

/// A fixed set of terminal colours and the perceptual nearest-colour search over it.
///
/// Nearness is Euclidean distance in OKLab, a space built so that equal distances look about
/// equally different; it keeps dark blues from turning grey and skin tones from turning
/// green, which plain RGB distance does. Ties go to the earlier entry.
public struct Palette: Sendable {
    /// Each entry: the colour the terminal will show, and how to name it to the terminal.
    public let entries: [(color: RGB, terminalColor: TerminalColor)]
    let labs: [OKLab]

    init(entries: [(color: RGB, terminalColor: TerminalColor)]) {
        self.entries = entries
        self.labs = entries.map { ColorSpace.oklab(ColorSpace.linear($0.color)) }
    }

    /// The index of the entry nearest to `lab`.
    func nearestIndex(to lab: OKLab) -> Int {
        var best = 0
        var bestDistance = Double.infinity
        for (index, candidate) in labs.enumerated() {
            let distance = candidate.distanceSquared(to: lab)
            if distance < bestDistance {
                bestDistance = distance
                best = index
            }
        }
        return best
    }

    /// xterm's 256-colour palette without its first 16 entries, whose colours each terminal
    /// theme redefines (chafa's "240 colours" advice): the 6×6×6 cube (indices 16–231, levels
    /// 0, 95, 135, 175, 215, 255) and the 24 greys (232–255, 8 + 10·k).
    public static let xterm240: Palette = {
        let levels: [UInt8] = [0, 95, 135, 175, 215, 255]
        var entries: [(RGB, TerminalColor)] = []
        for red in 0 ..< 6 {
            for green in 0 ..< 6 {
                for blue in 0 ..< 6 {
                    entries.append((RGB(levels[red], levels[green], levels[blue]), .palette256(UInt8(16 + 36 * red + 6 * green + blue))))
                }
            }
        }
        for step in 0 ..< 24 {
            let grey = UInt8(8 + 10 * step)
            entries.append((RGB(grey, grey, grey), .palette256(UInt8(232 + step))))
        }
        return Palette(entries: entries)
    }()

    /// The 16 ANSI colours with xterm's default values. Terminal themes change these, so
    /// 16-colour output is an approximation by nature.
    public static let ansi16: Palette = {
        let colors: [RGB] = [
            RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0),
            RGB(0, 0, 238), RGB(205, 0, 205), RGB(0, 205, 205), RGB(229, 229, 229),
            RGB(127, 127, 127), RGB(255, 0, 0), RGB(0, 255, 0), RGB(255, 255, 0),
            RGB(92, 92, 255), RGB(255, 0, 255), RGB(0, 255, 255), RGB(255, 255, 255),
        ]
        return Palette(entries: colors.enumerated().map { ($0.element, .ansi16(UInt8($0.offset))) })
    }()

    /// Black and white, for drawing with glyphs alone (`ColorMode.monochrome`): white means ink.
    static let monochrome = Palette(entries: [(RGB(0, 0, 0), .terminalDefault), (RGB(255, 255, 255), .terminalDefault)])
}
