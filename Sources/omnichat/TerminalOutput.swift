import ArgumentParser
import Foundation
import HalfBlockRendering

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The width of the terminal on standard output, or nil when standard output is not a terminal
/// (or the terminal does not say).
func standardOutputColumns() -> Int? {
    guard isatty(STDOUT_FILENO) != 0 else { return nil }
    var size = winsize()
    guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
    return Int(size.ws_col)
}

/// Checks a `--colors` value (truecolor, 256, 16 or none), as every command that draws takes it.
func validateColorsFlag(_ colors: String?) throws {
    if let colors, ColorMode(rawValue: colors) == nil {
        throw ValidationError("--colors must be truecolor, 256, 16 or none, not '\(colors)'")
    }
}
