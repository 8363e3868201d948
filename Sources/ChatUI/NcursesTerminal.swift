import CNcursesw
import Foundation
import HalfBlockRendering

#if canImport(Glibc)
import Glibc
#endif

/// Why the terminal could not be used.
public enum TerminalError: Error, CustomStringConvertible, Sendable, Equatable {
    case notATerminal
    case cannotInitialize(term: String)

    public var description: String {
        switch self {
        case .notATerminal:
            "the chat needs a terminal on standard input and output (for scripts, use `omnichat run`)"
        case .cannotInitialize(let term):
            "cannot start curses for TERM=\(term.isEmpty ? "(unset)" : term); is its terminfo entry installed?"
        }
    }
}

/// The real terminal, through ncursesw. The only code in the project that calls curses or
/// writes escape sequences to the screen.
///
/// Input is read raw (no line discipline, no signals from Ctrl+C, CR kept apart from LF) and
/// without curses' key translation, so `KeyDecoder` sees the terminal's own bytes. Bracketed
/// paste and SGR 1006 mouse reports are switched on for the session and off again on restore.
///
/// Colours: curses draws with numbered pairs; `ColorPairCache` hands them out. On a terminal
/// whose terminfo has 2^24 colours (an `-direct` entry) colours are sent as 24-bit values; when
/// the user asked for truecolor (`COLORTERM`) but `TERM` names a 256-colour entry, the matching
/// `-direct` entry is used if it is installed.
///
/// `restore()` ends curses and resets the modes it changed; it runs on every way out: the
/// caller's normal and error paths, SIGINT, SIGTERM and SIGHUP (through the run loop), and a
/// crash (a signal handler installed here writes the reset sequences and restores the saved
/// terminal settings before the process dies).
public final class NcursesTerminal: Terminal {
    public private(set) var size: TerminalSize
    public let colorMode: ColorMode
    private let colors: Int
    private var pairs: ColorPairCache
    private var shown: Screen?
    private var active = true
    private var pendingResize = false
    /// Bytes read before curses started, returned by the first `readInput`.
    private var typedAhead: [UInt8]
    /// The sequences that switch the input modes on and off (`modeSequences`).
    private let enableModes: String, disableModes: String

    /// Sequences that switch on bracketed paste, wheel reports (SGR 1006) and xterm's
    /// modifyOtherKeys level 1 (so Shift+Enter arrives as `CSI 27;2;13~`, told apart from Enter,
    /// in xterm, foot, WezTerm and tmux with `extended-keys on`; terminals without it ignore it),
    /// and off again in the reverse order. With `kittyKeyboard` they also push and pop the kitty
    /// keyboard protocol's "disambiguate" flag (Shift+Enter as `CSI 13;2u`, Esc as `CSI 27u`),
    /// which kitty needs: it has no modifyOtherKeys. It is sent only to a terminal that answered
    /// the protocol's query, since some others take `CSI < u` for "restore the cursor".
    static func modeSequences(kittyKeyboard: Bool) -> (enable: String, disable: String) {
        let kittyOn = kittyKeyboard ? "\u{1B}[>1u" : "", kittyOff = kittyKeyboard ? "\u{1B}[<u" : ""
        return ("\u{1B}[?2004h\u{1B}[?1000h\u{1B}[?1006h\u{1B}[>4;1m" + kittyOn,
                kittyOff + "\u{1B}[>4m\u{1B}[?1006l\u{1B}[?1000l\u{1B}[?2004l")
    }

