/// Text from a conversation made safe to print or to put in an exported file: no terminal
/// control characters (C0 except tab and newline, DEL, C1, so no escape sequences) and no bidi
/// overrides or isolates that could reorder what a reader sees.
enum SafeText {
    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A: false
        case 0x00 ... 0x1F, 0x7F, 0x80 ... 0x9F: true
        case 0x202A ... 0x202E, 0x2066 ... 0x2069, 0x200E, 0x200F, 0x061C: true  // bidi controls and marks
        default: false
        }
    }

    /// The text without unsafe characters (tabs and newlines kept; CR dropped).
    static func cleaned(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where !isUnsafe(scalar) { scalars.append(scalar) }
        return String(scalars)
    }

    /// The first non-blank line, with runs of whitespace collapsed to one space.
    static func singleLine(_ text: String) -> String {
        let line = cleaned(text).split(whereSeparator: \.isNewline).first { !$0.allSatisfy(\.isWhitespace) } ?? ""
        return line.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
