/// Choices for printing pictures that depend on the terminal: its colour depth from the
/// environment, and a default width. Pure functions of their inputs, so the command that asks
/// the terminal (ioctl, environment) stays small and these stay testable.
public enum TerminalDefaults {
    /// The colour mode the environment asks for:
    ///
    /// - `NO_COLOR` set and not empty (no-color.org): `.monochrome`;
    /// - `COLORTERM` is `truecolor` or `24bit`, or `TERM` ends in `-direct`: `.truecolor`;
    /// - `TERM` ends in `-256color`: `.palette256`;
    /// - `TERM` is `dumb`: `.monochrome` (such terminals show escape codes literally);
    /// - otherwise `.ansi16`.
    public static func colorMode(environment: [String: String]) -> ColorMode {
        if noColorRequested(environment: environment) { return .monochrome }
        let colorTerm = (environment["COLORTERM"] ?? "").lowercased()
        let term = environment["TERM"] ?? ""
        if colorTerm == "truecolor" || colorTerm == "24bit" || term.hasSuffix("-direct") { return .truecolor }
        if term.hasSuffix("-256color") { return .palette256 }
        if term == "dumb" { return .monochrome }
        return .ansi16
    }

    /// The colour mode the environment asks for, raised by what the terminal's terminfo entry
    /// says it has: the `RGB` (or tmux's `Tc`) flag means truecolor, 256 colours or more mean at
    /// least the 256-colour palette. `COLORTERM` is often lost over ssh and `TERM` names such as
    /// `xterm-kitty` or `alacritty` carry no `-256color`, so the entry is the better witness.
    /// `NO_COLOR` and `TERM=dumb` are never raised.
    public static func colorMode(environment: [String: String], terminfo: TerminfoColors?) -> ColorMode {
        let fromEnvironment = colorMode(environment: environment)
        guard fromEnvironment != .monochrome, let terminfo else { return fromEnvironment }
        let fromTerminfo: ColorMode = terminfo.directColor ? .truecolor : terminfo.colors >= 256 ? .palette256 : .ansi16
        return max(fromEnvironment, fromTerminfo)
    }

    /// True when `NO_COLOR` is set to a non-empty value.
    public static func noColorRequested(environment: [String: String]) -> Bool {
        environment["NO_COLOR"].map { !$0.isEmpty } ?? false
    }

    /// Columns to draw a picture `pictureWidth` pixels wide: the terminal's width (80 when
    /// output is not a terminal), but never more than one column per pixel unless asked.
    public static func columns(terminalColumns: Int?, pictureWidth: Int) -> Int {
        let available = terminalColumns.flatMap { $0 > 0 ? $0 : nil } ?? 80
        return max(1, min(available, pictureWidth))
    }
}

/// What a terminfo entry says about colour.
public struct TerminfoColors: Sendable, Equatable {
    /// The `colors` number (0 when the entry has none).
    public var colors: Int
    /// The `RGB` or `Tc` flag: the terminal takes 24-bit colours.
    public var directColor: Bool

    public init(colors: Int, directColor: Bool) {
        self.colors = colors
        self.directColor = directColor
    }
}