    /// Takes over the terminal. `preferredColorMode` is what the user or environment asks for;
    /// the mode used is the lesser of it and what the terminal has. `typedAhead`: input already
    /// read from the terminal (keys typed during `TerminalProbe.run`), read first, then what was
    /// typed since (`TypedAhead`).
    /// `kittyKeyboard`: the terminal answered the kitty keyboard query (see `modeSequences`).
    public init(preferredColorMode: ColorMode, environment: [String: String] = ProcessInfo.processInfo.environment,
                typedAhead: [UInt8] = [], kittyKeyboard: Bool = false) throws(TerminalError) {
        guard isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 else { throw .notATerminal }
        self.typedAhead = typedAhead
        (enableModes, disableModes) = Self.modeSequences(kittyKeyboard: kittyKeyboard)
        setlocale(LC_ALL, "")
        omnichat_save_terminal_state(STDIN_FILENO)
        let shellMapsEnter = TypedAhead.mapsEnterToLineFeed(STDIN_FILENO)
        let term = environment["TERM"] ?? ""
        var screen: OpaquePointer?
        if preferredColorMode == .truecolor, !term.hasSuffix("-direct") {
            for candidate in Self.directColorCandidates(term: term) where Self.terminfoExists(candidate) {
                screen = omnichat_newterm(candidate)
                if screen != nil { break }
            }
        }
        if screen == nil { screen = omnichat_newterm(nil) }
        guard let screen else { throw .cannotInitialize(term: term) }
        set_term(screen)
        raw()
        noecho()
        nonl()
        // Keys typed since the probe gave the terminal back (while the model loaded) went
        // through the shell's line discipline.
        self.typedAhead += TypedAhead.enterRestored(TypedAhead.read(STDIN_FILENO), mappedByLineDiscipline: shellMapsEnter)
        let window = omnichat_stdscr()
        keypad(window, false)
        meta(window, true)
        intrflush(window, false)
        leaveok(window, false)

        var available = 0
        if has_colors() {
            start_color()
            use_default_colors()
            available = Int(omnichat_colors())
        }
        colors = available
        let capability: ColorMode = available >= 1 << 24 ? .truecolor : available >= 256 ? .palette256 : available >= 8 ? .ansi16 : .monochrome
        colorMode = min(preferredColorMode, capability)
        pairs = ColorPairCache(capacity: min(Int(omnichat_color_pairs()), 1 << 16))
        size = TerminalSize(columns: Int(omnichat_cols()), rows: Int(omnichat_lines()))

        // The modes are switched on from the alternate screen, after a refresh has surely put it
        // up: kitty keeps one keyboard-protocol stack per screen, and the pop on the way out
        // happens there too.
        wrefresh(window)
        Self.writeRaw(enableModes)
        omnichat_install_crash_restore(disableModes + "\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l\r\n")
    }

    deinit { restore() }

    /// `-direct` terminfo entries to try for a terminal that claims truecolor.
    static func directColorCandidates(term: String) -> [String] {
        let base = term.split(separator: "-").first.map(String.init) ?? ""
        return base.isEmpty ? [] : [base + "-direct"]
    }

    /// What the installed terminfo entry `term` says about colour; nil when it is not installed.
    public static func terminfoColors(term: String) -> TerminfoColors? {
        guard !term.isEmpty else { return nil }
        var colors: Int32 = 0, direct: Int32 = 0
        guard omnichat_terminfo_colors(term, &colors, &direct) == 1 else { return nil }
        return TerminfoColors(colors: Int(colors), directColor: direct != 0)
    }

    private static func terminfoExists(_ name: String) -> Bool {
        terminfoColors(term: name) != nil
    }

    private static func writeRaw(_ text: String) {
        omnichat_write(text)
    }

    // MARK: - Input

    public func readInput(timeoutMilliseconds: Int) -> TerminalInput {
        guard active else { return .timedOut }
        if pendingResize {
            pendingResize = false
            return resized()
        }
        if !typedAhead.isEmpty {
            defer { typedAhead = [] }
            return .bytes(typedAhead)
        }
        let window = omnichat_stdscr()
        wtimeout(window, Int32(clamping: timeoutMilliseconds))
        let first = wgetch(window)
        if first == ERR { return .timedOut }
        if first == omnichat_key_resize() { return resized() }
        var bytes: [UInt8] = [UInt8(truncatingIfNeeded: first)]
        wtimeout(window, 0)
        while bytes.count < 4096 {
            let next = wgetch(window)
            if next == ERR { break }
            if next == omnichat_key_resize() {
                pendingResize = true
                break
            }
            bytes.append(UInt8(truncatingIfNeeded: next))
        }
        return .bytes(bytes)
    }

