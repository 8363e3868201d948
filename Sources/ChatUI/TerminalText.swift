import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Text from a model or a file, made safe to show on a terminal.
///
/// Control characters (C0 except newline and tab, DEL, C1) and bidirectional controls could
/// move the cursor, change the title, copy to the clipboard (OSC 52) or reorder what the user
/// sees, so each is shown as a visible `\u{…}` escape instead. Line and paragraph separators
/// (U+2028, U+2029), which terminals treat inconsistently, are escaped the same way.
///
///     TerminalText.safe("red\u{1B}[2Jcircle")   // "red\\u{1b}[2Jcircle"
public enum TerminalText {
    /// `text` with every unsafe scalar replaced by its visible escape (`escape`: `\u{1b}` by
    /// default; JSON output passes its own `\u001b` form).
    public static func safe(_ text: String,
                            escape: (Unicode.Scalar) -> String = { "\\u{" + String($0.value, radix: 16) + "}" }) -> String {
        // Fast path: most model text has nothing to escape.
        if !text.unicodeScalars.contains(where: isUnsafe) { return text }
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) {
                out += escape(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Whether `scalar` must not reach a terminal as it is.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: false
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: true  // bidi controls
        case 0x2028, 0x2029: true  // line and paragraph separators
        default: false
        }
    }

    /// Prints `text` with a newline: made safe when standard output is a terminal; output to a
    /// pipe is left exact.
    public static func print(_ text: String) {
        Swift.print(isatty(STDOUT_FILENO) == 1 ? safe(text) : text)
    }
}
