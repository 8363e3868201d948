import HalfBlockRendering

/// A foreground and background as terminal colour numbers (-1 is the terminal's default).
public struct ColorPairKey: Sendable, Hashable {
    public var foreground: Int32
    public var background: Int32
    public init(foreground: Int32, background: Int32) {
        self.foreground = foreground
        self.background = background
    }
}

/// Hands out colour-pair numbers for (foreground, background) combinations, reusing the least
/// recently used pair when the terminal's table is full, but never a pair that is still on the
/// screen.
///
/// Curses draws colours only through numbered pairs, and terminals have a fixed number of them
/// (`COLOR_PAIRS`, often 256 or 65 536). A truecolor picture uses a pair per distinct cell, so
/// over a conversation far more pairs are needed than exist. Redefining a pair repaints every
/// cell drawn with it, so a pair may only be reused once nothing on screen uses it: each frame
/// the caller looks up the pair of every cell on the screen (`beginFrame`, then `pair(for:)`),
/// which marks those pairs as in use; only pairs not looked up in the current frame are
/// recycled. When every pair is in use (a screen with more distinct colour combinations than
/// the table holds), `pair(for:)` returns nil and the caller draws that cell in the default
/// pair rather than corrupting another.
///
/// Pure bookkeeping, so it is tested without a terminal; `NcursesTerminal` calls
/// `init_extended_pair` for every pair this reports as new.
public struct ColorPairCache: Sendable {
    /// Pair numbers run from 1 to `capacity - 1`; pair 0 is the terminal's default colours.
    public let capacity: Int
    private var numberForKey: [ColorPairKey: Int] = [:]
    private var keyForNumber: [ColorPairKey?]
    private var lastFrame: [Int]
    // A doubly linked list over pair numbers, most recently used first.
    private var previous: [Int]
    private var next: [Int]
    private var head = 0  // 0 means none
    private var tail = 0
    private var nextUnused = 1
    private var frame = 0

    /// A cache for a terminal with `capacity` colour pairs (pair 0 included).
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        keyForNumber = Array(repeating: nil, count: self.capacity)
        lastFrame = Array(repeating: -1, count: self.capacity)
        previous = Array(repeating: 0, count: self.capacity)
        next = Array(repeating: 0, count: self.capacity)
    }

    /// The pairs defined so far.
    public var count: Int { numberForKey.count }

    /// Starts a new frame: pairs looked up from now on are the ones on screen.
    public mutating func beginFrame() { frame += 1 }

    /// The pair number for `key` and whether it was just (re)defined, so the caller must tell
    /// the terminal its colours; nil when every pair is in use on this frame's screen.
    public mutating func pair(for key: ColorPairKey) -> (number: Int, isNew: Bool)? {
        if key.foreground == -1 && key.background == -1 { return (0, false) }
        if let number = numberForKey[key] {
            touch(number)
            return (number, false)
        }
        let number: Int
        if nextUnused < capacity {
            number = nextUnused
            nextUnused += 1
        } else {
            guard tail != 0, lastFrame[tail] < frame else { return nil }
            number = tail
            unlink(number)
            if let old = keyForNumber[number] { numberForKey[old] = nil }
        }
        keyForNumber[number] = key
        numberForKey[key] = number
        pushFront(number)
        lastFrame[number] = frame
        return (number, true)
    }

    private mutating func touch(_ number: Int) {
        lastFrame[number] = frame
        guard head != number else { return }
        unlink(number)
        pushFront(number)
    }

    private mutating func unlink(_ number: Int) {
        let before = previous[number], after = next[number]
        if before != 0 { next[before] = after } else if head == number { head = after }
        if after != 0 { previous[after] = before } else if tail == number { tail = before }
        previous[number] = 0
        next[number] = 0
    }

    private mutating func pushFront(_ number: Int) {
        previous[number] = 0
        next[number] = head
        if head != 0 { previous[head] = number }
        head = number
        if tail == 0 { tail = number }
    }
}

/// Terminal colour numbers for `TerminalColor`s, as curses takes them.
public enum TerminalColorNumber {
    /// The colour number of `color` on a terminal with `colors` colours (terminfo `colors`):
    /// -1 for the default; on a direct-colour terminal (2^24 colours) 0xRRGGBB; palette and ANSI
    /// indices as they are, folded to what the terminal has.
    public static func number(for color: TerminalColor, colors: Int) -> Int32 {
        let direct = colors >= 1 << 24
        switch color {
        case .terminalDefault:
            return -1
        case let .ansi16(index):
            return Int32(colors >= 16 ? Int(index) : Int(index) % 8)
        case let .palette256(index):
            if direct { return rgbNumber(xtermRGB(index)) }
            return colors >= 256 ? Int32(index) : Int32(index) % Int32(max(8, min(colors, 16)))
        case let .rgb(color):
            if direct { return rgbNumber((color.red, color.green, color.blue)) }
            // Not expected (colours are quantised for the mode first), but never send a number
            // the terminal does not have: fold to a grey of the 256 palette, or white/black.
            let grey = (Int(color.red) + Int(color.green) + Int(color.blue)) / 3
            if colors >= 256 { return Int32(232 + min(23, grey * 24 / 256)) }
            return grey >= 128 ? 7 : 0
        }
    }

    /// 0xRRGGBB for a direct-colour terminal. Direct-colour terminfo entries send numbers below 8
    /// as the ANSI colours (whose shades each theme redefines), so those become 8 (#000008),
    /// which looks the same as black.
    static func rgbNumber(_ rgb: (UInt8, UInt8, UInt8)) -> Int32 {
        let value = Int32(rgb.0) << 16 | Int32(rgb.1) << 8 | Int32(rgb.2)
        return value < 8 ? 8 : value
    }

    /// The colour of entry `index` of the xterm 256-colour palette.
    static func xtermRGB(_ index: UInt8) -> (UInt8, UInt8, UInt8) {
        if index >= 232 {
            let grey = UInt8(8 + 10 * (Int(index) - 232))
            return (grey, grey, grey)
        }
        if index >= 16 {
            let levels: [UInt8] = [0, 95, 135, 175, 215, 255]
            let cube = Int(index) - 16
            return (levels[cube / 36], levels[cube / 6 % 6], levels[cube % 6])
        }
        let ansi: [(UInt8, UInt8, UInt8)] = [
            (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
            (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
        ]
        return ansi[Int(index)]
    }
}