    private func resized() -> TerminalInput {
        size = TerminalSize(columns: Int(omnichat_cols()), rows: Int(omnichat_lines()))
        shown = nil
        return .resized(size)
    }

    // MARK: - Output

    public func draw(_ screen: Screen) {
        guard active else { return }
        let window = omnichat_stdscr()
        let rows = min(screen.height, size.rows), columns = min(screen.width, size.columns)
        let previous = shown.flatMap { $0.width == screen.width && $0.height == screen.height ? $0 : nil }
        if previous == nil { werase(window) }
        pairs.beginFrame()
        var characters = [wchar_t](repeating: 0, count: 6)
        for row in 0 ..< rows {
            for column in 0 ..< columns {
                let (cell, attributes) = screen[row, column]
                // Every cell's pair is looked up, changed or not, so pairs on screen stay in use.
                let pair = pairNumber(cell)
                if let previous, previous[row, column] == (cell, attributes) { continue }
                if cell.character == Screen.wideTail { continue }
                let scalars = Array(cell.character.unicodeScalars)
                let count = scalars.count <= 5 ? scalars.count : 1
                for index in 0 ..< count { characters[index] = wchar_t(bitPattern: scalars[index].value) }
                characters[count] = 0
                if omnichat_put_cell(Int32(row), Int32(column), characters, cursesAttributes(attributes), Int32(pair)) == ERR, count > 1 {
                    // curses takes only a spacing character plus combining ones; keep the base.
                    characters[1] = 0
                    _ = omnichat_put_cell(Int32(row), Int32(column), characters, cursesAttributes(attributes), Int32(pair))
                }
            }
        }
        if let cursor = screen.cursor, cursor.row < rows, cursor.column < columns {
            wmove(window, Int32(cursor.row), Int32(cursor.column))
            curs_set(1)
        } else {
            curs_set(0)
        }
        wnoutrefresh(window)
        doupdate()
        shown = screen
    }

    private func pairNumber(_ cell: Cell) -> Int {
        let key = ColorPairKey(foreground: TerminalColorNumber.number(for: cell.foreground, colors: colors),
                               background: TerminalColorNumber.number(for: cell.background, colors: colors))
        guard colors > 0, let (number, isNew) = pairs.pair(for: key) else { return 0 }
        if isNew { init_extended_pair(Int32(number), key.foreground, key.background) }
        return number
    }

    private func cursesAttributes(_ attributes: TextAttributes) -> attr_t {
        var result: attr_t = 0
        if attributes.contains(.bold) { result |= omnichat_attr_bold() }
        if attributes.contains(.dim) { result |= omnichat_attr_dim() }
        if attributes.contains(.reverse) { result |= omnichat_attr_reverse() }
        if attributes.contains(.underline) { result |= omnichat_attr_underline() }
        if attributes.contains(.italic) { result |= omnichat_attr_italic() }
        return result
    }

    public func invalidate() {
        guard active else { return }
        shown = nil
        clearok(omnichat_stdscr(), true)
    }

    public func copyToClipboard(_ text: String) {
        guard active else { return }
        Self.writeRaw(clipboardSequence(text))
    }

    public func handOver(_ work: () -> Void) {
        guard active else { return work() }
        Self.writeRaw(disableModes)
        endwin()
        work()
        invalidate()
        wrefresh(omnichat_stdscr())  // back on the alternate screen first (see `init`)
        Self.writeRaw(enableModes)
    }

    public func restore() {
        guard active else { return }
        active = false
        Self.writeRaw(disableModes)
        curs_set(1)
        endwin()
        omnichat_remove_crash_restore()
    }
}

private func == (lhs: (cell: Cell, attributes: TextAttributes), rhs: (cell: Cell, attributes: TextAttributes)) -> Bool {
    lhs.cell == rhs.cell && lhs.attributes == rhs.attributes
}
