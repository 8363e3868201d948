import Foundation

/// Text from a model or a file, made safe to print on a terminal.
///
/// Control characters (C0 except newline and tab, DEL, C1) and bidirectional overrides could
/// move the cursor, change the title, copy to the clipboard (OSC 52) or reorder what the user
/// sees, so each is shown as a visible `\u{…}` escape instead. Output to a pipe is left exact.
enum TerminalText {
    static func safe(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: false
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: true  // bidi controls
        default: false
        }
    }

    /// `text` made safe when standard output is a terminal, unchanged for a pipe.
    static func safeIfTerminal(_ text: String) -> String {
        isatty(STDOUT_FILENO) == 1 ? safe(text) : text
    }

    /// Prints `text` with a newline: made safe when standard output is a terminal.
    static func print(_ text: String) {
        Swift.print(isatty(STDOUT_FILENO) == 1 ? safe(text) : text)
    }
}
